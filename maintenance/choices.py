"""Choices for maintenance work, each with a badge colour."""

from django.db import models


class MaintenanceKind(models.TextChoices):
    REPAIR = "repair", "Repair"
    SERVICING = "servicing", "Routine servicing"
    UPGRADE = "upgrade", "Upgrade"
    SOFTWARE_UPDATE = "software_update", "Software update"
    INCIDENT = "incident", "Incident"

    @classmethod
    def colour(cls, value: str) -> str:
        return {
            "repair": "orange",
            "servicing": "blue",
            "upgrade": "purple",
            "software_update": "teal",
            "incident": "red",
        }.get(value, "grey")
