from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = "Assets"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import signals  # noqa: F401  (history extras)
        from .roles import sync_roles

        post_migrate.connect(sync_roles, dispatch_uid="assets.sync_roles")
