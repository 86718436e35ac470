from django.urls import path

from . import views

app_name = "logs"

urlpatterns = [
    path("logs/", views.LogFileListView.as_view(), name="file-list"),
    path("logs/upload", views.LogUploadView.as_view(), name="upload"),
    path("logs/events/", views.LogEventListView.as_view(), name="event-list"),
]
