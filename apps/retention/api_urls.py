"""API routes of this app; viewsets register on the router."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import RetentionRuleViewSet, RetentionSummaryView

router = SimpleRouter()
router.register("retention-rules", RetentionRuleViewSet, basename="retention-rule")

urlpatterns = [
    path(
        "retention/summary/",
        RetentionSummaryView.as_view(),
        name="retention-summary",
    ),
    *router.urls,
]
