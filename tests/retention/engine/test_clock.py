"""Data aging run times in a fixed offset and in an IANA zone with daylight saving time.

Europe/Berlin is UTC+01:00 in winter and UTC+02:00 from 2027-03-28 to 2027-10-31.
"""

from datetime import UTC, datetime

import pytest

from apps.retention.engine import EngineSettings, ExtendedKind, next_aging_run
from apps.retention.engine.clock import format_local, period_key

# The analysis runs in December, when Berlin is at UTC+01:00.
BERLIN = EngineSettings(aging_utc_offset_minutes=60, aging_time_zone="Europe/Berlin")
FIXED = EngineSettings(aging_utc_offset_minutes=60)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (utc(2027, 1, 10, 5, 0), utc(2027, 1, 10, 11, 0)),
        (utc(2027, 9, 7, 5, 0), utc(2027, 9, 7, 10, 0)),
        (utc(2027, 9, 7, 10, 30), utc(2027, 9, 8, 10, 0)),
        # Saturday 27 March is in winter time, and the next run is in summer time.
        (utc(2027, 3, 27, 11, 30), utc(2027, 3, 28, 10, 0)),
        (utc(2027, 10, 30, 10, 30), utc(2027, 10, 31, 11, 0)),
    ],
)
def test_zone_run_follows_dst(moment, expected):
    run = next_aging_run(moment, BERLIN)

    assert run == expected
    assert run.hour == 12


def test_skipped_hour_run_compared_as_instant():
    # 02:30 does not exist in Berlin on 2027-03-28; it reads as 02:30 winter time,
    # 01:30 UTC, which is still ahead of a moment at 01:20 UTC.
    settings = EngineSettings(
        aging_hour=2, aging_minute=30, aging_time_zone="Europe/Berlin"
    )

    run = next_aging_run(utc(2027, 3, 28, 1, 20), settings)

    assert run == utc(2027, 3, 28, 1, 30)


def test_fixed_offset_run_unchanged():
    run = next_aging_run(utc(2027, 9, 7, 5, 0), FIXED)

    assert run == utc(2027, 9, 7, 11, 0)
    assert run.tzname() == "UTC+01:00"


def test_zone_run_named_by_offset():
    run = next_aging_run(utc(2027, 9, 7, 5, 0), BERLIN)

    assert run.tzname() == "UTC+02:00"


def test_format_uses_offset_of_date():
    summer = utc(2026, 9, 7, 0, 21)
    winter = utc(2026, 12, 7, 0, 21)

    assert format_local(summer, 60, "Europe/Berlin") == "2026-09-07 02:21 UTC+02:00"
    assert format_local(winter, 60, "Europe/Berlin") == "2026-12-07 01:21 UTC+01:00"
    assert format_local(summer, 60) == "2026-09-07 01:21 UTC+01:00"


def test_period_key_in_local_summer_time():
    # 22:30 UTC on 31 August is 00:30 on 1 September in Berlin summer time.
    moment = utc(2027, 8, 31, 22, 30)

    assert period_key(moment, ExtendedKind.MONTH, BERLIN) == (2027, 9)
    assert period_key(moment, ExtendedKind.MONTH, FIXED) == (2027, 8)
