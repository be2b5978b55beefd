from django.apps import AppConfig


class ItamConfig(AppConfig):
    name = "itam"
    verbose_name = "ITAM"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save, pre_save

        from .sessions import end_sessions_on_deactivation, note_deactivation

        # Deactivating an account ends its sessions and API token (itam/sessions.py).
        user = get_user_model()
        pre_save.connect(note_deactivation, sender=user, dispatch_uid="itam.note_deactivation")
        post_save.connect(
            end_sessions_on_deactivation, sender=user, dispatch_uid="itam.end_sessions"
        )
