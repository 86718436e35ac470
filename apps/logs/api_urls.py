"""API routes of this app; viewsets register on the router."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import LogEventViewSet, LogFileViewSet, LogMatcherViewSet, LogUploadView

router = SimpleRouter()
router.register("log-files", LogFileViewSet, basename="log-file")
router.register("log-events", LogEventViewSet, basename="log-event")
router.register("log-matchers", LogMatcherViewSet, basename="log-matcher")

urlpatterns = [
    path("log-files/upload/", LogUploadView.as_view(), name="log-upload"),
    *router.urls,
]
