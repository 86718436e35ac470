"""Read findings for the findings page and the API: the table rows and the totals."""

from typing import Any

from django.db.models import Count, QuerySet

from .finding_filters import FINDING_SEVERITIES
from .models import Finding

# Codes are a bounded set (one per rule and log matcher), so the summary lists them all
# up to this cap, which only a runaway set of custom matchers would reach.
TOP_CODES = 200


def findings_for_display() -> QuerySet[Finding]:
    """Return findings most severe first, then most recently seen."""
    return Finding.objects.select_related("commcell").order_by(
        "severity_rank", "-last_seen_at", "-id"
    )


def summarize(findings: QuerySet[Finding]) -> dict[str, Any]:
    """Count the findings per severity and per code, in two SQL aggregates."""
    plain = findings.order_by()
    counts = dict(plain.values_list("severity").annotate(count=Count("pk")))
    severities = [
        {"severity": value, "label": label, "count": counts.get(value, 0)}
        for value, label in FINDING_SEVERITIES
    ]
    codes = [
        {"code": code, "count": count}
        for code, count in plain.values_list("code")
        .annotate(count=Count("pk"))
        .order_by("-count", "code")[:TOP_CODES]
    ]
    return {
        "total": sum(counts.values()),
        "severities": severities,
        "codes": codes,
    }
