from django.db import models

from apps.commcell.models import CommCell, Plan, StoragePolicy, StoragePolicyCopy

from .severity import SEVERITY_RANK, Severity

__all__ = ["SEVERITY_RANK", "RetentionRule", "Severity"]


class RetentionRule(models.Model):
    """The basic and extended retention of one storage policy copy, with its class."""

    commcell = models.ForeignKey(CommCell, on_delete=models.CASCADE, related_name="+")
    copy = models.OneToOneField(
        StoragePolicyCopy, on_delete=models.CASCADE, related_name="retention_rule"
    )
    storage_policy = models.ForeignKey(
        StoragePolicy, on_delete=models.CASCADE, related_name="+"
    )
    plan = models.ForeignKey(
        Plan,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retention_rules",
    )
    # -1 means infinite, as the CommServe reports it.
    retention_days = models.IntegerField()
    # 0 means days-only retention, unless cycles_reported is False.
    retention_cycles = models.IntegerField()
    # False when the CommServe reported days only (V4 plan shapes), so cycles is unknown.
    cycles_reported = models.BooleanField(default=True)
    data_aging_enabled = models.BooleanField()
    # False when the CommServe omitted the switch and data aging is assumed on.
    data_aging_reported = models.BooleanField(default=True)
    job_based_retention = models.BooleanField(default=False)
    # [{"slot": 1, "rule": "monthly_fulls", "end_days": 365, "grace_days": 0}]
    extended_rules = models.JSONField(default=list, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, db_index=True)
    severity_rank = models.PositiveSmallIntegerField(db_index=True)
    reason = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["severity_rank", "storage_policy__name", "copy__copy_precedence"]
        indexes = [
            models.Index(
                fields=["commcell", "severity_rank"], name="retrule_commcell_rank"
            ),
            models.Index(
                fields=["retention_days", "retention_cycles"],
                name="retrule_days_cycles",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.copy}: {self.retention_days} days / {self.retention_cycles} cycles"
        )
