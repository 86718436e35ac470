"""Time helpers: data aging run times and the periods that extended rules select by."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache

from .inputs import EngineSettings, ExtendedKind

DAY = timedelta(days=1)


def local_zone(settings: EngineSettings) -> timezone:
    """Return the CommServe's local time zone as a fixed UTC offset."""
    return _zone(settings.aging_utc_offset_minutes)


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
    )


@lru_cache(maxsize=4096)
def _next_run(moment: datetime, offset: int, hour: int, minute: int) -> datetime:
    local = moment.astimezone(_zone(offset))
    run = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if run < local:
        run += DAY
    return run


@lru_cache(maxsize=4096)
def format_local(moment: datetime, offset_minutes: int) -> str:
    """Format ``moment`` at a UTC offset, e.g. "2026-03-02 12:00 UTC+01:00"."""
    local = moment.astimezone(_zone(offset_minutes))
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
