"""API routes of the retention tools."""

from django.urls import path

from . import tool_api

urlpatterns = [
    path(
        "analyzers/optimizer/",
        tool_api.OptimizerAPIView.as_view(),
        name="analyzers-optimizer",
    ),
    path(
        "analyzers/reclamation/",
        tool_api.ReclamationAPIView.as_view(),
        name="analyzers-reclamation",
    ),
    path("analyzers/dedup/", tool_api.DedupAPIView.as_view(), name="analyzers-dedup"),
    path(
        "analyzers/schedules/",
        tool_api.ScheduleAPIView.as_view(),
        name="analyzers-schedules",
    ),
    path(
        "analyzers/retention-checker/",
        tool_api.RetentionCheckerAPIView.as_view(),
        name="analyzers-retention-checker",
    ),
]
