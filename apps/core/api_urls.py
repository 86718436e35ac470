"""API routes of this app; viewsets register on the router."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .finding_api import AnalysisRunViewSet, FindingSummaryView, FindingViewSet

router = SimpleRouter()
router.register("findings", FindingViewSet, basename="finding")
router.register("analysis-runs", AnalysisRunViewSet, basename="analysis-run")

urlpatterns = [
    # Before the router, whose detail route would read "summary" as an id.
    path("findings/summary/", FindingSummaryView.as_view(), name="finding-summary"),
    *router.urls,
]
