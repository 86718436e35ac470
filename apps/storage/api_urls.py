"""API routes of this app; viewsets register on the router."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("storage-pools", api.StoragePoolViewSet, basename="storage-pool")
router.register("media-agents", api.MediaAgentViewSet, basename="media-agent")

urlpatterns = router.urls
