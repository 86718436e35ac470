"""Job histories for the engine tests: fulls and incrementals on a fixed calendar.

Day 1 is 2025-01-01 (UTC). Jobs start at 22:00 unless a test sets another hour, and data
aging runs daily at 12:00 UTC, the engine's default.
"""

from datetime import UTC, datetime, timedelta

from apps.retention.engine import JobRecord, Level, Outcome

DAY_ONE = datetime(2025, 1, 1, tzinfo=UTC)
GIB = 1024**3


def at(day: float, hour: int = 22, minute: int = 0) -> datetime:
    """Return the moment ``hour``:``minute`` on calendar ``day`` (day 1 = 2025-01-01)."""
    return DAY_ONE + timedelta(days=day - 1, hours=hour, minutes=minute)


def job(
    job_id: int,
    day: float,
    level: str = Level.INCREMENTAL,
    outcome: str = Outcome.COMPLETED,
    *,
    hour: int = 22,
    size: int = GIB,
    **kwargs,
) -> JobRecord:
    """Return a job that starts on ``day`` at ``hour`` and runs for one hour."""
    start = at(day, hour)
    end = None if outcome == Outcome.RUNNING else start + timedelta(hours=1)
    return JobRecord(
        job_id=job_id,
        start=start,
        end=end,
        level=level,
        outcome=outcome,
        chain_key="client1/subclient1",
        size_bytes=size,
        **kwargs,
    )


def history(
    last_day: int,
    full_every: int,
    *,
    first_day: int = 1,
    full_days: set[int] | None = None,
) -> list[JobRecord]:
    """Return one job per day: a full every ``full_every`` days, else an incremental.

    ``full_days`` overrides which days run a full. Job ids equal the day number.
    """
    jobs = []
    for day in range(first_day, last_day + 1):
        if full_days is not None:
            is_full = day in full_days
        else:
            is_full = (day - first_day) % full_every == 0
        jobs.append(job(day, day, Level.FULL if is_full else Level.INCREMENTAL))
    return jobs


def kept_days(verdict, started: datetime) -> float:
    """Return how many days a job stays, from its start to its retain-until."""
    return (verdict.retain_until - started) / timedelta(days=1)
