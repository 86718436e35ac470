"""Log files read from MediaAgents and the CommServe, their events and the rules behind them."""

import os
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from apps.commcell.models import CommCell
from apps.pruning.models import DDBStore
from apps.storage.models import MediaAgent

from .defaults import CATEGORIES, SEVERITIES
from .matching import (
    FROM_NONE,
    JOB_FROM_GROUP,
    JOB_FROM_PREFIX,
    KIND_LITERAL,
    KIND_REGEX,
    STORE_FROM_GROUP,
    STORE_FROM_TOKEN,
    InvalidPatternError,
    MatcherSpec,
    compile_pattern,
)

# A parse reports progress at least every 20,000 lines. One silent for this long has
# stopped (a killed worker or web request), so its file can be parsed again.
STALLED_AFTER = timedelta(minutes=30)


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            f'"{value}" is not a known time zone. Use an IANA name such as '
            '"Europe/Berlin" or "UTC".'
        ) from exc


class LogMatcher(models.Model):
    """A rule that turns matching log records into events; admins add and disable them."""

    class Kind(models.TextChoices):
        REGEX = KIND_REGEX, "Regular expression"
        LITERAL = KIND_LITERAL, "Literal text"

    class StoreIdFrom(models.TextChoices):
        ENGINE_TOKEN = STORE_FROM_TOKEN, "SIDB engine token of the line"
        GROUP = STORE_FROM_GROUP, "Regex group named store_id"
        NONE = FROM_NONE, "Not taken"

    class JobIdFrom(models.TextChoices):
        PREFIX = JOB_FROM_PREFIX, "Job field of the line"
        GROUP = JOB_FROM_GROUP, "Regex group named job_id, else the job field"
        NONE = FROM_NONE, "Not taken"

    code = models.CharField(
        max_length=100,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z0-9_]+(\.[a-z0-9_]+)*$",
                "Use lower-case letters, digits and underscores, in parts joined by "
                'dots, such as "sidbprune.af_pruned".',
            )
        ],
        help_text='Dotted name stored on each event, for example "sidbprune.af_pruned".',
    )
    log_type = models.CharField(
        max_length=100,
        blank=True,
        help_text='Log type the rule reads, for example "SIDBEngine". Leave it '
        "empty to read every log.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REGEX)
    pattern = models.TextField(
        help_text="Python regular expression searched in the message, or literal "
        "text. Named groups that capture digits are stored as counts."
    )
    category = models.CharField(max_length=20, choices=CATEGORIES)
    severity = models.CharField(max_length=10, choices=SEVERITIES, default="info")
    store_id_from = models.CharField(
        max_length=20, choices=StoreIdFrom.choices, default=StoreIdFrom.NONE
    )
    job_id_from = models.CharField(
        max_length=20, choices=JobIdFrom.choices, default=JobIdFrom.PREFIX
    )
    priority = models.PositiveIntegerField(
        default=100, help_text="Lower values are tried first; the first match wins."
    )
    description = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    built_in = models.BooleanField(
        default=False, editable=False, help_text="Seeded with the product."
    )

    class Meta:
        ordering = ["priority", "code"]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        super().clean()
        code = self.code.replace(".", "")
        if self.code and not code.replace("_", "").replace("-", "").isalnum():
            raise ValidationError(
                {"code": "Use letters, digits, dots and underscores."}
            )
        try:
            compile_pattern(self.kind, self.pattern)
        except InvalidPatternError as exc:
            raise ValidationError({"pattern": str(exc)}) from exc

    def to_spec(self) -> MatcherSpec:
        return MatcherSpec(
            code=self.code,
            log_type=self.log_type,
            kind=self.kind,
            pattern=self.pattern,
            category=self.category,
            severity=self.severity,
            store_id_from=self.store_id_from,
            job_id_from=self.job_id_from,
            priority=self.priority,
            description=self.description,
        )


class LogSource(models.Model):
    """A folder on this server that the scan task reads logs from."""

    name = models.CharField(max_length=100, unique=True)
    commcell = models.ForeignKey(
        CommCell, on_delete=models.CASCADE, related_name="log_sources"
    )
    path = models.CharField(
        max_length=500, help_text="Absolute path of a folder on the cvanalytics server."
    )
    media_agent_name = models.CharField(
        max_length=300,
        blank=True,
        help_text="MediaAgent (or CommServe) whose logs the folder contains.",
    )
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="Time zone of the log timestamps, as an IANA name.",
    )
    enabled = models.BooleanField(default=True)
    last_scan_at = models.DateTimeField(null=True, blank=True)
    last_scan_error = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        path = self.path
        if not path:
            return
        if not os.path.isabs(path):
            raise ValidationError({"path": f'"{path}" is not an absolute path.'})
        if not os.path.exists(path):
            raise ValidationError({"path": f'The folder "{path}" does not exist.'})
        if not os.path.isdir(path):
            raise ValidationError({"path": f'"{path}" is not a folder.'})
        if not os.access(path, os.R_OK | os.X_OK):
            raise ValidationError(
                {
                    "path": f'The folder "{path}" is not readable by the cvanalytics '
                    "user. Grant it read and execute permission."
                }
            )
        _check_allowed_root(path)


