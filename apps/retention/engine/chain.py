"""Evaluate one backup chain: build its cycles and date every job's aging.

A chain is the jobs of one client and subclient on one copy, sorted by start time.
A cycle is a qualifying full (or synthetic full) and every later job up to the next
qualifying full. With D retention days and C cycles, cycle k becomes eligible at the
first data aging run at or after ``max(start(F[k+C]), start(last job of k) + D days)``
and all its jobs age together. The function is O(jobs) after sorting.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .clock import days_between, format_local, next_aging_run, period_key
from .inputs import (
    INFINITE_DAYS,
    CopyRetention,
    EngineSettings,
    ExtendedKind,
    JobRecord,
    Level,
    Outcome,
    PendingAuxCopy,
)
from .results import ChainResult, DataQualityNote, JobVerdict, OpenCycle, Reason
from .validation import clean_jobs, retention_notes

DEFAULT_SETTINGS = EngineSettings()
FULL_LEVELS = (Level.FULL, Level.SYNTHETIC_FULL)


@dataclass(slots=True)
class _Cycle:
    index: int
    full_position: int  # position of its full among qualifying fulls; -1 before any
    jobs: list[JobRecord] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _RuleDate:
    """The date the retention rules allow, or None, with the reason that binds."""

    moment: datetime | None
    reason: Reason
    sentence: str


def qualifies_as_full(job: JobRecord, settings: EngineSettings) -> bool:
    """Return True when ``job`` starts a new cycle under ``settings``.

    Completed fulls always do. Completed-with-errors fulls and synthetic fulls do when
    the settings enable them. Failed, killed, running and other fulls do not.
    """
    if job.level == Level.SYNTHETIC_FULL and not settings.synthetic_full_starts_cycle:
        return False
    if job.level not in FULL_LEVELS:
        return False
    if job.outcome in (Outcome.COMPLETED, Outcome.COMPLETED_WARNINGS):
        return True
    return job.outcome == Outcome.COMPLETED_ERRORS and settings.errors_full_starts_cycle


def evaluate_chain(
    jobs: Iterable[JobRecord],
    retention: CopyRetention,
    now: datetime,
    *,
    chain_key: str = "",
    settings: EngineSettings = DEFAULT_SETTINGS,
    pending_aux_copies: Sequence[PendingAuxCopy] = (),
) -> ChainResult:
    """Date the aging of every job of one chain and explain why each job is still kept.

    ``jobs`` should be sorted by start time. Bad rows and bad retention values become
    data-quality notes on the result. When the retention itself is unusable, the result
    has no verdicts.
    """
    notes: list[DataQualityNote] = []
    cleaned = clean_jobs(jobs, chain_key, now, notes)
    cycles, full_starts = _build_cycles(cleaned, settings)
    interval = _median_gap_days(full_starts)

    bad_retention = retention_notes(retention)
    if bad_retention:
        return ChainResult(
            chain_key, (), len(cycles), interval, None, tuple(bad_retention + notes)
        )

    cycles_count = _effective_cycles(retention, settings, notes)
    days_only = retention.days_only or cycles_count == 0
    extended = _extended_dates(cleaned, retention, settings, notes)
    aux_holds = _aux_holds(pending_aux_copies, settings)
    _note_copy_options(retention, notes)

    verdicts: list[JobVerdict] = []
    for cycle in cycles:
        held_by = sorted(
            {name for job in cycle.jobs for name in aux_holds.get(job.job_id, ())}
        )
        base = _cycle_rule_date(
            cycle, full_starts, retention.days, cycles_count, days_only, settings
        )
        for job in cycle.jobs:
            verdicts.append(
                _job_verdict(
                    job,
                    cycle,
                    base,
                    retention,
                    extended,
                    held_by,
                    days_only,
                    now,
                    settings,
                )
            )

    open_cycle = _open_cycle(
        cycles, full_starts, retention, days_only, now, chain_key, settings
    )
    return ChainResult(
        chain_key, tuple(verdicts), len(cycles), interval, open_cycle, tuple(notes)
    )


def _build_cycles(
    jobs: list[JobRecord], settings: EngineSettings
) -> tuple[list[_Cycle], list[datetime]]:
    cycles: list[_Cycle] = []
    full_starts: list[datetime] = []

    for job in jobs:
        if qualifies_as_full(job, settings):
            full_starts.append(job.start)
            cycles.append(_Cycle(len(cycles), len(full_starts) - 1))
        elif not cycles:
            cycles.append(_Cycle(0, -1))
        cycles[-1].jobs.append(job)
    return cycles, full_starts


def _median_gap_days(full_starts: list[datetime]) -> float | None:
    if len(full_starts) < 2:
        return None
    gaps = [
        days_between(b, a) for a, b in zip(full_starts, full_starts[1:], strict=False)
    ]
    return statistics.median(gaps)


def _effective_cycles(
    retention: CopyRetention, settings: EngineSettings, notes: list[DataQualityNote]
) -> int:
    if retention.cycles_reported:
        return retention.cycles
    notes.append(
        DataQualityNote(
            f"copy {retention.copy_name!r}",
            "cycles=unknown",
            "The CommServe did not report retention cycles for this copy, so the engine "
            f"assumed {settings.cycles_when_unknown} (setting cycles_when_unknown).",
        )
    )
    return settings.cycles_when_unknown


def _note_copy_options(retention: CopyRetention, notes: list[DataQualityNote]) -> None:
    subject = f"copy {retention.copy_name!r}"
    if retention.managed_disk_space and retention.dedup:
        notes.append(
            DataQualityNote(
                subject,
                "managed_disk_space=True",
                "Managed disk space is on but Commvault does not support it on "
                "deduplicated copies, so the engine ignores it.",
            )
        )
    if retention.job_based_retention and retention.job_based_days is None:
        notes.append(
            DataQualityNote(
                subject,
                "job_based_days=None",
                "Job-based retention is on but its days are unknown, so only the copy "
                "retention was applied.",
            )
        )


def _aux_holds(
    pending: Sequence[PendingAuxCopy], settings: EngineSettings
) -> dict[int, list[str]]:
    copies_by_job: dict[int, list[str]] = {}
    for copy in pending:
        if not copy.active and not settings.inactive_copies_hold_jobs:
            continue
        for job_id in copy.job_ids:
            copies_by_job.setdefault(job_id, []).append(copy.copy_name)
    return copies_by_job


def _extended_dates(
    jobs: list[JobRecord],
    retention: CopyRetention,
    settings: EngineSettings,
    notes: list[DataQualityNote],
) -> dict[int, tuple[datetime | None, str]]:
    """Map each full that an extended rule selects to its end date (None = forever)."""
    dates: dict[int, tuple[datetime | None, str]] = {}
    fulls = [job for job in jobs if qualifies_as_full(job, settings)]
    subject = f"copy {retention.copy_name!r}"

    for rule in retention.extended_rules:
        if not rule.enabled:
            continue
        if rule.end_days < INFINITE_DAYS:
            notes.append(
                DataQualityNote(
                    subject,
                    f"extended {rule.kind.value} end_days={rule.end_days}",
                    f"Extended rule end days {rule.end_days} is invalid: expected 0 or "
                    "more, or -1 for infinite. The rule was skipped.",
                )
            )
            continue
        extra_days = 0
        if rule.grace_days and settings.apply_extended_grace_days:
            extra_days = rule.grace_days
        elif rule.grace_days:
            notes.append(
                DataQualityNote(
                    subject,
                    f"extended {rule.kind.value} grace_days={rule.grace_days}",
                    "Grace days on extended rules are ignored because their effect is "
                    "not documented (setting apply_extended_grace_days).",
                )
            )

        label = f"{rule.kind.value.replace('_', ' ')} fulls"
        for job in _select_fulls(fulls, rule.kind, rule.first, settings):
            end = (
                None
                if rule.end_days == INFINITE_DAYS
                else job.start + timedelta(days=rule.end_days + extra_days)
            )
            current = dates.get(job.job_id)
            if current is None or _later_or_never(end, current[0]):
                dates[job.job_id] = (end, label)
    return dates


def _select_fulls(
    fulls: list[JobRecord], kind: ExtendedKind, first: bool, settings: EngineSettings
) -> list[JobRecord]:
    if kind is ExtendedKind.ALL_FULLS:
        return fulls
    chosen: dict[tuple[int, ...], JobRecord] = {}
    for job in fulls:
        key = period_key(job.start, kind, settings)
        if first:
            chosen.setdefault(key, job)
        else:
            chosen[key] = job
    return list(chosen.values())


def _later_or_never(candidate: datetime | None, current: datetime | None) -> bool:
    if current is None:
        return False
    return candidate is None or candidate > current


def _cycle_rule_date(
    cycle: _Cycle,
    full_starts: list[datetime],
    days: int,
    cycles: int,
    days_only: bool,
    settings: EngineSettings,
) -> _RuleDate:
    """Return the basic-retention date shared by the whole cycle (days+cycles mode)."""
    if days == INFINITE_DAYS:
        return _RuleDate(
            None,
            Reason.INFINITE_RETENTION,
            "Retention days are infinite, so the copy keeps every job.",
        )
    if days_only:
        # Each job gets its own date in days-only mode; see _job_rule_date.
        return _RuleDate(None, Reason.BASIC_DAYS, "")

    last_start = cycle.jobs[-1].start
    days_met = last_start + timedelta(days=days)
    closing = cycle.full_position + cycles
    if closing >= len(full_starts):
        missing = closing - len(full_starts) + 1
        return _RuleDate(
            None,
            Reason.BASIC_CYCLES,
            f"Cycle retention is not met: {cycles} newer qualifying full(s) needed, "
            f"{missing} still missing. Without a newer full this cycle is kept "
            "indefinitely. After it, the cycle ages at the first data aging run no "
            f"earlier than {fmt(days_met, settings)} (last job of the cycle + {days} days).",
        )

    cycles_met = full_starts[closing]
    if days_met >= cycles_met:
        return _RuleDate(
            days_met,
            Reason.BASIC_DAYS,
            f"Days not met for all jobs in the cycle: its last job started "
            f"{fmt(last_start, settings)}, + {days} days = {fmt(days_met, settings)}. "
            f"Cycles met at {fmt(cycles_met, settings)}.",
        )
    return _RuleDate(
        cycles_met,
        Reason.BASIC_CYCLES,
        f"Cycles met at {fmt(cycles_met, settings)}, when the {_ordinal(cycles)} "
        f"newer full started. Days met at {fmt(days_met, settings)}.",
    )


def _job_rule_date(
    job: JobRecord,
    base: _RuleDate,
    retention: CopyRetention,
    extended: dict[int, tuple[datetime | None, str]],
    days_only: bool,
    settings: EngineSettings,
) -> _RuleDate:
    """Apply days-only mode, job-based retention and extended rules to one job."""
    rule = base
    if days_only and retention.days != INFINITE_DAYS:
        moment = job.start + timedelta(days=retention.days)
        rule = _RuleDate(
            moment,
            Reason.BASIC_DAYS,
            f"Days-only retention: started {fmt(job.start, settings)} + "
            f"{retention.days} days = {fmt(moment, settings)}. Cycles are not counted.",
        )

    if (
        retention.job_based_retention
        and retention.job_based_days is not None
        and rule.moment
    ):
        if retention.job_based_days == INFINITE_DAYS:
            rule = _RuleDate(
                None, Reason.INFINITE_RETENTION, "Job-based retention is infinite."
            )
        elif retention.job_based_days >= 0:
            moment = job.start + timedelta(days=retention.job_based_days)
            if moment > rule.moment:
                rule = _RuleDate(
                    moment,
                    Reason.BASIC_DAYS,
                    f"Job-based retention of {retention.job_based_days} days is longer "
                    f"than the copy retention and wins: kept to {fmt(moment, settings)}.",
                )

    selected = extended.get(job.job_id)
    if selected is not None and rule.reason is not Reason.INFINITE_RETENTION:
        end, label = selected
        if end is None:
            return _RuleDate(
                None,
                Reason.EXTENDED_RETENTION,
                f"Extended retention of {label} keeps this full forever.",
            )
        if rule.moment is not None and end > rule.moment:
            return _RuleDate(
                end,
                Reason.EXTENDED_RETENTION,
                f"Extended retention of {label} keeps this full to {fmt(end, settings)}, "
                f"later than the basic rules ({fmt(rule.moment, settings)}).",
            )
    return rule


def _job_verdict(
    job: JobRecord,
    cycle: _Cycle,
    base: _RuleDate,
    retention: CopyRetention,
    extended: dict[int, tuple[datetime | None, str]],
    held_by: list[str],
    days_only: bool,
    now: datetime,
    settings: EngineSettings,
) -> JobVerdict:
    rule = _job_rule_date(job, base, retention, extended, days_only, settings)
    rule_run = next_aging_run(rule.moment, settings) if rule.moment else None
    minimum_only = retention.managed_disk_space and not retention.dedup

    def verdict(
        retain: datetime | None, reason: Reason, sentence: str, minimum: bool = False
    ) -> JobVerdict:
        return JobVerdict(
            job_id=job.job_id,
            cycle_index=cycle.index,
            retain_until=retain,
            rule_retain_until=rule_run,
            reason=reason,
            sentence=sentence,
            size_bytes=job.size_bytes,
            minimum_only=minimum,
            disagrees=_disagrees(job, retain, reason, settings),
        )

    if job.aged:
        return verdict(None, Reason.AGED, "Data aging has already aged this job.")
    if not retention.data_aging_enabled:
        return verdict(
            None,
            Reason.AGING_DISABLED,
            "Data aging is disabled on the copy, so retention is effectively infinite. "
            "The saved retention values are ignored.",
        )
    if job.outcome == Outcome.RUNNING:
        return verdict(
            None,
            Reason.JOB_RUNNING,
            "The job is still running. It gets a date once it ends.",
        )
    if job.pinned:
        return verdict(
            None,
            Reason.INFINITE_RETENTION,
            "The job is retained manually with infinite retention.",
        )
    if rule.moment is None or rule_run is None:
        return verdict(None, rule.reason, rule.sentence)

    retain, reason, sentence = rule_run, rule.reason, rule.sentence
    manual = job.manual_retain_until
    if manual is not None and manual > rule.moment:
        retain = next_aging_run(manual, settings)
        reason = Reason.MANUAL_RETENTION
        sentence = (
            f"Manual retention to {fmt(manual, settings)} is later than the rules "
            f"({fmt(rule.moment, settings)})."
        )

    if held_by:
        copies = ", ".join(held_by)
        if retain <= now:
            return verdict(
                None,
                Reason.WAITING_AUX_COPY,
                f"Retention was met ({fmt(retain, settings)}) but the cycle waits for "
                f"an auxiliary copy to {copies}. Run the auxiliary copy, or set an "
                "unused copy inactive and stop counting inactive copies for the "
                "auxiliary copy check.",
            )
        sentence += f" The cycle also waits for an auxiliary copy to {copies}."
        return verdict(retain, reason, sentence, minimum=True)

    if retain <= now:
        return verdict(
            retain,
            Reason.ELIGIBLE,
            f"Eligible since {fmt(retain, settings)}. {sentence}",
            minimum_only,
        )
    return verdict(retain, reason, sentence, minimum_only)


def _disagrees(
    job: JobRecord, retain: datetime | None, reason: Reason, settings: EngineSettings
) -> bool:
    reported = job.reported
    if reported is None or reason is Reason.AGED:
        return False
    if reported.infinite:
        return retain is not None
    if reported.retain_until is None:
        return False
    if retain is None:
        return True
    return (
        abs(days_between(reported.retain_until, retain))
        > settings.disagreement_tolerance_days
    )


def _open_cycle(
    cycles: list[_Cycle],
    full_starts: list[datetime],
    retention: CopyRetention,
    days_only: bool,
    now: datetime,
    chain_key: str,
    settings: EngineSettings,
) -> OpenCycle | None:
    if not cycles:
        return None

    cycle = cycles[-1]
    has_full = cycle.full_position >= 0
    started = cycle.jobs[0].start
    age = max(0.0, days_between(now, started))
    failed = [
        job
        for job in cycle.jobs
        if job.level in FULL_LEVELS and not qualifies_as_full(job, settings)
    ]
    days = retention.days
    flagged = not days_only and days > 0 and age > settings.open_cycle_factor * days

    since = fmt(started, settings)
    if failed:
        cause = f"{len(failed)} failed full(s) since {since}"
    elif has_full:
        cause = f"no full or synthetic full since {since}"
    else:
        cause = f"no qualifying full at all since {since}"
    sentence = f"Open cycle {age:.0f} days old: {cause}."
    if flagged:
        sentence += (
            f" That is more than {settings.open_cycle_factor:g} x the {days} retention "
            "days, and nothing in it can age. Schedule synthetic fulls or fix the fulls."
        )
    return OpenCycle(
        chain_key=chain_key,
        started=started,
        age_days=age,
        has_full=has_full,
        failed_fulls=len(failed),
        first_failed_full=failed[0].start if failed else None,
        flagged=flagged,
        severity="high" if flagged else "info",
        sentence=sentence,
    )


def fmt(moment: datetime, settings: EngineSettings) -> str:
    """Format ``moment`` in CommServe local time, e.g. "2026-03-02 12:00 UTC+01:00"."""
    return format_local(
        moment, settings.aging_utc_offset_minutes, settings.aging_time_zone
    )


def _ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
