"""API routes of the retention tools; viewsets register on the router."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()

urlpatterns = router.urls
