from django.urls import path

from . import views

app_name = "retention"

urlpatterns = [
    path(
        "dashboard/retention",
        views.RetentionDashboardView.as_view(),
        name="dashboard",
    ),
    path(
        "retention/copies/",
        views.CopyRetentionListView.as_view(),
        name="copy-list",
    ),
    path("jobs/<int:pk>/", views.JobRetentionView.as_view(), name="job-detail"),
    path(
        "analyzers/cycles/",
        views.CycleAnalyzerView.as_view(),
        name="cycle-analyzer",
    ),
    path(
        "analyzers/backup-success/",
        views.BackupSuccessView.as_view(),
        name="backup-success",
    ),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan-detail"),
]
