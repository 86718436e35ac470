"""Time helpers: data aging run times and the periods that extended rules select by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from .inputs import EngineSettings, ExtendedKind

DAY = timedelta(days=1)


def local_zone(settings: EngineSettings) -> tzinfo:
    """Return the CommServe's local time zone.

    That is the IANA zone ``aging_time_zone`` when set, whose offset follows daylight
    saving time date by date, and otherwise the fixed ``aging_utc_offset_minutes``.
    """
    return _local(settings.aging_utc_offset_minutes, settings.aging_time_zone)


def _local(offset_minutes: int, zone_name: str) -> tzinfo:
    return ZoneInfo(zone_name) if zone_name else _zone(offset_minutes)


@lru_cache(maxsize=64)
def _zone(offset_minutes: int) -> timezone:
    return timezone(timedelta(minutes=offset_minutes))


def next_aging_run(moment: datetime, settings: EngineSettings) -> datetime:
    """Return the first data aging run at or after ``moment``, as an aware datetime.

    Data aging runs daily at ``aging_hour``:``aging_minute`` CommServe local time. The
    result is in that local zone and compares equal to the same instant in UTC. Jobs
    of one cycle share a moment, so results are cached.
    """
    return _next_run(
        moment,
        settings.aging_utc_offset_minutes,
        settings.aging_hour,
        settings.aging_minute,
        settings.aging_time_zone,
    )


@lru_cache(maxsize=4096)
def _next_run(
    moment: datetime, offset: int, hour: int, minute: int, zone_name: str = ""
) -> datetime:
    local = moment.astimezone(_local(offset, zone_name))
    run = local.replace(hour=hour, minute=minute, second=0, microsecond=0, fold=0)
    # Compared as instants: two times in one zone compare by wall time, which puts a
    # run in the hour skipped by a change to summer time before a later moment.
    if run.astimezone(UTC) < moment:
        # Aware arithmetic in one zone adds a day of wall time, so the run stays at
        # the same local hour across a daylight saving change.
        run += DAY
    return _at_fixed_offset(run)


def _at_fixed_offset(moment: datetime) -> datetime:
    """Return ``moment`` at its own UTC offset as a fixed zone, named "UTC+02:00"."""
    offset = moment.utcoffset() or timedelta(0)
    return moment.astimezone(_zone(int(offset.total_seconds() // 60)))


@lru_cache(maxsize=4096)
def format_local(moment: datetime, offset_minutes: int, zone_name: str = "") -> str:
    """Format ``moment`` in CommServe local time, e.g. "2026-03-02 12:00 UTC+01:00".

    With ``zone_name`` (IANA) the offset is the zone's at ``moment``, and otherwise
    ``offset_minutes``.
    """
    local = _at_fixed_offset(moment.astimezone(_local(offset_minutes, zone_name)))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def period_key(
    moment: datetime, kind: ExtendedKind, settings: EngineSettings
) -> tuple[int, ...]:
    """Return the key of the period of ``kind`` that contains ``moment`` (local time).

    Commvault selects a full for extended retention by its start time, so a full that
    starts at 23:55 on 31 August belongs to August.
    """
    local = moment.astimezone(local_zone(settings))

    if kind is ExtendedKind.HOUR:
        return (local.year, local.month, local.day, local.hour)
    if kind is ExtendedKind.DAY:
        return (local.year, local.month, local.day)
    if kind is ExtendedKind.WEEK:
        shift = 0 if settings.week_starts_monday else 1
        first_day = (local + timedelta(days=shift)).date()
        year, week, _ = first_day.isocalendar()
        return (year, week)
    if kind is ExtendedKind.MONTH:
        return (local.year, local.month)
    if kind is ExtendedKind.QUARTER:
        return (local.year, (local.month - 1) // 3)
    if kind is ExtendedKind.HALF_YEAR:
        return (local.year, (local.month - 1) // 6)
    if kind is ExtendedKind.YEAR:
        return (local.year,)
    return (int(moment.timestamp() * 1_000_000),)


def days_between(later: datetime, earlier: datetime) -> float:
    """Return ``later - earlier`` in days as a float."""
    return (later - earlier) / DAY
