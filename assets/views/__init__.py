"""The asset pages: the register, the asset page, registration and edits, and the move forms."""

from .detail import AssetDetailView
from .edit import AssetCreateView, AssetEditView
from .moves import AssetMoveView
from .register import AssetListView

__all__ = [
    "AssetCreateView",
    "AssetDetailView",
    "AssetEditView",
    "AssetListView",
    "AssetMoveView",
]
