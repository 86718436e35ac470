from django.urls import path

from . import views

app_name = "pruning"

urlpatterns = [
    path(
        "dashboard/pruning",
        views.PruningDashboardView.as_view(),
        name="dashboard",
    ),
    path(
        "pruning/pools/<int:pk>/timeline",
        views.PoolTimelineView.as_view(),
        name="pool-timeline",
    ),
]
