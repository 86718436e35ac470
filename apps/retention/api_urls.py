"""API routes of this app; viewsets register on the router."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("retention-rules", api.RetentionRuleViewSet, basename="retention-rule")
router.register(
    "retention/copy-summaries",
    api.CopyRetentionSummaryViewSet,
    basename="retention-copy-summary",
)
router.register(
    "retention/chain-cadences",
    api.ChainCadenceViewSet,
    basename="retention-chain-cadence",
)

urlpatterns = [
    path(
        "retention/summary/",
        api.RetentionSummaryView.as_view(),
        name="retention-summary",
    ),
    path(
        "retention/cycle-analyzer/",
        api.CycleAnalyzerView.as_view(),
        name="retention-cycle-analyzer",
    ),
    path(
        "retention/backup-success/",
        api.BackupSuccessView.as_view(),
        name="retention-backup-success",
    ),
    path(
        "jobs/<int:pk>/retention/",
        api.JobRetentionView.as_view(),
        name="job-retention",
    ),
    path(
        "plans/<int:pk>/retention/",
        api.PlanRetentionView.as_view(),
        name="plan-retention",
    ),
    *router.urls,
]
