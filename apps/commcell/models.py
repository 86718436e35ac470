"""CommServe connections, collection runs and the inventory collected from them.

Every inventory row carries the CommCell and the id the CommServe gave it (`cv_id`), so
one installation can hold several CommCells whose ids overlap.
"""

import ipaddress
import os
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.views.decorators.debug import sensitive_variables

from apps.core import crypto


def _range(minimum: int, maximum: int) -> list:
    return [MinValueValidator(minimum), MaxValueValidator(maximum)]


class CommCell(models.Model):
    # Settings an admin may change, in the order audit rows record them. The secret is
    # not one of them, because audit rows record only whether it changed.
    SETTINGS_FIELDS = (
        "name",
        "base_url",
        "auth_type",
        "username",
        "verify_tls",
        "ca_bundle",
        "timeout_seconds",
        "page_size",
        "initial_job_days",
        "job_overlap_hours",
        "collection_interval_minutes",
        "copy_jobs_interval_hours",
        "enabled",
    )

    class AuthType(models.TextChoices):
        PASSWORD = "password", "User name and password"
        TOKEN = "token", "QSDK auth token"

    name = models.CharField(max_length=100, unique=True)
    base_url = models.URLField(
        max_length=300,
        help_text="REST base URL, for example https://commserve.example.com/webconsole/api",
    )
    auth_type = models.CharField(
        max_length=16, choices=AuthType.choices, default=AuthType.PASSWORD
    )
    username = models.CharField(max_length=150, blank=True)
    # Fernet ciphertext of the password or token; read it through `secret`.
    secret_encrypted = models.TextField(blank=True, editable=False)
    verify_tls = models.BooleanField(
        default=True, help_text="Check the CommServe's TLS certificate."
    )
    ca_bundle = models.CharField(
        max_length=500,
        blank=True,
        help_text="Path to a CA bundle file for a private certificate authority.",
    )
    timeout_seconds = models.PositiveIntegerField(
        default=60,
        validators=_range(5, 3600),
        help_text="Read timeout of one REST request, in seconds (5 to 3600).",
    )
    page_size = models.PositiveIntegerField(
        default=1000,
        validators=_range(1, 5000),
        help_text="Jobs requested per page (1 to 5000).",
    )
    initial_job_days = models.PositiveIntegerField(
        default=90,
        validators=_range(1, 3650),
        help_text="Days of job history the first collection reads (1 to 3650).",
    )
    job_overlap_hours = models.PositiveIntegerField(
        default=48,
        validators=_range(0, 720),
        help_text="Hours before the previous collection that later collections read "
        "again, so jobs that were still running are updated (0 to 720).",
    )
    collection_interval_minutes = models.PositiveIntegerField(
        default=60,
        validators=_range(0, 10080),
        help_text="Minutes between scheduled collections, 0 to 10080 (one week); "
        "0 turns them off.",
    )
    copy_jobs_interval_hours = models.PositiveIntegerField(
        default=24,
        validators=_range(0, 720),
        help_text="Hours between reads of every copy's job list, with the "
        "CommServe's own retain-until dates, and of every client's detail, with its "
        "data aging switch. 0 to 720, and 0 reads them at every collection. A new "
        "client's detail is read at the first collection that finds it.",
    )
    enabled = models.BooleanField(default=True)

    commserve_name = models.CharField(max_length=150, blank=True, editable=False)
    commserve_version = models.CharField(max_length=50, blank=True, editable=False)
    # Identity of the CommServe this CommCell was first collected from (GET /CommServ).
    # A run that finds another identity fails before it writes anything.
    commserve_cv_id = models.BigIntegerField(
        null=True,
        blank=True,
        verbose_name="CommServe CommCell id",
        help_text="commCellId of the collected CommServe. Clear it together with the "
        "identity name only when this CommServe was rebuilt.",
    )
    commserve_identity_name = models.CharField(
        max_length=150,
        blank=True,
        verbose_name="CommServe identity name",
        help_text="commCellName of the CommServe this CommCell was first collected "
        "from. Clear it only when this CommServe was rebuilt.",
    )
    # The CommServe client's time zone as the CommServe names it, for example
    # "(UTC-05:00) Eastern Time (US & Canada)". Data aging runs in this local time.
    commserve_time_zone = models.CharField(
        max_length=150, blank=True, editable=False, verbose_name="CommServe time zone"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "CommCell"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors = {}
        # An empty URL already has an error: the form's, which names the typed value,
        # or the field's own "cannot be blank". A second one would quote "".
        url_error = base_url_error(self.base_url) if self.base_url else ""
        if url_error:
            errors["base_url"] = url_error
        if self.auth_type == self.AuthType.PASSWORD and not self.username:
            errors["username"] = (
                "A user name is required for password login; enter the CommServe "
                "user, or choose token authentication."
            )
        bundle_error = ca_bundle_error(self.ca_bundle)
        if bundle_error:
            errors["ca_bundle"] = bundle_error
        if errors:
            raise ValidationError(errors)

    @property
    def secret(self) -> str:
        if not self.secret_encrypted:
            return ""
        return crypto.decrypt(self.secret_encrypted)

    @secret.setter
    @sensitive_variables("value")
    def secret(self, value: str) -> None:
        self.secret_encrypted = crypto.encrypt(value) if value else ""

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_encrypted)

    def settings_state(self) -> dict[str, Any]:
        """Return the settings for an audit row, without the secret."""
        return {field: getattr(self, field) for field in self.SETTINGS_FIELDS}


