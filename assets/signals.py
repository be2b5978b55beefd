"""Stamp each asset history row with the move that made it and the status it came from."""

from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record


@receiver(pre_create_historical_record)
def stamp_asset_history(sender, instance, history_instance, **kwargs) -> None:
    if not hasattr(history_instance, "history_action"):
        return
    default_action = {"+": "create", "~": "edit", "-": "delete"}[history_instance.history_type]
    history_instance.history_action = getattr(instance, "_history_action", default_action)
    history_instance.history_from_status = getattr(
        instance,
        "_history_from_status",
        "" if history_instance.history_type == "+" else instance.status,
    )
