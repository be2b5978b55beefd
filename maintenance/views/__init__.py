"""The maintenance and licence pages (one package per family of pages)."""

from .licenses import (
    AssignSeatView,
    LicenseDetailView,
    LicenseFormView,
    LicenseListView,
    OrphanedSeatsView,
    ReleaseSeatView,
    RenewView,
)
from .plans import DueView, PlanDetailView, PlanFormView, PlanListView, WarrantiesView
from .records import LogWorkView, RecordDetailView, RecordEditView, RecordListView

__all__ = [
    "AssignSeatView",
    "DueView",
    "LicenseDetailView",
    "LicenseFormView",
    "LicenseListView",
    "LogWorkView",
    "OrphanedSeatsView",
    "PlanDetailView",
    "PlanFormView",
    "PlanListView",
    "RecordDetailView",
    "RecordEditView",
    "RecordListView",
    "ReleaseSeatView",
    "RenewView",
    "WarrantiesView",
]
