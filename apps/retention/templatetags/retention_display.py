"""Template filters that show retention values as a Commvault administrator reads them."""

from datetime import datetime

from django import template

from apps.retention.assumptions import format_utc_offset
from apps.retention.classification import DAYS_ONLY_CYCLES, INFINITE_DAYS
from apps.retention.engine import EngineSettings
from apps.retention.engine.clock import format_local
from apps.retention.job_retention import REASON_LABELS

register = template.Library()


@register.filter
def retention_days(days: int) -> str:
    """Show -1 as "infinite" and other values as a number of days."""
    if days == INFINITE_DAYS:
        return "infinite"
    return str(days)


@register.filter
def retention_cycles(rule: object) -> str:
    """Show a rule's cycles: "days only" for 0 and "not reported" when unknown."""
    if not getattr(rule, "cycles_reported", True):
        return "not reported"
    cycles = rule.retention_cycles
    if cycles == DAYS_ONLY_CYCLES:
        return "days only"
    return str(cycles)


@register.filter
def extended_rule(rule: dict) -> str:
    """Describe one stored extended retention rule, e.g. "Monthly fulls: 365 days"."""
    name = str(rule.get("rule", "")).replace("_", " ").capitalize() or "Unknown rule"
    end_days = rule.get("end_days")
    kept = "infinite" if end_days == INFINITE_DAYS else f"{end_days} days"
    text = f"{name}: {kept}"
    if rule.get("grace_days"):
        text += f" (grace {rule['grace_days']} days)"
    return text


@register.filter
def commserve_time(moment: datetime | None, clock: EngineSettings | int | None) -> str:
    """Show an aware datetime in CommServe local time, e.g. "2026-03-02 12:00 UTC+01:00".

    ``clock`` is the engine settings, whose IANA zone follows daylight saving time, or
    a fixed offset in minutes. An empty string stands for no date, so templates can
    fall back with ``default``.
    """
    if moment is None:
        return ""
    if isinstance(clock, EngineSettings):
        return format_local(
            moment, clock.aging_utc_offset_minutes, clock.aging_time_zone
        )
    return format_local(moment, clock or 0)


@register.filter
def utc_offset(minutes: int) -> str:
    """Show an offset from UTC in minutes as "UTC+01:00" or "UTC-05:30"."""
    return format_utc_offset(minutes)


@register.filter
def reason_label(reason: object) -> str:
    """Return the words for an engine reason code, such as "basic retention cycles"."""
    return REASON_LABELS.get(str(reason), str(reason))
