"""Template filter for pool status labels.

Sizes in MB use `binary_size_mib` from the `tool_units` library, because the
CommServe's MB are 1,048,576 bytes and every page labels them in binary units.
"""

from django import template

from apps.storage.analysis import STATUS_LABELS

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)
