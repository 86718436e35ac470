from django.db import models

from apps.commcell.models import CommCell, Plan, StoragePolicy, StoragePolicyCopy


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    INFO = "info", "Info"
    OK = "ok", "OK"


# Rank used to sort by severity, most severe first.
SEVERITY_RANK = {
    Severity.CRITICAL: 0,
    Severity.HIGH: 1,
    Severity.MEDIUM: 2,
    Severity.INFO: 3,
    Severity.OK: 4,
}


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
    # 0 means days-only retention.
    retention_cycles = models.IntegerField()
    data_aging_enabled = models.BooleanField()
    job_based_retention = models.BooleanField(default=False)
    # [{"slot": 1, "rule": "monthly_fulls", "end_days": 365, "grace_days": 0}]
    extended_rules = models.JSONField(default=list, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, db_index=True)
    severity_rank = models.PositiveSmallIntegerField(db_index=True)
    reason = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["severity_rank", "storage_policy__name", "copy__copy_precedence"]

    def __str__(self) -> str:
        return (
            f"{self.copy}: {self.retention_days} days / {self.retention_cycles} cycles"
        )
