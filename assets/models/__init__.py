from .asset import Asset, AssetHistoryExtras, TagSequence
from .catalogue import AssetModel, Category, Manufacturer, Vendor
from .places import Department, Location, Profile
from .retirement import DisposalRecord, WipeRecord

__all__ = [
    "Asset",
    "AssetHistoryExtras",
    "AssetModel",
    "Category",
    "Department",
    "DisposalRecord",
    "Location",
    "Manufacturer",
    "Profile",
    "TagSequence",
    "Vendor",
    "WipeRecord",
]
