"""Data aging runs per local date for a clock that follows daylight saving time."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from apps.commcell.models import Job
from apps.retention import sql as retention_sql
from apps.retention.sql.clock import MAX_FUTURE_DAYS, aging_runs, date_range
from tests.retention.sql.scenarios import (
    SUMMER_NOW,
    build_mixed,
    new_york_settings,
)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def test_runs_shift_at_summer_time():
    runs = aging_runs(
        "America/New_York", time(3, 30), date(2026, 3, 7), date(2026, 3, 9)
    )

    assert [run for _, run in runs.rows] == [
        ms(datetime(2026, 3, 7, 8, 30, tzinfo=UTC)),
        ms(datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
        ms(datetime(2026, 3, 9, 7, 30, tzinfo=UTC)),
    ]
    assert runs.rows[0][0] == (date(2026, 3, 7) - date(1970, 1, 1)).days
    assert runs.changes_offset
    assert runs.min_offset_ms == -5 * 3_600_000


def test_fixed_zone_needs_no_table():
    runs = aging_runs(
        "America/Bogota", time(12, 0), date(2026, 1, 1), date(2026, 12, 31)
    )

    assert not runs.changes_offset
    assert runs.offsets_ms == {-5 * 3_600_000}


def test_last_run_at_or_before():
    runs = aging_runs(
        "Europe/Berlin", time(12, 0), date(2026, 3, 28), date(2026, 3, 31)
    )

    # 2026-03-29 is the first summer day in Berlin: noon there is 10:00 UTC.
    at_run = ms(datetime(2026, 3, 29, 10, 0, tzinfo=UTC))
    assert runs.last_run_ms(at_run) == at_run
    assert runs.last_run_ms(at_run - 1) == ms(datetime(2026, 3, 28, 11, 0, tzinfo=UTC))
    assert runs.last_run_ms(ms(datetime(2026, 3, 1, tzinfo=UTC))) is None
    assert runs.last_run_ms(ms(datetime(2026, 5, 1, tzinfo=UTC))) is None


def test_date_range_capped():
    first = datetime(2025, 6, 1, 23, 0, tzinfo=UTC)
    now = datetime(2026, 12, 1, tzinfo=UTC)

    assert date_range(first, now, 30) == (date(2025, 5, 30), date(2036, 11, 30))
    assert date_range(first, now, 5_000)[1] == date(2026, 12, 1) + timedelta(days=5_002)
    assert date_range(first, now, 10**7)[1] == date(2026, 12, 1) + timedelta(
        days=MAX_FUTURE_DAYS + 2
    )


@pytest.mark.django_db
def test_concurrent_streams_separate_tables():
    commcell = build_mixed()
    settings = new_york_settings(commcell)
    policies = sorted(
        set(
            Job.objects.filter(commcell=commcell).values_list(
                "storage_policy_id", flat=True
            )
        )
    )

    first = retention_sql.job_eligibility(
        storage_policy_id=policies[0], now=SUMMER_NOW, settings=settings
    )
    second = retention_sql.job_eligibility(
        storage_policy_id=policies[1], now=SUMMER_NOW, settings=settings
    )
    pairs = list(zip(first, second, strict=False))
    first.close()
    second.close()

    assert pairs
    alone = list(
        retention_sql.job_eligibility(
            storage_policy_id=policies[0], now=SUMMER_NOW, settings=settings
        )
    )
    assert [one for one, _ in pairs] == alone[: len(pairs)]


def test_skipped_hour_run_matches_engine():
    # 02:30 does not exist in Berlin on 2027-03-28; both read it as winter time.
    runs = aging_runs(
        "Europe/Berlin", time(2, 30), date(2027, 3, 28), date(2027, 3, 28)
    )

    assert runs.rows[0][1] == ms(datetime(2027, 3, 28, 1, 30, tzinfo=UTC))
