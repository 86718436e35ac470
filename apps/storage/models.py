from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
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


def capacity_is_reported(total_mb: int | None, free_mb: int | None) -> bool:
    """Return True when a total above zero and a free space of zero or more are known.

    The CommServe reports -1 for pools it does not measure (most cloud pools), and a
    total of 0 or a missing value means the same, so none of those is a percentage.
    """
    if total_mb is None or free_mb is None:
        return False
    return total_mb > 0 and free_mb >= 0


class StoragePoolSnapshot(models.Model):
    """A pool's space as one collection reported it."""

    commcell = models.ForeignKey(
        "commcell.CommCell", on_delete=models.CASCADE, related_name="+"
    )
    pool = models.ForeignKey(
        StoragePool, on_delete=models.CASCADE, related_name="snapshots"
    )
    collected_at = models.DateTimeField()
    # Megabytes as the CommServe reported them, so -1 stays -1.
    total_capacity_mb = models.BigIntegerField(null=True, blank=True)
    free_space_mb = models.BigIntegerField(null=True, blank=True)
    # Total minus free, or None when the capacity is not reported.
    used_mb = models.BigIntegerField(null=True, blank=True)
    capacity_reported = models.BooleanField()

    class Meta:
        ordering = ["pool", "collected_at"]
        get_latest_by = "collected_at"
        constraints = [
            # Its index also serves history reads by pool and time range.
            models.UniqueConstraint(
                fields=["pool", "collected_at"], name="one_pool_snapshot_per_time"
            )
        ]
        indexes = [models.Index(fields=["collected_at"], name="pool_snapshot_time")]

    def __str__(self) -> str:
        return f"{self.pool_id} at {self.collected_at.isoformat()}"

    @property
    def free_percent(self) -> float | None:
        if not self.capacity_reported:
            return None
        return 100.0 * self.free_space_mb / self.total_capacity_mb


class MediaAgentSnapshot(models.Model):
    """A MediaAgent's status as one collection reported it."""

    commcell = models.ForeignKey(
        "commcell.CommCell", on_delete=models.CASCADE, related_name="+"
    )
    media_agent = models.ForeignKey(
        MediaAgent, on_delete=models.CASCADE, related_name="snapshots"
    )
    collected_at = models.DateTimeField()
    # None when the CommServe's list carried no status.
    online = models.BooleanField(null=True, blank=True)
    offline_reason_code = models.IntegerField(null=True, blank=True)
    offline_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["media_agent", "collected_at"]
        get_latest_by = "collected_at"
        constraints = [
            models.UniqueConstraint(
                fields=["media_agent", "collected_at"],
                name="one_media_agent_snapshot_per_time",
            )
        ]
        indexes = [
            models.Index(fields=["collected_at"], name="media_agent_snapshot_time")
        ]

    def __str__(self) -> str:
        return f"{self.media_agent_id} at {self.collected_at.isoformat()}"


class SingletonModel(models.Model):
    """A settings table with exactly one row, primary key 1."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls):
        row, _ = cls.objects.get_or_create(pk=1)
        return row


# A hundred years: the limit keeps date arithmetic on these settings from overflowing.
MAX_HISTORY_DAYS = 36_500


class SnapshotRetention(SingletonModel):
    """How long pool, MediaAgent and other registered snapshots are kept."""

    keep_all_days = models.PositiveIntegerField(
        default=30,
        validators=[MaxValueValidator(MAX_HISTORY_DAYS)],
        help_text="Days during which every snapshot is kept. Older snapshots are "
        "thinned to the last one of each day.",
    )
    keep_days = models.PositiveIntegerField(
        default=730,
        validators=[MaxValueValidator(MAX_HISTORY_DAYS)],
        help_text="Days after which snapshots are deleted. Must be larger than the "
        "days during which every snapshot is kept.",
    )

    class Meta:
        verbose_name = "snapshot retention"
        verbose_name_plural = "snapshot retention"

    def __str__(self) -> str:
        return f"keep all {self.keep_all_days} days, delete after {self.keep_days} days"

    def clean(self) -> None:
        if self.keep_all_days >= self.keep_days:
            raise ValidationError(
                {
                    "keep_days": f"Must be larger than the {self.keep_all_days} days "
                    f"during which every snapshot is kept; {self.keep_days} is not."
                }
            )


class StorageThresholds(SingletonModel):
    """Free-space percentages that set a pool's status, and the full-soon horizon.

    A pool with less free space than `critical_below` is critical, less than
    `warning_below` is warning, less than `low_below` is low, and ok otherwise.
    """

    critical_below = models.FloatField(
        default=10.0, help_text="Percent free below which a pool is critical."
    )
    warning_below = models.FloatField(
        default=20.0, help_text="Percent free below which a pool is at warning."
    )
    low_below = models.FloatField(
        default=30.0, help_text="Percent free below which a pool is low."
    )
    full_soon_days = models.PositiveIntegerField(
        default=30,
        validators=[MaxValueValidator(MAX_HISTORY_DAYS)],
        help_text="A pool forecast to be full within this many days gets a finding.",
    )

    class Meta:
        verbose_name = "storage thresholds"
        verbose_name_plural = "storage thresholds"

    def __str__(self) -> str:
        return (
            f"critical < {self.critical_below}%, warning < {self.warning_below}%, "
            f"low < {self.low_below}%"
        )

    def clean(self) -> None:
        errors = threshold_errors(
            self.critical_below, self.warning_below, self.low_below
        )
        if errors:
            raise ValidationError(errors)


def threshold_errors(critical: float, warning: float, low: float) -> dict[str, str]:
    """Return an error per field unless 0 < critical < warning < low <= 100."""
    errors = {}
    if not 0 < critical <= 100:
        errors["critical_below"] = f"{critical} is not between 0 and 100 percent."
    if not 0 < warning <= 100:
        errors["warning_below"] = f"{warning} is not between 0 and 100 percent."
    elif warning <= critical:
        errors["warning_below"] = (
            f"{warning} must be larger than the critical threshold {critical}."
        )
    if not 0 < low <= 100:
        errors["low_below"] = f"{low} is not between 0 and 100 percent."
    elif low <= warning:
        errors["low_below"] = (
            f"{low} must be larger than the warning threshold {warning}."
        )
    return errors
