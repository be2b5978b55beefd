"""API: reservations (issue 4). Mounted in itam/api_urls.py at /api/v1/reservations/."""

from rest_framework.routers import SimpleRouter

from .reservations import ReservationViewSet

router = SimpleRouter()
router.register("", ReservationViewSet, basename="api-reservation")

urlpatterns = router.urls
