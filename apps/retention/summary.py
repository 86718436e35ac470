"""Read retention rules for the dashboard and the API: the table rows and the totals.

Both aggregates run in SQL, so the summary costs two queries at any number of rules.
"""

from typing import Any

from django.db.models import Count, F, Q, QuerySet

from .models import RetentionRule
from .severity import SEVERITY_RANK, Severity

TOP_PLANS = 20

# Severities that count as issues in the plan chart, most severe first.
ISSUE_SEVERITIES = [severity for severity in SEVERITY_RANK if severity != Severity.OK]


def rules_for_display() -> QuerySet[RetentionRule]:
    """Return the rules of current copies, most severe first, then by plan name."""
    return (
        RetentionRule.objects.filter(copy__removed_at__isnull=True)
        .select_related("commcell", "plan", "storage_policy", "copy")
        .only(
            "retention_days",
            "retention_cycles",
            "cycles_reported",
            "data_aging_enabled",
            "data_aging_reported",
            "job_based_retention",
            "extended_rules",
            "severity",
            "severity_rank",
            "reason",
            "updated_at",
            "commcell__name",
            "plan__name",
            "storage_policy__name",
            "copy__name",
            "copy__copy_precedence",
        )
        .order_by(
            "severity_rank",
            F("plan__name").asc(nulls_last=True),
            "storage_policy__name",
            "copy__copy_precedence",
            "pk",
        )
    )


def summarize(rules: QuerySet[RetentionRule]) -> dict[str, Any]:
    """Count the rules per severity and list the plans with the most issues.

    An issue is a rule whose severity is not ok. Rules of copies without a plan are
    counted per severity but left out of the plan list.
    """
    counts = dict(rules.order_by().values_list("severity").annotate(count=Count("pk")))
    severities = [
        {
            "severity": severity.value,
            "label": severity.label,
            "count": counts.get(severity, 0),
        }
        for severity in SEVERITY_RANK
    ]
    return {
        "total": sum(counts.values()),
        "severities": severities,
        "top_plans": top_plans(rules),
    }


def top_plans(rules: QuerySet[RetentionRule], limit: int = TOP_PLANS) -> list[dict]:
    """List the plans with the most issues, with the issues per severity."""
    per_severity = {
        severity.value: Count("pk", filter=Q(severity=severity))
        for severity in ISSUE_SEVERITIES
    }
    rows = (
        rules.exclude(severity=Severity.OK)
        .filter(plan__isnull=False)
        .order_by()
        .values("plan_id", "plan__name", "commcell__name")
        .annotate(issues=Count("pk"), **per_severity)
        .order_by(
            "-issues",
            *[f"-{severity.value}" for severity in ISSUE_SEVERITIES],
            "plan__name",
            "plan_id",
        )[:limit]
    )
    return [
        {
            "plan_id": row["plan_id"],
            "plan": row["plan__name"],
            "commcell": row["commcell__name"],
            "issues": row["issues"],
            **{severity.value: row[severity.value] for severity in ISSUE_SEVERITIES},
        }
        for row in rows
    ]
