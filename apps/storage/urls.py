from django.urls import path

from . import views

app_name = "storage"

urlpatterns = [
    path("dashboard/storage", views.StorageDashboardView.as_view(), name="dashboard"),
    path(
        "storage/pools/<int:pk>/",
        views.PoolDetailView.as_view(),
        name="pool-detail",
    ),
    path("tools/storage-predictor", views.PredictorView.as_view(), name="predictor"),
]
