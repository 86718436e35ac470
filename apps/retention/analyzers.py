"""The retention analyzer: each classified rule that is not ok becomes a finding.

The collection stores every copy's retention rule classified with an assumed weekly
full interval. This analyzer runs after the cycle analysis (``retention.cycles``),
classifies each rule again with the full interval and kept time that analysis
measured on the copy, stores the new reason, and reports the rules that are not ok.
A copy therefore states one effective retention in its rule, its findings and the
cycle analyzer.
"""

import logging
from collections.abc import Iterator
from datetime import datetime

from apps.commcell.models import CommCell
from apps.core.findings import FindingData

from .assumptions import settings_for
from .classification import (
    Classification,
    InvalidRetentionError,
    MeasuredCadence,
    classify,
)
from .models import RetentionRule
from .severity import SEVERITY_RANK, Severity

logger = logging.getLogger(__name__)

ANALYZER_NAME = "retention.rules"

# `classification.classify` gives each rule class its own severity, so the severity
# of a stored rule names its class.
CLASS_CODES = {
    Severity.CRITICAL: "retention.aging_disabled",
    Severity.HIGH: "retention.short_term_stretched",
    Severity.MEDIUM: "retention.many_cycles",
    Severity.INFO: "retention.infinite_retention",
}

RECOMMENDATIONS = {
    Severity.CRITICAL: "Enable data aging on this copy, or record why its data must "
    "be kept forever.",
    Severity.HIGH: "Lower the retention cycles to 1, so that a full stays about the "
    "days plus one full interval, or switch to days-only retention (0 cycles), so "
    "that jobs age after the days alone.",
    Severity.MEDIUM: "Check that this many cycles are needed. Retention in days "
    "with fewer cycles keeps data for a predictable time.",
    Severity.INFO: "Set a finite number of days unless the data must be kept "
    "forever, for example under a legal hold.",
}

UPDATE_BATCH_SIZE = 500


def analyze_retention_rules(commcell: CommCell, now: datetime) -> Iterator[FindingData]:
    """Reword the CommCell's rules with their measured cadence and report those not ok.

    One finding per live copy whose rule is not ok. The CommCell's days-only
    retention setting rates every rule as days-only retention. Rules whose severity
    or reason changed are saved, so the dashboard and the API show the same reason.
    """
    rules = (
        RetentionRule.objects.filter(commcell=commcell, copy__removed_at__isnull=True)
        .select_related("copy", "storage_policy", "plan", "copy__retention_summary")
        .order_by("pk")
    )
    days_only = settings_for(commcell).days_only_retention
    changed: list[RetentionRule] = []
    for rule in rules.iterator(chunk_size=2000):
        result = reclassify(rule, days_only_setting=days_only)
        if result.reason != rule.reason or result.severity != rule.severity:
            rule.severity = result.severity
            rule.severity_rank = SEVERITY_RANK[result.severity]
            rule.reason = result.reason
            changed.append(rule)
        if result.severity != Severity.OK:
            yield _finding(rule)

    RetentionRule.objects.bulk_update(
        changed, ["severity", "severity_rank", "reason"], batch_size=UPDATE_BATCH_SIZE
    )
    logger.info(
        "CommCell %s (id %s): reworded %d retention rules with their measured cadence",
        commcell.name,
        commcell.pk,
        len(changed),
    )


def measured_cadence(rule: RetentionRule) -> MeasuredCadence | None:
    """Return what the last cycle analysis measured on the rule's copy, or None."""
    summary = getattr(rule.copy, "retention_summary", None)
    if summary is None:
        return None
    return MeasuredCadence(
        full_interval_days=summary.median_full_interval_days,
        kept_days=summary.effective_retention_days,
    )


def reclassify(
    rule: RetentionRule, *, days_only_setting: bool = False
) -> Classification:
    """Classify a stored rule with its copy's measured cadence.

    ``days_only_setting`` is the CommCell's days-only retention setting, under which
    the cycles are ignored.

    A rule whose stored values are invalid keeps its stored severity and reason,
    because the collection stores no such rule and the data quality finding of the
    cycle analysis names the values.
    """
    try:
        return classify(
            rule.retention_days,
            rule.retention_cycles,
            data_aging_enabled=rule.data_aging_enabled,
            cycles_reported=rule.cycles_reported,
            data_aging_reported=rule.data_aging_reported,
            measured=measured_cadence(rule),
            days_only_setting=days_only_setting,
        )
    except InvalidRetentionError:
        logger.warning(
            "Retention rule %s of copy %s has invalid values (%s days, %s cycles), "
            "so its stored reason is kept",
            rule.pk,
            rule.copy_id,
            rule.retention_days,
            rule.retention_cycles,
        )
        return Classification(Severity(rule.severity), rule.reason)


def _finding(rule: RetentionRule) -> FindingData:
    severity = Severity(rule.severity)
    policy_name = rule.storage_policy.name
    measured = measured_cadence(rule) or MeasuredCadence()
    return FindingData(
        code=CLASS_CODES[severity],
        severity=severity.value,
        subject_type="copy",
        subject_id=rule.copy_id,
        subject_name=f"{policy_name} / {rule.copy.name}",
        title=rule.reason,
        recommendation=RECOMMENDATIONS[severity],
        evidence={
            "retention_days": rule.retention_days,
            "retention_cycles": rule.retention_cycles,
            "cycles_reported": rule.cycles_reported,
            "data_aging_enabled": rule.data_aging_enabled,
            "measured_full_interval_days": _round(measured.full_interval_days),
            "measured_kept_days": _round(measured.kept_days),
            "storage_policy": policy_name,
            "plan": rule.plan.name if rule.plan else None,
        },
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
