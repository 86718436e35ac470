"""API routes of this app; viewsets register on the router."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("commcells", api.CommCellViewSet, basename="commcell")
router.register("sync-runs", api.SyncRunViewSet, basename="sync-run")
router.register("clients", api.ClientViewSet, basename="client")
router.register("plans", api.PlanViewSet, basename="plan")
router.register("storage-policies", api.StoragePolicyViewSet, basename="storage-policy")
router.register(
    "storage-policy-copies",
    api.StoragePolicyCopyViewSet,
    basename="storage-policy-copy",
)
router.register("jobs", api.JobViewSet, basename="job")
router.register("jobs-on-copies", api.JobOnCopyViewSet, basename="job-on-copy")

urlpatterns = router.urls
