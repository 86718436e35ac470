from django.urls import path

from . import views

app_name = "commcell"

urlpatterns = [
    path("sync-runs/", views.syncrun_list, name="syncrun-list"),
    path("sync-runs/<int:pk>/", views.syncrun_detail, name="syncrun-detail"),
    path(
        "sync-runs/collect/<int:commcell_id>/",
        views.collect_now,
        name="collect-now",
    ),
]
