"""Template filters that show retention values as a Commvault administrator reads them."""

from django import template

from apps.retention.classification import DAYS_ONLY_CYCLES, INFINITE_DAYS

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
