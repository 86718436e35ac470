from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from apps.commcell.models import CommCell, InventoryModel, _inventory_constraints
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
    # Sum of `pendingDeletes` over the partitions of GET /DDBInformation/{id}; None
    # when any partition does not report it, because a partial sum understates it.
    pending_deletes = models.BigIntegerField(null=True, blank=True)
    # Partitions whose `offlineReason` is not 0; None when the store has no figures.
    partitions_offline = models.IntegerField(null=True, blank=True)
    # The oldest `lastSnapTime` (last successful DDB backup) of the partitions.
    last_backup_at = models.DateTimeField(null=True, blank=True)

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


class DDBStoreSnapshot(models.Model):
    """The figures of one DDB store at one collection, for trends over time."""

    store = models.ForeignKey(
        DDBStore, on_delete=models.CASCADE, related_name="snapshots"
    )
    # The collection's history time: its start, or the replayed `as_of`.
    collected_at = models.DateTimeField()
    pending_deletes = models.BigIntegerField(null=True, blank=True)
    primary_records = models.BigIntegerField(null=True, blank=True)
    free_disk_space_mb = models.BigIntegerField(null=True, blank=True)
    sealed = models.BooleanField(default=False)
    pruning_enabled = models.BooleanField(default=True)
    partitions_offline = models.IntegerField(null=True, blank=True)
    last_backup_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "collected_at"], name="ddbstoresnapshot_unique"
            )
        ]
        indexes = [models.Index(fields=["collected_at"], name="ddbsnapshot_time")]
        ordering = ["store", "collected_at"]
        verbose_name = "DDB store snapshot"

    def __str__(self) -> str:
        return f"{self.store.name} at {self.collected_at:%Y-%m-%d %H:%M}"


class DataAgingRun(models.Model):
    """One Data Aging job of a CommCell, as the job history lists it."""

    class Outcome(models.TextChoices):
        COMPLETED = "completed", "Completed"
        COMPLETED_ERRORS = "completed_errors", "Completed with errors"
        COMPLETED_WARNINGS = "completed_warnings", "Completed with warnings"
        FAILED = "failed", "Failed"
        KILLED = "killed", "Killed"
        RUNNING = "running", "Running"
        OTHER = "other", "Other"

    commcell = models.ForeignKey(
        CommCell, on_delete=models.CASCADE, related_name="data_aging_runs"
    )
    job_id = models.BigIntegerField()
    start_time = models.DateTimeField()
    end_time = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(
        max_length=20, choices=Outcome.choices, default=Outcome.OTHER
    )
    # Jobs the run aged (totalNumOfFiles of its job summary); None when not reported.
    jobs_aged = models.BigIntegerField(null=True, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["commcell", "job_id"], name="dataagingrun_unique"
            )
        ]
        indexes = [
            models.Index(fields=["commcell", "start_time"], name="dataaging_start")
        ]
        ordering = ["-start_time"]

    def __str__(self) -> str:
        return f"Data aging job {self.job_id} ({self.status or self.outcome})"

    @property
    def succeeded(self) -> bool:
        return self.outcome in (
            self.Outcome.COMPLETED,
            self.Outcome.COMPLETED_WARNINGS,
        )


class PruningThresholds(models.Model):
    """The limits the pruning analysis rates against; a single row, edited by admins."""

    pending_deletes_warning = models.PositiveBigIntegerField(
        default=10_000,
        validators=[MinValueValidator(1)],
        help_text="Pending deletes of a DDB store from which it is rated warning.",
    )
    pending_deletes_critical = models.PositiveBigIntegerField(
        default=100_000,
        validators=[MinValueValidator(1)],
        help_text="Pending deletes of a DDB store from which it is rated critical. "
        "Must be above the warning value.",
    )
    no_activity_days = models.PositiveIntegerField(
        default=7,
        validators=[MinValueValidator(1)],
        help_text="Days without pruning log events after which a pool is reported "
        "as having no pruning activity.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "pruning thresholds"
        verbose_name_plural = "pruning thresholds"

    def __str__(self) -> str:
        return "Pruning thresholds"

    def save(self, *args: object, **kwargs: object) -> None:
        # A single row: every save writes primary key 1.
        self.pk = 1
        super().save(*args, **kwargs)

    def full_clean(self, exclude: Any = None, *args: Any, **kwargs: Any) -> None:
        # A form excludes the fields that failed their own checks. clean() skips the
        # comparison then, which would otherwise quote the stored value of that field.
        self._failed_fields = set(exclude or ())
        super().full_clean(exclude, *args, **kwargs)

    def clean(self) -> None:
        compared = {"pending_deletes_warning", "pending_deletes_critical"}
        if compared & getattr(self, "_failed_fields", set()):
            return

        warning = self.pending_deletes_warning
        critical = self.pending_deletes_critical
        if warning is not None and critical is not None and critical <= warning:
            raise ValidationError(
                {
                    "pending_deletes_critical": (
                        f"The critical value ({critical:,}) must be above the "
                        f"warning value ({warning:,}). Raise it, or lower the "
                        "warning value."
                    )
                }
            )

    @classmethod
    def current(cls) -> "PruningThresholds":
        """Return the stored thresholds, or the defaults when none were saved."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)
