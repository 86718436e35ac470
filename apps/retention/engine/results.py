"""Results of the retention engine: one verdict per job and a summary per chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Reason(StrEnum):
    """The reason code of a verdict: what keeps a job on the copy, or that it may age."""

    BASIC_DAYS = "basic_days"
    BASIC_CYCLES = "basic_cycles"
    EXTENDED_RETENTION = "extended_retention"
    WAITING_AUX_COPY = "waiting_aux_copy"
    INFINITE_RETENTION = "infinite_retention"
    AGING_DISABLED = "aging_disabled"
    MANUAL_RETENTION = "manual_retention"
    JOB_RUNNING = "job_running"
    ELIGIBLE = "eligible"
    AGED = "aged"


@dataclass(frozen=True, slots=True)
class DataQualityNote:
    """An input value the engine could not use as given, and what it did instead."""

    subject: str
    value: str
    message: str


@dataclass(frozen=True, slots=True)
class JobVerdict:
    """The aging date of one job and the reason it has not aged yet.

    ``retain_until`` is the data aging run that removes the job, or None when it never
    ages or the date is unknown (the sentence states which). ``rule_retain_until`` is the
    same date from the retention rules alone, before waits such as a pending auxiliary copy.
    ``minimum_only`` is True when managed disk space may keep the job longer.
    ``disagrees`` is True when the CommServe reports a retain-until that differs by
    more than the tolerance, reports a date where the engine has none, or reports
    infinite retention where the engine has a date.
    """

    job_id: int
    cycle_index: int
    retain_until: datetime | None
    rule_retain_until: datetime | None
    reason: Reason
    sentence: str
    size_bytes: int
    minimum_only: bool = False
    disagrees: bool = False

    @property
    def is_eligible(self) -> bool:
        return self.reason is Reason.ELIGIBLE


@dataclass(frozen=True, slots=True)
class OpenCycle:
    """The newest cycle of a chain, which no later full has closed yet."""

    chain_key: str
    started: datetime
    age_days: float
    has_full: bool
    failed_fulls: int
    first_failed_full: datetime | None
    flagged: bool
    severity: str
    sentence: str


@dataclass(frozen=True, slots=True)
class ChainResult:
    """The verdicts of one backup chain (client + subclient on a copy).

    ``full_interval_days`` is the median gap between qualifying fulls in days, or None
    with fewer than two such fulls.
    """

    chain_key: str
    verdicts: tuple[JobVerdict, ...]
    cycle_count: int
    full_interval_days: float | None
    open_cycle: OpenCycle | None
    notes: tuple[DataQualityNote, ...]

    def verdict(self, job_id: int) -> JobVerdict:
        """Return the verdict of ``job_id``; raise KeyError when the chain lacks it."""
        for verdict in self.verdicts:
            if verdict.job_id == job_id:
                return verdict
        raise KeyError(f"Job {job_id} is not in chain {self.chain_key!r}.")
