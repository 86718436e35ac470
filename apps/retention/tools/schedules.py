"""Schedule analyzer: full cadence and timing per storage policy, from job history.

Schedules are not collected, so everything here is measured from the jobs. Per
storage policy that is the median gap between fulls and between synthetic fulls,
the weekday and hour fulls start, and chains whose last full is older than twice
their cadence. It also relates the fulls to the daily data aging run (12:00
CommServe time by default, else the CommCell's retention settings). A cycle
becomes eligible only at the first aging run after the newer full that closes it
starts, so fulls that start just after the run add almost a day to retention.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from itertools import groupby, pairwise

from apps.commcell.models import Job, Plan
from apps.retention.engine.cadence import plural

from .loading import chain_key

logger = logging.getLogger(__name__)

FULL = "full"
SYNTHETIC_FULL = "synthetic_full"
GOOD_OUTCOMES = frozenset({"completed", "completed_warnings", "completed_errors"})
OVERDUE_FACTOR = 2.0
DEFAULT_AGING_TIME = time(12, 0)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class ScheduleJob:
    """The fields of one job the schedule analysis reads."""

    storage_policy_id: int
    chain_key: str
    chain_name: str
    level: str
    outcome: str
    start: datetime
    end: datetime | None


@dataclass(frozen=True, slots=True)
class OverdueChain:
    """A chain whose newest full is older than twice its full cadence."""

    chain_name: str
    last_full: datetime | None
    days_since_full: float | None
    cadence_days: float | None


@dataclass(slots=True)
class PolicySchedule:
    """The measured full schedule of one storage policy."""

    storage_policy_id: int
    storage_policy_name: str
    plan_name: str
    chains: int = 0
    fulls: int = 0
    synthetic_fulls: int = 0
    full_cadence_days: float | None = None
    synthetic_cadence_days: float | None = None
    weekdays: list[int] = field(default_factory=lambda: [0] * 7)
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    overdue: list[OverdueChain] = field(default_factory=list)
    median_end_hour: float | None = None
    median_hours_to_aging: float | None = None
    median_hours_end_to_aging: float | None = None
    fulls_across_aging: int = 0
    aging_sentence: str = ""


def _median_gap_days(starts: list[datetime]) -> float | None:
    if len(starts) < 2:
        return None
    gaps = [(b - a).total_seconds() / 86400 for a, b in pairwise(starts)]
    return statistics.median(gaps)


def next_aging_run(moment: datetime, aging_time: time, offset_minutes: int) -> datetime:
    """Return the first data aging run at or after ``moment``.

    ``offset_minutes`` is the CommServe's local time minus UTC; runs happen daily at
    ``aging_time`` local time.
    """
    local = moment + timedelta(minutes=offset_minutes)
    run = local.replace(
        hour=aging_time.hour, minute=aging_time.minute, second=0, microsecond=0
    )
    if run < local:
        run += timedelta(days=1)
    return run - timedelta(minutes=offset_minutes)


def analyze_policy(
    jobs: Iterable[ScheduleJob],
    now: datetime,
    *,
    name: str = "",
    plan_name: str = "",
    aging_time: time = DEFAULT_AGING_TIME,
    offset_minutes: int = 0,
    offset_at: Callable[[datetime], int] | None = None,
) -> PolicySchedule | None:
    """Measure one policy's schedule from its jobs, ordered by chain then start.

    ``offset_at(moment)`` returns the CommServe's UTC offset in force at a moment,
    so a time zone with daylight saving time moves the aging run with it. Without
    it ``offset_minutes`` applies to every job.
    """

    def offset(moment: datetime) -> int:
        return offset_at(moment) if offset_at is not None else offset_minutes

    schedule: PolicySchedule | None = None
    full_gaps: list[float] = []
    synthetic_gaps: list[float] = []
    chain_last: list[tuple[str, datetime | None, float | None]] = []
    end_hours: list[float] = []
    waits: list[float] = []
    end_waits: list[float] = []

    for _key, group in groupby(jobs, key=lambda job: job.chain_key):
        chain = list(group)
        if schedule is None:
            schedule = PolicySchedule(chain[0].storage_policy_id, name, plan_name)
        schedule.chains += 1
        fulls = [
            j
            for j in chain
            if j.level in (FULL, SYNTHETIC_FULL) and j.outcome in GOOD_OUTCOMES
        ]
        plain = [j.start for j in fulls if j.level == FULL]
        synthetic = [j.start for j in fulls if j.level == SYNTHETIC_FULL]
        schedule.fulls += len(plain)
        schedule.synthetic_fulls += len(synthetic)
        for gaps, starts in ((full_gaps, plain), (synthetic_gaps, synthetic)):
            gap = _median_gap_days(starts)
            if gap is not None:
                gaps.append(gap)

        for job in fulls:
            start_offset = offset(job.start)
            local = job.start + timedelta(minutes=start_offset)
            schedule.weekdays[local.weekday()] += 1
            schedule.hours[local.hour] += 1
            run = next_aging_run(job.start, aging_time, start_offset)
            waits.append((run - job.start).total_seconds() / 3600)
            if job.end is not None:
                end_offset = offset(job.end)
                local_end = job.end + timedelta(minutes=end_offset)
                end_hours.append(local_end.hour + local_end.minute / 60)
                end_run = next_aging_run(job.end, aging_time, end_offset)
                end_waits.append((end_run - job.end).total_seconds() / 3600)
                if run < job.end:
                    schedule.fulls_across_aging += 1

        last = fulls[-1].start if fulls else None
        chain_last.append(
            (chain[0].chain_name, last, _median_gap_days([j.start for j in fulls]))
        )

    if schedule is None:
        return None
    schedule.full_cadence_days = statistics.median(full_gaps) if full_gaps else None
    schedule.synthetic_cadence_days = (
        statistics.median(synthetic_gaps) if synthetic_gaps else None
    )
    policy_cadence = _policy_cadence(full_gaps + synthetic_gaps)
    for chain_name, last, own in chain_last:
        overdue = _overdue(chain_name, last, own or policy_cadence, now)
        if overdue is not None:
            schedule.overdue.append(overdue)
    if end_hours:
        schedule.median_end_hour = statistics.median(end_hours)
    if waits:
        schedule.median_hours_to_aging = statistics.median(waits)
    if end_waits:
        schedule.median_hours_end_to_aging = statistics.median(end_waits)
    schedule.aging_sentence = _aging_sentence(schedule, aging_time)
    return schedule


def _policy_cadence(gaps: list[float]) -> float | None:
    return statistics.median(gaps) if gaps else None


def _overdue(
    chain_name: str, last: datetime | None, cadence: float | None, now: datetime
) -> OverdueChain | None:
    if last is None:
        return OverdueChain(chain_name, None, None, cadence)
    if cadence is None:
        return None
    days = (now - last).total_seconds() / 86400
    if days <= OVERDUE_FACTOR * cadence:
        return None
    return OverdueChain(chain_name, last, days, cadence)


def _aging_sentence(schedule: PolicySchedule, aging_time: time) -> str:
    run = aging_time.strftime("%H:%M")
    if schedule.median_hours_to_aging is None:
        return "No completed fulls, so the aging run cannot be related to them."
    wait = schedule.median_hours_to_aging
    text = (
        f"A cycle that a new full closes becomes eligible at the next {run} data "
        f"aging run, a median of {wait:.1f} hours after the full starts."
    )
    if schedule.median_hours_end_to_aging is not None:
        text += (
            f" Fulls finish a median of {schedule.median_hours_end_to_aging:.1f} "
            f"hours before the next {run} run."
        )
    running_fulls = schedule.fulls_across_aging
    if running_fulls:
        single = running_fulls == 1
        text += (
            f" {plural(running_fulls, 'full')} {'was' if single else 'were'} still "
            f"running at an aging run. Moving {'its' if single else 'their'} start "
            f"earlier or the aging run later lets {'it' if single else 'them'} "
            "finish first."
        )
    return text


def iter_schedule_jobs(commcell_id: int | None = None) -> Iterator[ScheduleJob]:
    """Yield every job with a storage policy, ordered by policy, chain and start."""
    rows = Job.objects.filter(storage_policy__isnull=False)
    if commcell_id is not None:
        rows = rows.filter(commcell_id=commcell_id)
    rows = rows.order_by(
        "storage_policy_id",
        "client_id",
        "client_name",
        "subclient_cv_id",
        "subclient_name",
        "start_time",
        "job_id",
    ).values_list(
        "storage_policy_id",
        "client_id",
        "client_name",
        "subclient_cv_id",
        "subclient_name",
        "level",
        "outcome",
        "start_time",
        "end_time",
    )
    for row in rows.iterator(chunk_size=2_000):
        policy, client_id, client, sub_id, sub, level, outcome, start, end = row
        yield ScheduleJob(
            storage_policy_id=policy,
            chain_key=chain_key(client_id, client, sub_id, sub),
            chain_name=f"{client or client_id} / {sub or sub_id}",
            level=level,
            outcome=outcome,
            start=start,
            end=end,
        )


def analyze_schedules(
    now: datetime,
    commcell_id: int | None = None,
    *,
    aging_time: time = DEFAULT_AGING_TIME,
    offset_minutes: int = 0,
    offset_at: Callable[[datetime], int] | None = None,
) -> list[PolicySchedule]:
    """Measure the schedule of every storage policy that has jobs.

    ``aging_time`` and ``offset_at`` come from the CommCell's retention settings
    (``ToolSettings``); see ``analyze_policy``.
    """
    from apps.commcell.models import StoragePolicy

    names = dict(StoragePolicy.objects.values_list("pk", "name"))
    plans: dict[int, str] = {}
    for policy_id, plan in (
        Plan.objects.filter(storage_policy__isnull=False, removed_at__isnull=True)
        .order_by("cv_id")
        .values_list("storage_policy_id", "name")
    ):
        plans.setdefault(policy_id, plan)

    results = []
    for policy_id, jobs in groupby(
        iter_schedule_jobs(commcell_id), key=lambda job: job.storage_policy_id
    ):
        schedule = analyze_policy(
            jobs,
            now,
            name=names.get(policy_id, str(policy_id)),
            plan_name=plans.get(policy_id, ""),
            aging_time=aging_time,
            offset_minutes=offset_minutes,
            offset_at=offset_at,
        )
        if schedule is not None:
            results.append(schedule)
    logger.info(
        "schedules of commcell %s: %d storage policies analysed",
        "all" if commcell_id is None else commcell_id,
        len(results),
    )
    return results
