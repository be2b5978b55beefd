from django.apps import AppConfig


class ItamConfig(AppConfig):
    name = "itam"
    verbose_name = "ITAM"
