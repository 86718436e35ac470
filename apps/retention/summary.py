"""Read retention rules for the dashboard and the API: the table rows and the totals.

Both aggregates run in SQL, so the summary costs two queries at any number of rules.
"""

from datetime import datetime
from typing import Any

from django.db.models import Case, Count, F, FloatField, Q, QuerySet, When
from django.db.models.functions import Cast

from apps.commcell.models import CommCell

from .analysis import (
    DELAY_FLAG_PERCENT,
    compared_job_count,
    cycle_recommendation,
    delay_percent,
)
from .assumptions import aging_clock, describe, settings_for
from .classification import INFINITE_DAYS, describe_retention
from .engine import kept_days
from .engine.cadence import plural
from .models import ChainCadence, CopyRetentionSummary, RetentionRule
from .severity import SEVERITY_RANK, Severity

TOP_PLANS = 20
# CommCells whose settings a page lists when no CommCell filter is set.
SETTINGS_LIMIT = 10

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


# The cycle analyzer, effective retention and backup success pages read the rows
# that the nightly analysis (``apps.retention.analysis``) stored.

DELAY_FLAG_RATIO = 1 + DELAY_FLAG_PERCENT / 100


def copy_rules() -> QuerySet[RetentionRule]:
    """Return the rules of current copies with each copy's stored cadence summary."""
    return (
        RetentionRule.objects.filter(copy__removed_at__isnull=True)
        .select_related(
            "commcell", "plan", "storage_policy", "copy", "copy__retention_summary"
        )
        .annotate(
            effective_days=F("copy__retention_summary__effective_retention_days"),
            delay_days=F("copy__retention_summary__retention_delay_days"),
            interval_days=F("copy__retention_summary__median_full_interval_days"),
        )
    )


def copy_summaries() -> QuerySet[CopyRetentionSummary]:
    """Return the stored summaries of every analysed copy, with its rule and plan."""
    return CopyRetentionSummary.objects.select_related(
        "commcell",
        "plan",
        "storage_policy",
        "copy",
        "retention_rule",
        "disagreement_example_job",
    ).annotate(
        delay_ratio=Case(
            When(
                retention_days__gt=0,
                then=F("effective_retention_days")
                / Cast("retention_days", FloatField()),
            ),
            default=None,
            output_field=FloatField(),
        )
    )


def delayed(
    summaries: QuerySet[CopyRetentionSummary],
) -> QuerySet[CopyRetentionSummary]:
    """Keep the summaries whose effective retention is over 30% above their days."""
    return summaries.filter(data_aging_enabled=True, delay_ratio__gt=DELAY_FLAG_RATIO)


def open_chains() -> QuerySet[ChainCadence]:
    """Return the chains whose open cycle is older than the flagging threshold.

    The threshold is the CommCell's open_cycle_factor times the retention days.
    """
    return (
        ChainCadence.objects.filter(open_cycle_flagged=True)
        .select_related("commcell", "storage_policy", "retention_rule", "copy")
        .order_by("-open_cycle_age_days", "pk")
    )


def cycle_row(summary: CopyRetentionSummary) -> dict[str, Any]:
    """Describe one copy on the cycle analyzer: values, delta and advice."""
    percent = delay_percent(summary.retention_days, summary.effective_retention_days)
    flagged = (
        summary.data_aging_enabled
        and percent is not None
        and percent > DELAY_FLAG_PERCENT
    )
    recommendation = ""
    if flagged:
        recommendation = cycle_recommendation(
            summary.retention_days or 0,
            summary.retention_cycles or 0,
            summary.median_full_interval_days,
        )
        failing_chains = summary.chains_with_failed_fulls
        if failing_chains:
            verb = "has" if failing_chains == 1 else "have"
            recommendation += (
                f" {plural(failing_chains, 'chain')} {verb} failed fulls: "
                "fix those first, because a cycle change does not close a cycle "
                "whose fulls fail."
            )
    return {
        "summary": summary,
        "delay_percent": percent,
        "flagged": flagged,
        "recommendation": recommendation,
        "compared_jobs": compared_job_count(summary),
    }


def effective_sentence(
    rule: RetentionRule,
    summary: CopyRetentionSummary | None,
    *,
    days_only: bool = False,
    cycles_when_unknown: int = 1,
) -> str:
    """Word a copy's retention, measured cadence and its one effective retention.

    The kept time is the one the cycle analysis measured. Only a copy without that
    measurement gets an estimate, ``max(C * P, D + P - 1)`` at the measured full
    interval P, and the sentence calls it one. ``days_only`` is the CommCell's
    days-only retention setting, under which the cycles are ignored.
    """
    days = rule.retention_days
    rule_days_only = rule.cycles_reported and rule.retention_cycles == 0
    cycles = rule.retention_cycles if rule.cycles_reported else cycles_when_unknown
    if days_only and not rule_days_only:
        label = f"{describe_retention(days, 0)} (days-only retention setting)"
    else:
        label = describe_retention(days, cycles)
        if not rule.cycles_reported:
            label += " (cycles not reported, assumed)"

    if not rule.data_aging_enabled:
        return f"{label}: data aging disabled, data kept forever"
    if days == INFINITE_DAYS:
        return f"{label}: data kept forever"

    interval = summary.median_full_interval_days if summary else None
    cadence = "" if interval is None else f", fulls every {interval:.1f} days"
    measured = summary.effective_retention_days if summary else None
    if measured is not None:
        return (
            f"{label}{cadence}: data kept {measured:.1f} days{_growth(measured, days)}"
        )

    if days_only or rule_days_only:
        return f"{label}: data kept about {days} days (estimate, not measured)"
    if interval is None:
        return f"{label}: not measured, full interval unknown (fewer than two fulls)"
    estimate = kept_days(days, cycles, interval)
    return (
        f"{label}{cadence}: data kept about {estimate:g} days (estimate, not "
        f"measured){_growth(estimate, days)}"
    )


def _growth(kept: float, days: int) -> str:
    percent = delay_percent(days, kept)
    return "" if percent is None else f", {percent:+.0f}%"


def settings_in_use(commcell: CommCell | None, now: datetime) -> list[dict[str, Any]]:
    """Describe the retention settings each shown CommCell's results were computed with.

    One entry per CommCell (the filtered one, or the first ``SETTINGS_LIMIT`` by
    name): its name, the aging clock with the source of its UTC offset, and one
    sentence per setting that differs from its default.
    """
    commcells = (
        [commcell]
        if commcell is not None
        else list(CommCell.objects.order_by("name", "pk")[:SETTINGS_LIMIT])
    )
    entries = []
    for item in commcells:
        settings = settings_for(item)
        clock = aging_clock(settings, item, now)
        entries.append(
            {
                "commcell": item,
                "aging_time": clock.aging_time,
                "utc_offset_minutes": clock.utc_offset_minutes,
                "clock_source": clock.source,
                "clock_sentence": clock.sentence,
                "cycles_when_unknown": settings.cycles_when_unknown,
                "open_cycle_factor": settings.open_cycle_factor,
                "changed": describe(settings, with_clock=False),
            }
        )
    return entries
