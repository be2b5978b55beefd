from .asset import Asset, AssetHistoryExtras, TagSequence
from .catalogue import AssetModel, Category, ChecklistItem, Manufacturer, Vendor
from .deployment import Assignment, Reservation
from .imports import ImportJob, ImportJobState, ImportMapping
from .places import Department, Location, Profile
from .retirement import DisposalRecord, WipeRecord

__all__ = [
    "Asset",
    "AssetHistoryExtras",
    "AssetModel",
    "Assignment",
    "Category",
    "ChecklistItem",
    "Department",
    "DisposalRecord",
    "ImportJob",
    "ImportJobState",
    "ImportMapping",
    "Location",
    "Manufacturer",
    "Profile",
    "Reservation",
    "TagSequence",
    "Vendor",
    "WipeRecord",
]
