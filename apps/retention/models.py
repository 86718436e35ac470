from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce

from apps.commcell.models import CommCell, Plan, StoragePolicy, StoragePolicyCopy

from .severity import SEVERITY_RANK, Severity

__all__ = ["SEVERITY_RANK", "RetentionRule", "RetentionSettings", "Severity"]


class MinimumOneIntegerField(models.PositiveIntegerField):
    """A positive integer whose form input starts at 1 as its validator does.

    PositiveIntegerField gives its form field a minimum of 0, which would reject -1
    with "greater than or equal to 0" while the validator rejects 0 with "greater
    than or equal to 1".
    """

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"min_value": 1, **kwargs})

    def deconstruct(self) -> Any:
        # The column is a PositiveIntegerField's, so migrations record that class.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.PositiveIntegerField", args, kwargs


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


class ChainCadence(models.Model):
    """The measured full cadence and cycle state of one backup chain.

    A chain is the jobs of one client and subclient on one copy: the policy's jobs on
    the primary copy (copy precedence 1), the jobs the CommServe lists on a secondary
    copy. The retention values come from that copy's rule.
    ``apps.retention.sql.refresh`` rewrites these rows.
    """

    commcell = models.ForeignKey(CommCell, on_delete=models.CASCADE, related_name="+")
    storage_policy = models.ForeignKey(
        StoragePolicy, on_delete=models.CASCADE, related_name="+"
    )
    client = models.ForeignKey(
        "commcell.Client",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    subclient_cv_id = models.BigIntegerField(null=True, blank=True)
    client_name = models.CharField(max_length=300, blank=True)
    subclient_name = models.CharField(max_length=300, blank=True)
    copy = models.ForeignKey(
        StoragePolicyCopy,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    retention_rule = models.ForeignKey(
        RetentionRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    job_count = models.PositiveIntegerField()
    qualifying_full_count = models.PositiveIntegerField()
    # Fulls and synthetic fulls that failed, were killed, or are still running.
    failed_full_count = models.PositiveIntegerField()
    failed_fulls_since_last_full = models.PositiveIntegerField()
    first_job_start = models.DateTimeField()
    last_job_start = models.DateTimeField()
    last_full_start = models.DateTimeField(null=True, blank=True)
    # Median gap between qualifying fulls of either kind; it drives the cycles.
    median_full_interval_days = models.FloatField(null=True, blank=True)
    # Median gaps between qualifying fulls, and between synthetic fulls, each alone.
    median_full_only_interval_days = models.FloatField(null=True, blank=True)
    median_synthetic_full_interval_days = models.FloatField(null=True, blank=True)
    # Days from the first job of the newest cycle to the analysis time.
    open_cycle_age_days = models.FloatField()
    # Older than open_cycle_factor times the retention days (default 2) under
    # cycle-based retention.
    open_cycle_flagged = models.BooleanField(default=False)
    # Days the newest full that has enough newer fulls is kept, to its aging run.
    effective_retention_days = models.FloatField(null=True, blank=True)
    # effective_retention_days minus the copy's retention days.
    retention_delay_days = models.FloatField(null=True, blank=True)
    eligible_job_count = models.PositiveIntegerField()
    aged_job_count = models.PositiveIntegerField()
    retained_job_count = models.PositiveIntegerField()
    # Jobs the CommServe lists on the copy with its own dates, how many of them
    # disagree with the computed date or aged state, the largest date difference and
    # the job with it (or the first disagreeing job).
    reported_job_count = models.PositiveIntegerField(default=0)
    disagreeing_job_count = models.PositiveIntegerField(default=0)
    # Reported jobs the CommServe keeps by extended retention. The SQL analysis does
    # not model extended retention, so these are not compared.
    extended_retention_job_count = models.PositiveIntegerField(default=0)
    max_disagreement_days = models.FloatField(null=True, blank=True)
    disagreement_example_job = models.ForeignKey(
        "commcell.Job",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["storage_policy__name", "client_name", "subclient_name"]
        indexes = [
            models.Index(
                fields=["commcell", "storage_policy"], name="chaincad_commcell_policy"
            ),
            models.Index(fields=["copy"], name="chaincad_copy"),
        ]
        constraints = [
            # One row per chain and copy. NULL client, subclient and copy count as
            # one value each, as the analysis groups them.
            models.UniqueConstraint(
                Coalesce("copy", Value(0)),
                "storage_policy",
                Coalesce("client", Value(0)),
                Coalesce("subclient_cv_id", Value(-1)),
                name="chaincad_unique_copy_chain",
            )
        ]

    def __str__(self) -> str:
        return f"{self.client_name} / {self.subclient_name} on {self.storage_policy_id}"


class CopyRetentionSummary(models.Model):
    """The measured cadence and effective retention of one copy's chains.

    Every primary copy and every active secondary copy has a row. ``job_source``
    is where its jobs came from, and "not_collected" marks a secondary copy whose
    job list was not collected, so its counts are zero rather than guessed.
    """

    class JobSource(models.TextChoices):
        POLICY_JOBS = "policy_jobs", "Storage policy jobs (primary copy)"
        COPY_JOBS = "copy_jobs", "Jobs listed on the copy"
        NOT_COLLECTED = "not_collected", "Job list not collected"

    commcell = models.ForeignKey(CommCell, on_delete=models.CASCADE, related_name="+")
    copy = models.OneToOneField(
        StoragePolicyCopy, on_delete=models.CASCADE, related_name="retention_summary"
    )
    storage_policy = models.ForeignKey(
        StoragePolicy, on_delete=models.CASCADE, related_name="+"
    )
    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retention_rule = models.ForeignKey(
        RetentionRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    retention_days = models.IntegerField(null=True, blank=True)
    retention_cycles = models.IntegerField(null=True, blank=True)
    data_aging_enabled = models.BooleanField(default=True)
    job_source = models.CharField(
        max_length=20, choices=JobSource.choices, default=JobSource.POLICY_JOBS
    )
    chain_count = models.PositiveIntegerField()
    job_count = models.PositiveIntegerField()
    qualifying_full_count = models.PositiveIntegerField()
    failed_full_count = models.PositiveIntegerField()
    chains_with_failed_fulls = models.PositiveIntegerField()
    # Medians over the copy's chains of the per-chain values.
    median_full_interval_days = models.FloatField(null=True, blank=True)
    median_full_only_interval_days = models.FloatField(null=True, blank=True)
    median_synthetic_full_interval_days = models.FloatField(null=True, blank=True)
    effective_retention_days = models.FloatField(null=True, blank=True)
    retention_delay_days = models.FloatField(null=True, blank=True)
    max_open_cycle_age_days = models.FloatField(null=True, blank=True)
    flagged_open_cycles = models.PositiveIntegerField()
    eligible_job_count = models.PositiveIntegerField()
    retained_job_count = models.PositiveIntegerField()
    aged_job_count = models.PositiveIntegerField()
    # Sums over the copy's chains; the example is the job with the largest difference.
    reported_job_count = models.PositiveIntegerField(default=0)
    disagreeing_job_count = models.PositiveIntegerField(default=0)
    # Reported jobs the CommServe keeps by extended retention. The SQL analysis does
    # not model extended retention, so these are not compared.
    extended_retention_job_count = models.PositiveIntegerField(default=0)
    max_disagreement_days = models.FloatField(null=True, blank=True)
    disagreement_example_job = models.ForeignKey(
        "commcell.Job",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["storage_policy__name", "copy__copy_precedence"]
        verbose_name_plural = "copy retention summaries"
        indexes = [
            models.Index(fields=["commcell", "plan"], name="copyretsum_commcell_plan"),
        ]

    def __str__(self) -> str:
        return f"retention summary of copy {self.copy_id}"


class FullBackupSuccess(models.Model):
    """Fulls and synthetic fulls of one plan and client over the 30 days before a run.

    The nightly cycle analysis (``apps.retention.analysis``) rewrites these rows, so
    the backup success page reads them without aggregating the job table.
    """

    commcell = models.ForeignKey(CommCell, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    client = models.ForeignKey(
        "commcell.Client",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    plan_name = models.CharField(max_length=300, blank=True)
    client_name = models.CharField(max_length=300, blank=True)
    fulls = models.PositiveIntegerField()
    succeeded = models.PositiveIntegerField()
    # Failed, killed and other outcomes. Running fulls are counted apart.
    failed = models.PositiveIntegerField()
    running = models.PositiveIntegerField()
    # Chains of the client on the plan's storage policy whose open cycle contains
    # failed fulls, from the ChainCadence rows of the same analysis.
    blocked_chains = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["plan_name", "client_name"]
        verbose_name_plural = "full backup success rows"
        indexes = [
            models.Index(
                fields=["commcell", "plan_name"], name="fullsuccess_commcell_plan"
            ),
        ]

    def __str__(self) -> str:
        return f"fulls of {self.client_name} on {self.plan_name}"


class ToolResult(models.Model):
    """One stored result of a retention tool for one subject, as JSON.

    The ``retention.tools`` analyzer rewrites a CommCell's rows on every analysis, so
    the optimizer, reclamation, dedup and schedule pages read them without
    streaming the job table per request.
    """

    class Tool(models.TextChoices):
        OPTIMIZER = "optimizer", "Retention optimizer"
        RECLAMATION = "reclamation", "Reclamation forecast"
        DEDUP = "dedup", "Dedup impact"
        SCHEDULES = "schedules", "Schedule analyzer"
        WAITING_JOBS = "waiting_jobs", "Jobs waiting to age"

    commcell = models.ForeignKey(CommCell, on_delete=models.CASCADE, related_name="+")
    tool = models.CharField(max_length=20, choices=Tool.choices)
    # A retention rule for the optimizer, a storage pool for reclamation and dedup,
    # a storage policy for schedules and waiting jobs.
    subject_id = models.BigIntegerField()
    subject_name = models.CharField(max_length=300, blank=True)
    # The order the page lists the rows in, within one tool.
    position = models.PositiveIntegerField()
    # The tool's dataclass as JSON: dates and datetimes as ISO 8601 strings.
    data = models.JSONField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["tool", "commcell", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["commcell", "tool", "subject_id"],
                name="toolresult_unique_subject",
            ),
        ]
        indexes = [
            models.Index(
                fields=["tool", "commcell", "position"], name="toolresult_tool_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tool} result for {self.subject_name or self.subject_id}"


# Zone files that load but name the server's own zone or no zone.
NOT_COMMSERVE_ZONES = frozenset({"localtime", "posixrules", "Factory"})


class RetentionSettings(models.Model):
    """Choices the public Commvault sources leave open, per CommCell.

    Each default is the documented or most common behaviour. Pages that show a result
    these settings change name the settings in use.
    """

    commcell = models.OneToOneField(
        CommCell, on_delete=models.CASCADE, related_name="retention_settings"
    )
    aging_time = models.TimeField(
        default=time(12, 0),
        help_text="Local CommServe time of the daily data aging job (default 12:00).",
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        help_text="IANA time zone of the CommServe, for example Europe/Berlin. Blank: "
        "the offset in the time zone the CommServe reports, else UTC.",
    )
    days_only_retention = models.BooleanField(
        default=False,
        help_text="The EnableDaysOnlyRetention additional setting is on: jobs age "
        "after the retention days and cycles are ignored. No API reports it.",
    )
    errors_full_starts_cycle = models.BooleanField(
        default=True,
        help_text="A full that completed with errors starts a new cycle (true for "
        "most agents; some database agents do not count it).",
    )
    synthetic_full_starts_cycle = models.BooleanField(
        default=True, help_text="A synthetic full starts a new cycle."
    )
    inactive_copies_hold_jobs = models.BooleanField(
        default=True,
        help_text="Jobs wait for inactive secondary copies too, as they do by default.",
    )
    apply_extended_grace_days = models.BooleanField(
        default=False,
        help_text="Extended retention keeps fulls for the end days plus the grace "
        "days. Commvault does not document grace days, so off by default.",
    )
    cycles_when_unknown = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Cycles assumed where the CommServe reports days only (0 to 100).",
    )
    week_starts_monday = models.BooleanField(
        default=True,
        help_text="Weekly extended retention counts weeks from Monday, else Sunday.",
    )
    open_cycle_factor = models.FloatField(
        default=2.0,
        validators=[MinValueValidator(1.0), MaxValueValidator(100.0)],
        help_text="A cycle still open after this many times the retention days is "
        "flagged (1 to 100).",
    )
    disagreement_tolerance_days = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(365.0)],
        help_text="Days by which the CommServe's retain-until date may differ from "
        "the computed one before the job is flagged (0 to 365).",
    )
    disagreement_min_jobs = MinimumOneIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(1_000_000)],
        help_text="A copy gets a disagreement finding when at least this many of its "
        "compared jobs disagree with the CommServe, or when the share below is "
        "reached (1 to 1000000; default 10).",
    )
    disagreement_min_percent = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(100.0)],
        help_text="A copy gets a disagreement finding when at least this percentage "
        "of its compared jobs disagree with the CommServe, or when the job count "
        "above is reached (0 to 100; default 1; 0 reports every copy with a "
        "disagreeing job).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "retention settings"
        verbose_name_plural = "retention settings"

    def __str__(self) -> str:
        return f"retention settings of {self.commcell}"

    def clean(self) -> None:
        super().clean()
        if self.time_zone:
            try:
                # "localtime", "posixrules" and "Factory" load too, but name the
                # server's zone or no zone, so only region names are accepted.
                if (
                    self.time_zone in NOT_COMMSERVE_ZONES
                    or self.time_zone not in available_timezones()
                ):
                    raise ValueError(self.time_zone)
                ZoneInfo(self.time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValidationError(
                    {
                        "time_zone": f'"{self.time_zone}" is not an IANA time zone. '
                        "Enter a name such as Europe/Berlin or America/New_York, or "
                        "leave it blank."
                    }
                ) from None
