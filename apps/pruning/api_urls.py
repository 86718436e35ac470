"""API routes of this app; viewsets register on the router."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("ddb-stores", api.DDBStoreViewSet, basename="ddb-store")
router.register(
    "ddb-store-snapshots", api.DDBStoreSnapshotViewSet, basename="ddb-store-snapshot"
)
router.register("data-aging-runs", api.DataAgingRunViewSet, basename="data-aging-run")

urlpatterns = [
    path("pruning/summary/", api.PruningSummaryView.as_view(), name="pruning-summary"),
    path(
        "pruning/thresholds/",
        api.PruningThresholdsView.as_view(),
        name="pruning-thresholds",
    ),
    path(
        "pruning/pools/<int:pk>/timeline/",
        api.PoolTimelineView.as_view(),
        name="pruning-pool-timeline",
    ),
    *router.urls,
]
