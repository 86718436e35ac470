"""Time helpers: data aging run times and the periods that extended rules select by."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .inputs import EngineSettings, ExtendedKind

DAY = timedelta(days=1)


def local_zone(settings: EngineSettings) -> timezone:
    """Return the CommServe's local time zone as a fixed UTC offset."""
    return timezone(timedelta(minutes=settings.aging_utc_offset_minutes))


def next_aging_run(moment: datetime, settings: EngineSettings) -> datetime:
    """Return the first data aging run at or after ``moment``, as an aware datetime.

    Data aging runs daily at ``aging_hour``:``aging_minute`` CommServe local time. The
    result is in that local zone; it compares equal to the same instant in UTC.
    """
    local = moment.astimezone(local_zone(settings))
    run = local.replace(
        hour=settings.aging_hour, minute=settings.aging_minute, second=0, microsecond=0
    )
    if run < local:
        run += DAY
    return run


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