def is_loopback_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url_error(url: str) -> str:
    """Return why `url` is not an acceptable CommServe URL, or "" when it is.

    Plain http is accepted only for loopback hosts, because the password or token
    would cross the network unencrypted.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if "@" in parts.netloc:
        return (
            f"The base URL {without_userinfo(url)} contains a user name or password before the host. "
            "Remove it from the URL and enter the user name and password in their "
            "own fields, where the password is stored encrypted."
        )
    if parts.scheme == "http" and not is_loopback_host(host):
        return (
            f"{url} uses plain http, which would send the CommServe password or token "
            f"unencrypted. Use https://{parts.netloc}{parts.path} instead; plain http "
            "is accepted only for a loopback host such as 127.0.0.1."
        )
    if parts.scheme not in ("http", "https"):
        return (
            f'"{url}" is not an http or https URL. Enter the https URL of the REST '
            "API, such as https://commserve.example.com/webconsole/api."
        )
    return ""


def without_userinfo(url: str) -> str:
    """Remove the user name and password before the host from `url`, if any."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def ca_bundle_error(path: str) -> str:
    """Return why `path` is not a usable CA bundle file, or "" when it is (or empty)."""
    if not path:
        return ""
    if not os.path.isfile(path):
        return (
            f"The CA bundle {path} does not exist or is not a file. Enter the path of "
            "a PEM file that exists on the web and worker machines, or leave it empty."
        )
    if not os.access(path, os.R_OK):
        return (
            f"The CA bundle {path} is not readable. Let the user that runs "
            "cvanalytics read it, or enter another PEM file."
        )
    return ""