def _check_allowed_root(path: str) -> None:
    """Reject a folder outside CVANALYTICS_LOG_SOURCE_ROOTS, and every folder when it is empty."""
    roots = getattr(settings, "CVANALYTICS_LOG_SOURCE_ROOTS", None)
    if not roots:
        raise ValidationError(
            {
                "path": f'The folder "{path}" cannot be read: this server allows no '
                "log folders because CVANALYTICS_LOG_SOURCE_ROOTS is empty. Set it to "
                "the folders that may be scanned, such as /var/log/commvault."
            }
        )
    real = os.path.realpath(path)
    for root in roots:
        real_root = os.path.realpath(root)
        if real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep):
            return
    allowed = ", ".join(str(root) for root in roots)
    raise ValidationError(
        {
            "path": f'The folder "{path}" is outside the log folders this server '
            f"allows ({allowed}). Choose a folder inside one of them, or add its "
            "parent to CVANALYTICS_LOG_SOURCE_ROOTS."
        }
    )


class LogSourceFile(models.Model):
    """How far the scan has read one file of a log folder."""

    source = models.ForeignKey(
        LogSource, on_delete=models.CASCADE, related_name="files"
    )
    name = models.CharField(max_length=300)
    size = models.BigIntegerField(default=0)
    mtime = models.DateTimeField(null=True, blank=True)
    # SHA-256 of the first head_length bytes; a rolled-over copy has the same head.
    head_sha256 = models.CharField(max_length=64, blank=True)
    head_length = models.IntegerField(default=0)
    # Bytes already read, always at a line end, and the lines they contained.
    offset = models.BigIntegerField(default=0)
    lines_read = models.BigIntegerField(default=0)
    # SHA-256 of the whole file, for compressed files that are read in one go.
    sha256 = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "name"], name="logsourcefile_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source.name}: {self.name}"


class LogFile(models.Model):
    """One log file (or a part of one) read from an upload or a folder."""

    class Origin(models.TextChoices):
        UPLOAD = "upload", "Upload"
        FOLDER = "folder", "Folder scan"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PARSING = "parsing", "Parsing"
        PARSED = "parsed", "Parsed"
        PARTIAL = "partial", "Partly parsed"
        FAILED = "failed", "Failed"

    commcell = models.ForeignKey(
        CommCell, on_delete=models.CASCADE, related_name="log_files"
    )
    original_name = models.CharField(max_length=500)
    # Member name inside an uploaded .zip; empty for other files. A name that
    # repeats in one zip gets " (2)", " (3)" and so on, and `archive_index` gives
    # the member's position in the zip.
    archive_member = models.CharField(max_length=500, blank=True)
    archive_index = models.IntegerField(null=True, blank=True)
    log_type = models.CharField(max_length=100)
    log_type_known = models.BooleanField(default=True)
    media_agent_name = models.CharField(max_length=300, blank=True)
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_time_zone]
    )
    # SHA-256 and size of the stored bytes: the uploaded file, or the folder file.
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField()
    origin = models.CharField(max_length=10, choices=Origin.choices)
    log_source = models.ForeignKey(
        LogSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stored_path = models.CharField(max_length=1000)
    # Byte range read from a folder file, and the line number of its first line.
    start_offset = models.BigIntegerField(default=0)
    end_offset = models.BigIntegerField(null=True, blank=True)
    first_line_number = models.BigIntegerField(default=1)
    # Date of the last line at the latest; gives `mm/dd` timestamps their year.
    file_date = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    bytes_read = models.BigIntegerField(default=0)
    total_lines = models.BigIntegerField(default=0)
    matched_lines = models.BigIntegerField(default=0)
    unparsed_lines = models.BigIntegerField(default=0)
    unparsed_line_numbers = models.JSONField(default=list, blank=True)
    undecodable_lines = models.BigIntegerField(default=0)
    long_lines = models.BigIntegerField(default=0)
    first_event_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Last sign of life of a parse; a parse silent for long has stopped.
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["commcell", "sha256"])]

    def __str__(self) -> str:
        if self.archive_member:
            return f"{self.original_name}: {self.archive_member}"
        return self.original_name

    @property
    def display_name(self) -> str:
        return str(self)

    def is_stalled(self, now: datetime | None = None) -> bool:
        """True for a queued or running parse with no sign of life for STALLED_AFTER."""
        if self.status not in (self.Status.QUEUED, self.Status.PARSING):
            return False
        last = self.progress_at or self.started_at or self.uploaded_at
        return last is not None and (now or timezone.now()) - last > STALLED_AFTER

    @property
    def can_parse_again(self) -> bool:
        """A failed, partly read or stalled file may be parsed again."""
        return self.status in (self.Status.FAILED, self.Status.PARTIAL) or (
            self.is_stalled()
        )

    @property
    def progress_percent(self) -> int | None:
        if self.status != self.Status.PARSING or not self.size:
            return None
        return min(100, int(100 * self.bytes_read / self.size))


class LogEvent(models.Model):
    """A log record that a matcher recognised."""

    commcell = models.ForeignKey(
        CommCell, on_delete=models.CASCADE, related_name="log_events"
    )
    log_file = models.ForeignKey(
        LogFile, on_delete=models.CASCADE, related_name="events"
    )
    line_number = models.BigIntegerField()
    occurred_at = models.DateTimeField()
    log_type = models.CharField(max_length=100)
    code = models.CharField(max_length=100)
    category = models.CharField(max_length=20, choices=CATEGORIES)
    severity = models.CharField(max_length=10, choices=SEVERITIES)
    media_agent = models.ForeignKey(
        MediaAgent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    media_agent_name = models.CharField(max_length=300, blank=True)
    ddb_store = models.ForeignKey(
        DDBStore, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    store_cv_id = models.BigIntegerField(null=True, blank=True)
    job_id = models.BigIntegerField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    message = models.TextField()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["commcell", "occurred_at"]),
            models.Index(fields=["log_file", "line_number"]),
            models.Index(fields=["category", "occurred_at"]),
            models.Index(fields=["store_cv_id", "occurred_at"]),
            models.Index(fields=["job_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} at line {self.line_number} of {self.log_file_id}"
