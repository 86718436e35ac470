"""Frozen inputs of the retention engine: a copy's retention, its jobs and the settings.

Level and outcome strings match the values of ``apps.commcell.models.Job`` so rows from
the database pass through unchanged, but this module imports nothing from Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

INFINITE_DAYS = -1


class Level(StrEnum):
    FULL = "full"
    INCREMENTAL = "incremental"
    DIFFERENTIAL = "differential"
    SYNTHETIC_FULL = "synthetic_full"
    OTHER = "other"


class Outcome(StrEnum):
    COMPLETED = "completed"
    COMPLETED_ERRORS = "completed_errors"
    COMPLETED_WARNINGS = "completed_warnings"
    FAILED = "failed"
    KILLED = "killed"
    RUNNING = "running"
    OTHER = "other"


class ExtendedKind(StrEnum):
    """The period by which an extended retention rule selects fulls, one per period."""

    ALL_FULLS = "all_fulls"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class ExtendedRule:
    """One extended retention rule: keep the selected full until start + end_days.

    ``end_days`` of -1 keeps the selected fulls forever. ``first`` selects the first
    full of each period in place of the last one.
    """

    kind: ExtendedKind
    end_days: int
    grace_days: int = 0
    enabled: bool = True
    first: bool = False


@dataclass(frozen=True, slots=True)
class CopyRetention:
    """The retention configured on one storage policy copy.

    ``days`` is -1 for infinite. ``cycles`` of 0 means days-only retention. When
    ``cycles_reported`` is False the CommServe gave no cycles and the engine applies
    ``EngineSettings.cycles_when_unknown``. ``job_based_days`` is the job-based
    (archive) retention in days, applied when ``job_based_retention`` is on.
    """

    days: int
    cycles: int
    cycles_reported: bool = True
    extended_rules: tuple[ExtendedRule, ...] = ()
    data_aging_enabled: bool = True
    days_only: bool = False
    worm: bool = False
    dedup: bool = False
    job_based_retention: bool = False
    job_based_days: int | None = None
    managed_disk_space: bool = False
    copy_name: str = ""


@dataclass(frozen=True, slots=True)
class ReportedRetention:
    """The retain-until and reason that the CommServe itself reports for one job."""

    retain_until: datetime | None
    infinite: bool = False
    reason: str = ""


@dataclass(frozen=True, slots=True)
class JobRecord:
    """One job on the copy. Times are aware datetimes, and ``end`` is None while running.

    ``manual_retain_until`` is the per-job "Retain Until" date and ``pinned`` the
    per-job infinite retention. ``size_bytes`` is the size the job holds on the copy.
    """

    job_id: int
    start: datetime
    end: datetime | None
    level: Level | str
    outcome: Outcome | str
    chain_key: str = ""
    manual_retain_until: datetime | None = None
    pinned: bool = False
    size_bytes: int = 0
    aged: bool = False
    reported: ReportedRetention | None = None


@dataclass(frozen=True, slots=True)
class PendingAuxCopy:
    """A secondary copy that still has to copy some jobs from this copy."""

    copy_name: str
    job_ids: frozenset[int]
    active: bool = True


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """Choices the public sources leave open, each with its documented default.

    ``aging_utc_offset_minutes`` is the CommServe's local time as an offset from UTC,
    and data aging runs daily at ``aging_hour``:``aging_minute`` local time. When
    ``aging_time_zone`` names an IANA zone, local time follows that zone's daylight
    saving time date by date, and the fixed offset is not used. With
    ``apply_extended_grace_days`` an extended rule keeps its fulls for end days plus
    grace days, which is a guess because Commvault does not document grace days.
    """

    errors_full_starts_cycle: bool = True
    synthetic_full_starts_cycle: bool = True
    aging_hour: int = 12
    aging_minute: int = 0
    aging_utc_offset_minutes: int = 0
    aging_time_zone: str = ""
    inactive_copies_hold_jobs: bool = True
    apply_extended_grace_days: bool = False
    cycles_when_unknown: int = 1
    week_starts_monday: bool = True
    open_cycle_factor: float = 2.0
    disagreement_tolerance_days: float = 1.0
