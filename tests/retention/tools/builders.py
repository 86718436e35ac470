"""Job histories for the retention tools, with sizes chosen to be checked by hand."""

from datetime import UTC, datetime, timedelta

from apps.retention.engine import JobRecord

GIB = 1024**3
DAY0 = datetime(2026, 9, 6, 22, 0, tzinfo=UTC)  # a Sunday
FULL_BYTES = 100 * GIB
INCREMENTAL_BYTES = 10 * GIB


def day(number: int, hour: int = 22) -> datetime:
    """Return 22:00 UTC (or ``hour``) on day ``number`` after DAY0's date."""
    return DAY0.replace(hour=hour) + timedelta(days=number)


def weekly_then_no_fulls(
    weeks_with_fulls: int = 5, last_day: int = 49, chain: str = "c1"
) -> list[JobRecord]:
    """Weekly fulls on days 0, 7, ... then daily incrementals only, up to last_day.

    Each job starts at 22:00 and runs one hour. Fulls hold 100 GiB, incrementals
    10 GiB.
    """
    jobs = []
    full_days = {7 * week for week in range(weeks_with_fulls)}
    for number in range(last_day + 1):
        full = number in full_days
        start = day(number)
        jobs.append(
            JobRecord(
                job_id=1000 + number,
                start=start,
                end=start + timedelta(hours=1),
                level="full" if full else "incremental",
                outcome="completed",
                chain_key=chain,
                size_bytes=FULL_BYTES if full else INCREMENTAL_BYTES,
            )
        )
    return jobs