class SyncRun(models.Model):
    """One collection from one CommCell, with its progress, counts and errors."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Partial"
        FAILED = "failed", "Failed"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    commcell = models.ForeignKey(
        CommCell, on_delete=models.CASCADE, related_name="runs"
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    trigger = models.CharField(max_length=16, default="manual")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    current_step = models.CharField(max_length=50, blank=True)
    # {"clients": {"done": 120, "total": 20000}, ...}; updated while the run goes on.
    progress = models.JSONField(default=dict, blank=True)
    # Rows written per entity when the run ends.
    counts = models.JSONField(default=dict, blank=True)
    # [{"step": "jobs", "message": "..."}]: each is shown on the sync-run page.
    errors = models.JSONField(default=list, blank=True)
    # [{"step": "time_zone", "message": "..."}]: problems that do not make the run
    # partial, such as a CommServe time zone that could not be read.
    warnings = models.JSONField(default=list, blank=True)
    job_window_start = models.DateTimeField(null=True, blank=True)
    job_window_end = models.DateTimeField(null=True, blank=True)
    celery_task_id = models.CharField(max_length=64, blank=True)
    # The time history rows of this run are stamped with, when it is not the start:
    # set only when a simulator's past is replayed (`collect --as-of`).
    as_of = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["commcell"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_sync_run_per_commcell",
            )
        ]

    def __str__(self) -> str:
        return f"run {self.pk} of {self.commcell} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def history_time(self) -> datetime:
        """When the snapshots this run writes were taken."""
        return self.as_of or self.started_at or self.created_at

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class InventoryModel(models.Model):
    """Fields shared by every row collected from a CommServe."""

    commcell = models.ForeignKey(CommCell, on_delete=models.CASCADE, related_name="+")
    cv_id = models.BigIntegerField(help_text="Id of the object on the CommServe.")
    name = models.CharField(max_length=300)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    # Set when a complete collection no longer finds the object; never by a partial one.
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def _inventory_constraints(label: str) -> list[models.UniqueConstraint]:
    return [
        models.UniqueConstraint(
            fields=["commcell", "cv_id"], name=f"{label}_unique_cv_id"
        )
    ]


class Client(InventoryModel):
    host_name = models.CharField(max_length=300, blank=True)
    display_name = models.CharField(max_length=300, blank=True)
    company = models.CharField(max_length=200, blank=True)
    # False when the client's data aging activity (activityType 16) is disabled, so
    # the CommServe keeps the client's jobs on every copy until it is enabled again.
    data_aging_enabled = models.BooleanField(default=True)

    class Meta(InventoryModel.Meta):
        constraints = _inventory_constraints("client")


class StoragePolicy(InventoryModel):
    policy_type = models.IntegerField(null=True, blank=True)
    number_of_copies = models.IntegerField(null=True, blank=True)
    number_of_streams = models.IntegerField(null=True, blank=True)

    class Meta(InventoryModel.Meta):
        constraints = _inventory_constraints("storagepolicy")
        verbose_name_plural = "storage policies"


class Plan(InventoryModel):
    plan_type = models.IntegerField(null=True, blank=True)
    subtype = models.BigIntegerField(null=True, blank=True)
    rpo_minutes = models.IntegerField(null=True, blank=True)
    status_flag = models.IntegerField(null=True, blank=True)
    number_of_copies = models.IntegerField(null=True, blank=True)
    associated_entities = models.IntegerField(null=True, blank=True)
    description = models.TextField(blank=True)
    storage_policy = models.ForeignKey(
        StoragePolicy,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plans",
    )

    class Meta(InventoryModel.Meta):
        constraints = _inventory_constraints("plan")


class JobSelection(models.IntegerChoices):
    """Jobs a copy takes from its source copy.

    The codes other than 0 are the classic `selectiveCopyRules.selectiveRule` of a
    selective copy, as cvpysdk 11.40 `StoragePolicy.create_selective_copy` sends them.
    0 is this project's code for a copy that takes every job: a primary copy, a
    synchronous copy (`copyType` 1), or a copy that reports no rule or rule 0.
    """

    ALL_JOBS = 0, "all jobs"
    ALL_FULLS = 2, "all fulls"
    WEEKLY_FULLS = 4, "weekly fulls"
    MONTHLY_FULLS = 8, "monthly fulls"
    QUARTERLY_FULLS = 16, "quarterly fulls"
    HALF_YEARLY_FULLS = 32, "half-yearly fulls"
    YEARLY_FULLS = 64, "yearly fulls"
    HOURLY_FULLS = 262144, "hourly fulls"
    DAILY_FULLS = 524288, "daily fulls"
    ADVANCED = 16777216, "advanced rule"


# Selections that take full and synthetic full backups only.
FULLS_ONLY_SELECTIONS = frozenset(
    {
        JobSelection.ALL_FULLS,
        JobSelection.WEEKLY_FULLS,
        JobSelection.MONTHLY_FULLS,
        JobSelection.QUARTERLY_FULLS,
        JobSelection.HALF_YEARLY_FULLS,
        JobSelection.YEARLY_FULLS,
        JobSelection.HOURLY_FULLS,
        JobSelection.DAILY_FULLS,
    }
)


class StoragePolicyCopy(InventoryModel):
    """A copy of a storage policy (a plan's backup destination); retention lives in
    `apps.retention.RetentionRule`."""

    storage_policy = models.ForeignKey(
        StoragePolicy, on_delete=models.CASCADE, related_name="copies"
    )
    copy_precedence = models.IntegerField(null=True, blank=True)
    copy_type = models.IntegerField(null=True, blank=True)
    is_default = models.BooleanField(default=False)
    is_snap_copy = models.BooleanField(default=False)
    is_mirror_copy = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    storage_type = models.IntegerField(null=True, blank=True)
    dedup_enabled = models.BooleanField(default=False)
    worm = models.BooleanField(default=False)
    override_pool_retention = models.BooleanField(default=False)
    source_copy_cv_id = models.BigIntegerField(null=True, blank=True)
    # The pool as the CommServe names it: the pool id and its global policy id.
    storage_pool_cv_id = models.BigIntegerField(null=True, blank=True)
    storage_pool_name = models.CharField(max_length=300, blank=True)
    library_name = models.CharField(max_length=300, blank=True)
    # A code outside the choices is stored as the CommServe sent it.
    job_selection = models.BigIntegerField(
        null=True,
        blank=True,
        choices=JobSelection.choices,
        help_text="Jobs the copy takes from its source: the selective copy rule "
        "code, 0 for all jobs, or empty before the copy's selection is collected.",
    )

    class Meta(InventoryModel.Meta):
        constraints = _inventory_constraints("storagepolicycopy")
        verbose_name_plural = "storage policy copies"
        ordering = ["storage_policy__name", "copy_precedence"]

    def __str__(self) -> str:
        return f"{self.storage_policy.name} / {self.name}"

    @property
    def job_selection_label(self) -> str:
        """The selection as text, such as "weekly fulls" or "selection code 128"."""
        if self.job_selection is None:
            return "not collected"
        if self.job_selection in JobSelection.values:
            return JobSelection(self.job_selection).label
        return f"selection code {self.job_selection}"

    @property
    def selects_fulls_only(self) -> bool:
        """True when the copy takes full and synthetic full backups only."""
        return self.job_selection in FULLS_ONLY_SELECTIONS


class Job(models.Model):
    """A backup job from the CommServe's job history."""

    class Level(models.TextChoices):
        FULL = "full", "Full"
        INCREMENTAL = "incremental", "Incremental"
        DIFFERENTIAL = "differential", "Differential"
        SYNTHETIC_FULL = "synthetic_full", "Synthetic full"
        OTHER = "other", "Other"

    class Outcome(models.TextChoices):
        COMPLETED = "completed", "Completed"
        COMPLETED_ERRORS = "completed_errors", "Completed with errors"
        COMPLETED_WARNINGS = "completed_warnings", "Completed with warnings"
        FAILED = "failed", "Failed"
        KILLED = "killed", "Killed"
        RUNNING = "running", "Running"
        OTHER = "other", "Other"

    # The unique (commcell, job_id) constraint indexes commcell first, and
    # job_plan_client indexes plan first, so neither key needs an index of its own:
    # each index slows the bulk load of millions of rows.
    commcell = models.ForeignKey(
        CommCell, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    job_id = models.BigIntegerField()
    job_type = models.CharField(max_length=50)
    level = models.CharField(max_length=16, choices=Level.choices)
    level_name = models.CharField(max_length=50, blank=True)
    status = models.CharField(
        max_length=100, help_text="Status text from the CommServe."
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    client_name = models.CharField(max_length=300, blank=True)
    storage_policy = models.ForeignKey(
        StoragePolicy,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    plan = models.ForeignKey(
        Plan,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
        db_index=False,
    )
    subclient_cv_id = models.BigIntegerField(null=True, blank=True)
    subclient_name = models.CharField(max_length=300, blank=True)
    app_type = models.CharField(max_length=100, blank=True)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField(null=True, blank=True)
    application_bytes = models.BigIntegerField(null=True, blank=True)
    media_bytes = models.BigIntegerField(null=True, blank=True)
    percent_savings = models.FloatField(null=True, blank=True)
    is_aged = models.BooleanField(default=False)

    class Meta:
        ordering = ["-start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["commcell", "job_id"], name="job_unique_job_id"
            )
        ]
        indexes = [
            models.Index(fields=["commcell", "start_time"], name="job_commcell_start"),
            models.Index(
                fields=["plan", "client", "start_time"], name="job_plan_client"
            ),
            # The API's newest-first job list across CommCells.
            models.Index(fields=["start_time", "id"], name="job_start_id"),
        ]

    def __str__(self) -> str:
        return f"job {self.job_id}"


class JobOnCopy(models.Model):
    """One job as the CommServe lists it on one storage policy copy.

    The CommServe's own retain-until date and the reason it gives for keeping the job
    (``GET /V4/Plan/BackupDestination/{copyId}/Jobs``). A job written to several
    copies has one row per copy.
    """

    class RetainedBy(models.IntegerChoices):
        NOT_AVAILABLE = 0, "No data available"
        BASIC = 1, "Basic retention"
        EXTENDED = 2, "Extended retention"
        USER = 4, "User (manual retention)"

    commcell = models.ForeignKey(
        CommCell, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    copy = models.ForeignKey(
        StoragePolicyCopy,
        on_delete=models.CASCADE,
        related_name="jobs_on_copy",
        db_index=False,
    )
    job_id = models.BigIntegerField()
    # None when the CommServe gave no date; retain_infinite marks "never ages".
    retain_until = models.DateTimeField(null=True, blank=True)
    retain_infinite = models.BooleanField(default=False)
    retained_by = models.SmallIntegerField(
        choices=RetainedBy.choices, default=RetainedBy.NOT_AVAILABLE
    )
    retained_by_text = models.CharField(max_length=100, blank=True)
    retention_reason = models.CharField(max_length=300, blank=True)
    is_aged = models.BooleanField(default=False)
    is_soft_aged = models.BooleanField(default=False)
    # None while the job waits to be copied to this (secondary) copy.
    copied_time = models.DateTimeField(null=True, blank=True)
    # Comma-separated ids of the jobs that need this one (a full kept for them).
    required_by_jobs = models.TextField(blank=True)
    collected_at = models.DateTimeField()

    class Meta:
        ordering = ["copy_id", "job_id"]
        verbose_name = "job on copy"
        verbose_name_plural = "jobs on copies"
        constraints = [
            models.UniqueConstraint(
                fields=["copy", "job_id"], name="jobcopy_unique_copy_job"
            )
        ]
        indexes = [
            models.Index(fields=["commcell", "job_id"], name="jobcopy_commcell_job"),
        ]

    def __str__(self) -> str:
        return f"job {self.job_id} on copy {self.copy_id}"
