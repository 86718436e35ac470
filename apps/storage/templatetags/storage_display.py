"""Template filters for sizes in MB and pool status labels."""

from django import template

from apps.storage.analysis import STATUS_LABELS

register = template.Library()

UNITS = ("MB", "GB", "TB", "PB")


@register.filter
def filesizeformat_mb(value: float | None) -> str:
    """Format a size in MB (1 GB = 1024 MB) with the largest fitting unit."""
    if value is None:
        return "not reported"
    size = float(value)
    for unit in UNITS[:-1]:
        if abs(size) < 1024:
            return f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} {UNITS[-1]}"


@register.filter
def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)
