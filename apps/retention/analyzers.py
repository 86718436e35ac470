"""The retention analyzer: each classified rule that is not ok becomes a finding.

The collection stores every copy's retention rule already classified, so this
analyzer reads the stored rules and classifies nothing itself.
"""

from collections.abc import Iterator
from datetime import datetime

from apps.commcell.models import CommCell
from apps.core.findings import FindingData

from .models import RetentionRule
from .severity import Severity

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
    Severity.HIGH: "Lower the retention cycles to 1, or set the days to the period "
    "that must be kept, so that fulls age after the days alone.",
    Severity.MEDIUM: "Check that this many cycles are needed. Retention in days "
    "with fewer cycles keeps data for a predictable time.",
    Severity.INFO: "Set a finite number of days unless the data must be kept "
    "forever, for example under a legal hold.",
}


def analyze_retention_rules(commcell: CommCell, now: datetime) -> Iterator[FindingData]:
    """Report the CommCell's retention rules that are not ok, one per live copy."""
    rules = (
        RetentionRule.objects.filter(commcell=commcell, copy__removed_at__isnull=True)
        .exclude(severity=Severity.OK)
        .values_list(
            "copy_id",
            "copy__name",
            "storage_policy__name",
            "plan__name",
            "severity",
            "reason",
            "retention_days",
            "retention_cycles",
            "cycles_reported",
            "data_aging_enabled",
        )
        .order_by("pk")
    )
    for (
        copy_id,
        copy_name,
        policy_name,
        plan_name,
        severity,
        reason,
        days,
        cycles,
        cycles_reported,
        aging,
    ) in rules.iterator(chunk_size=2000):
        yield FindingData(
            code=CLASS_CODES[Severity(severity)],
            severity=severity,
            subject_type="copy",
            subject_id=copy_id,
            subject_name=f"{policy_name} / {copy_name}",
            title=reason,
            recommendation=RECOMMENDATIONS[Severity(severity)],
            evidence={
                "retention_days": days,
                "retention_cycles": cycles,
                "cycles_reported": cycles_reported,
                "data_aging_enabled": aging,
                "storage_policy": policy_name,
                "plan": plan_name,
            },
        )
