"""API routes of this app; viewsets register on the router."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("storage-pools", api.StoragePoolViewSet, basename="storage-pool")
router.register("media-agents", api.MediaAgentViewSet, basename="media-agent")
router.register(
    "storage-pool-snapshots",
    api.PoolSnapshotViewSet,
    basename="storage-pool-snapshot",
)
router.register(
    "media-agent-snapshots",
    api.MediaAgentSnapshotViewSet,
    basename="media-agent-snapshot",
)

urlpatterns = [
    path("storage/summary/", api.StorageSummaryView.as_view(), name="storage-summary"),
    path(
        "storage/thresholds/",
        api.ThresholdsView.as_view(),
        name="storage-thresholds",
    ),
    path(
        "storage-pools/<int:pk>/forecast/",
        api.PoolForecastView.as_view(),
        name="storage-pool-forecast",
    ),
    path(
        "storage-pools/<int:pk>/prediction/",
        api.PredictorView.as_view(),
        name="storage-pool-prediction",
    ),
    *router.urls,
]
