"""Pages of the retention tools, under the ``analyzers`` namespace."""

from django.urls import path

from . import tool_views

app_name = "analyzers"

urlpatterns = [
    path("analyzers/optimizer/", tool_views.OptimizerView.as_view(), name="optimizer"),
    path(
        "analyzers/reclamation/",
        tool_views.ReclamationView.as_view(),
        name="reclamation",
    ),
    path("analyzers/dedup/", tool_views.DedupView.as_view(), name="dedup"),
    path("analyzers/schedules/", tool_views.ScheduleView.as_view(), name="schedules"),
    path(
        "tools/retention-checker",
        tool_views.RetentionCheckerView.as_view(),
        name="retention-checker",
    ),
]
