from django.urls import path

from . import finding_views, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("account/", views.account, name="account"),
    path(
        "account/password/",
        views.PasswordChangeView.as_view(),
        name="password-change",
    ),
    path(
        "account/password/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password-change-done",
    ),
    path("health/", views.health, name="health"),
    path("findings/", finding_views.FindingListView.as_view(), name="finding-list"),
    path("findings/<int:pk>/", finding_views.finding_detail, name="finding-detail"),
    path("analysis-runs/", finding_views.analysis_run_list, name="analysisrun-list"),
    path(
        "analysis-runs/start/",
        finding_views.start_analysis,
        name="analysis-start",
    ),
]
