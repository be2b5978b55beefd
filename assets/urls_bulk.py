"""Web: bulk moves from the register (see issue 4), at ``/assets/bulk/``."""

from django.urls import path

from .views.bulk import BulkMoveView

urlpatterns = [path("", BulkMoveView.as_view(), name="bulk")]
