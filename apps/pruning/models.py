from django.db import models

from apps.commcell.models import InventoryModel, _inventory_constraints
from apps.storage.models import MediaAgent

# Bit of `storeFlags` that is set while pruning is enabled on a DDB store.
STORE_FLAG_PRUNING_ENABLED = 536870912


class DDBStore(InventoryModel):
    """A deduplication database store and what the CommServe reports about it."""

    storage_policy_cv_id = models.BigIntegerField(null=True, blank=True)
    storage_policy_name = models.CharField(max_length=300, blank=True)
    copy_cv_id = models.BigIntegerField(null=True, blank=True)
    copy_name = models.CharField(max_length=300, blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True)
    status = models.IntegerField(null=True, blank=True)
    ddb_version = models.IntegerField(null=True, blank=True)
    store_flags = models.BigIntegerField(default=0)
    pruning_enabled = models.BooleanField(default=True)
    primary_records = models.BigIntegerField(null=True, blank=True)
    free_disk_space_mb = models.BigIntegerField(null=True, blank=True)

    class Meta(InventoryModel.Meta):
        constraints = _inventory_constraints("ddbstore")
        verbose_name = "DDB store"

    @property
    def sealed(self) -> bool:
        return self.sealed_at is not None


class DDBPartition(models.Model):
    """A partition (substore) of a DDB store, hosted by one MediaAgent."""

    store = models.ForeignKey(
        DDBStore, on_delete=models.CASCADE, related_name="partitions"
    )
    cv_id = models.BigIntegerField()
    path = models.CharField(max_length=500, blank=True)
    media_agent = models.ForeignKey(
        MediaAgent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    media_agent_name = models.CharField(max_length=300, blank=True)
    status = models.IntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "cv_id"], name="ddbpartition_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.store.name} partition {self.cv_id}"
