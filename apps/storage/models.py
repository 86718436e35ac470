from django.db import models

from apps.commcell.models import InventoryModel, _inventory_constraints


class StoragePool(InventoryModel):
    class StorageType(models.IntegerChoices):
        DISK = 1, "Disk"
        CLOUD = 2, "Cloud"
        HYPERSCALE = 3, "HyperScale"
        TAPE = 4, "Tape"

    class PoolType(models.IntegerChoices):
        DEDUPLICATION = 1, "Deduplication"
        SECONDARY_COPY = 2, "Secondary copy"
        NON_DEDUPLICATION = 3, "Non-deduplication"
        SCALE_OUT = 4, "Scale-out"

    storage_type = models.IntegerField(
        choices=StorageType.choices, null=True, blank=True
    )
    pool_type = models.IntegerField(choices=PoolType.choices, null=True, blank=True)
    # Id of the pool's global storage policy: plan copies point at it.
    storage_policy_cv_id = models.BigIntegerField(null=True, blank=True)
    status = models.TextField(blank=True)
    status_code = models.IntegerField(null=True, blank=True)
    online = models.BooleanField(default=True)
    # Megabytes; None when the CommServe does not report them (cloud pools report -1).
    total_capacity_mb = models.BigIntegerField(null=True, blank=True)
    free_space_mb = models.BigIntegerField(null=True, blank=True)
    size_on_disk_mb = models.BigIntegerField(null=True, blank=True)
    worm_flags = models.IntegerField(default=0)
    retention_days = models.IntegerField(null=True, blank=True)
    number_of_nodes = models.IntegerField(null=True, blank=True)

    class Meta(InventoryModel.Meta):
        constraints = _inventory_constraints("storagepool")

    @property
    def capacity_reported(self) -> bool:
        return bool(self.total_capacity_mb) and self.free_space_mb is not None

    @property
    def free_percent(self) -> float | None:
        if not self.capacity_reported:
            return None
        return 100.0 * self.free_space_mb / self.total_capacity_mb


class MediaAgent(InventoryModel):
    display_name = models.CharField(max_length=300, blank=True)
    # None when the list the CommServe returned carries no status (GET /MediaAgent).
    online = models.BooleanField(null=True, blank=True)
    status_text = models.CharField(max_length=50, blank=True)
    offline_reason_code = models.IntegerField(null=True, blank=True)
    offline_reason = models.TextField(blank=True)
    os_name = models.CharField(max_length=200, blank=True)
    version = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)

    class Meta(InventoryModel.Meta):
        constraints = _inventory_constraints("mediaagent")
