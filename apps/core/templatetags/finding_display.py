"""Template filters that turn the page paths in a finding's evidence into links.

Analyzers store a page of the portal in an evidence value whose name ends in
``_url`` (for example ``example_job_url``: "/jobs/42/"), so the API shows the path as
text and the finding pages show it as a link.
"""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def local_path(evidence: Any, name: str) -> str:
    """Return the evidence value ``name`` when it is a path on this portal, else ""."""
    if not isinstance(evidence, dict):
        return ""
    return _local_path(evidence.get(name))


@register.filter
def evidence_value(value: str, name: str) -> str | SafeString:
    """Show an evidence value, as a link when its name ends in ``_url``.

    Only paths on this portal ("/jobs/42/") become links. A full or scheme-relative
    URL ("//host/") stays text, so evidence cannot point a click at another site.
    """
    path = _local_path(value) if name.endswith("_url") else ""
    if not path:
        return value
    return format_html('<a href="{}">{}</a>', path, path)


def _local_path(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    return value
