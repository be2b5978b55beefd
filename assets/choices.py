"""Choices for the asset app: each status has a label and a badge colour (as NetBox does)."""

from django.db import models


class AssetStatus(models.TextChoices):
    ON_ORDER = "on_order", "On order"
    IN_STOCK = "in_stock", "In stock"
    DEPLOYED = "deployed", "Deployed"
    IN_MAINTENANCE = "in_maintenance", "In maintenance"
    MISSING = "missing", "Missing"
    RETIRED = "retired", "Retired"
    DISPOSED = "disposed", "Disposed"

    @classmethod
    def colour(cls, value: str) -> str:
        return STATUS_COLOURS.get(value, "grey")


STATUS_COLOURS = {
    AssetStatus.ON_ORDER: "purple",
    AssetStatus.IN_STOCK: "green",
    AssetStatus.DEPLOYED: "blue",
    AssetStatus.IN_MAINTENANCE: "orange",
    AssetStatus.MISSING: "red",
    AssetStatus.RETIRED: "grey",
    AssetStatus.DISPOSED: "dark",
}

ACTIVE_STATUSES = (AssetStatus.IN_STOCK, AssetStatus.DEPLOYED, AssetStatus.IN_MAINTENANCE)


class CategoryKind(models.TextChoices):
    HARDWARE = "hardware", "Hardware"
    SOFTWARE = "software", "Software"
    ACCESSORY = "accessory", "Accessory"
    CONSUMABLE = "consumable", "Consumable"


class LocationKind(models.TextChoices):
    SITE = "site", "Site"
    BUILDING = "building", "Building"
    FLOOR = "floor", "Floor"
    ROOM = "room", "Room"


class WipeMethod(models.TextChoices):
    """NIST SP 800-88 sanitisation methods."""

    CLEAR = "clear", "Clear"
    PURGE = "purge", "Purge"
    DESTROY = "destroy", "Destroy"


class DisposalMethod(models.TextChoices):
    RECYCLE = "recycle", "Recycle"
    DONATE = "donate", "Donate"
    SELL = "sell", "Sell"
    DESTROY = "destroy", "Destroy"
    RETURN_TO_LESSOR = "return_to_lessor", "Return to lessor"


class RetirementReason(models.TextChoices):
    END_OF_LIFE = "end_of_life", "End of life"
    BROKEN = "broken", "Broken beyond repair"
    NOT_COST_EFFECTIVE = "not_cost_effective", "Not cost-effective to repair"
    LOST_OR_STOLEN = "lost_or_stolen", "Lost or stolen"
    LEASE_END = "lease_end", "Lease end"


class Condition(models.TextChoices):
    """How an asset came back, noted at check-in."""

    NEW = "new", "As new"
    GOOD = "good", "Good"
    FAIR = "fair", "Fair: signs of use"
    POOR = "poor", "Poor: needs attention"
    BROKEN = "broken", "Broken"


class ReservationStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    DEPLOYED = "deployed", "Handed out"
    RETURNED = "returned", "Returned"
    CANCELLED = "cancelled", "Cancelled"
