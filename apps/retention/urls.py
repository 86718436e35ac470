from django.urls import path

from . import views

app_name = "retention"

urlpatterns = [
    path(
        "dashboard/retention",
        views.RetentionDashboardView.as_view(),
        name="dashboard",
    ),
]
