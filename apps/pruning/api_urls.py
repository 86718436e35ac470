"""API routes of this app; viewsets register on the router."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("ddb-stores", api.DDBStoreViewSet, basename="ddb-store")

urlpatterns = router.urls
