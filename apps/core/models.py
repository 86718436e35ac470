import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from rest_framework.authtoken.models import TokenProxy

from .severity import Severity


class AuditLog(models.Model):
    """One change or export made by a user, with the state before and after."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Kept as text so the row still names the user after the account is deleted.
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"


class AnalysisRun(models.Model):
    """One analysis of one CommCell: which analyzers ran, what they found, what failed."""

    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", "Nightly"
        COLLECTION = "collection", "After a collection"
        MANUAL = "manual", "Manual"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Partial"
        FAILED = "failed", "Failed"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    commcell = models.ForeignKey(
        "commcell.CommCell", on_delete=models.CASCADE, related_name="analysis_runs"
    )
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # The collection whose end queued this analysis, if any.
    sync_run = models.ForeignKey(
        "commcell.SyncRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="analysis_runs",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    # The time the analyzers were asked about: the start, or the collection's
    # `as_of` when it replays a simulator's past (collect --as-of).
    analyzed_at = models.DateTimeField(null=True, blank=True)
    # {"retention.rules": {"findings": 12, "new": 2, "resolved": 1, "errors": 0}}
    counts = models.JSONField(default=dict, blank=True)
    # [{"analyzer": "retention.rules", "message": "..."}]
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["commcell"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_analysis_per_commcell",
            )
        ]

    def __str__(self) -> str:
        return f"analysis {self.pk} of {self.commcell} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    def total(self, key: str) -> int:
        """Return the sum of one count ("findings", "new", ...) over all analyzers."""
        return sum(item.get(key, 0) for item in self.counts.values())


class Finding(models.Model):
    """One diagnosed problem of one subject, open until an analysis no longer reports it.

    A finding that comes back after it was resolved is stored as a new row, so each row
    is one continuous period in which the problem was seen.
    """

    commcell = models.ForeignKey(
        "commcell.CommCell", on_delete=models.CASCADE, related_name="findings"
    )
    # The registered analyzer that reported it; a failed analyzer's findings stay open.
    analyzer = models.CharField(max_length=100)
    code = models.CharField(max_length=100)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    severity_rank = models.PositiveSmallIntegerField()
    subject_type = models.CharField(max_length=30)
    # Primary key of the subject's row; null when the subject is the CommCell itself.
    subject_id = models.BigIntegerField(null=True, blank=True)
    subject_name = models.CharField(max_length=300)
    title = models.TextField()
    recommendation = models.TextField(blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    last_run = models.ForeignKey(
        AnalysisRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["severity_rank", "-last_seen_at", "-id"]
        constraints = [
            # Coalesce lets the CommCell itself (subject_id null) have one open
            # finding per code too, because NULLs never collide in a unique index.
            models.UniqueConstraint(
                "commcell",
                "code",
                "subject_type",
                Coalesce("subject_id", models.Value(0)),
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_finding_per_subject",
            )
        ]
        indexes = [
            models.Index(
                fields=["severity_rank", "-last_seen_at"],
                condition=models.Q(resolved_at__isnull=True),
                name="finding_open_by_severity",
            ),
            models.Index(fields=["code", "resolved_at"], name="finding_code"),
            models.Index(fields=["subject_type", "subject_id"], name="finding_subject"),
            models.Index(
                fields=["commcell", "analyzer", "resolved_at"],
                name="finding_commcell_analyzer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} on {self.subject_name}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def domain(self) -> str:
        """The first part of the code, such as "retention"."""
        return self.code.split(".", 1)[0]

    @property
    def evidence_items(self) -> list[tuple[str, str]]:
        """The evidence as (name, text) pairs sorted by name, for templates."""
        if not isinstance(self.evidence, dict):
            return [("value", _evidence_text(self.evidence))]
        return [
            (name, _evidence_text(value))
            for name, value in sorted(self.evidence.items())
        ]


def _evidence_text(value: Any) -> str:
    """Format one evidence value as JSON shows it: true, null, [1, 2], {"a": 1}."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class ApiToken(TokenProxy):
    """An API token as the admin shows it: named by its owner and a masked key, so
    page titles and the admin's change history do not contain the key."""

    class Meta:
        proxy = True
        verbose_name = "API token"
        verbose_name_plural = "API tokens"

    def __str__(self) -> str:
        return f"token of {self.user.get_username()} ({mask_key(self.key)})"


def mask_key(key: str) -> str:
    """Return the first four and last two characters of a token key."""
    return f"{key[:4]}…{key[-2:]}" if key else ""
