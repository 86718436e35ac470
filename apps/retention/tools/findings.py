"""Health rules from the schedule analysis, for the findings registry.

One finding per storage policy whose chains have no completed full in twice their
measured full cadence. Such a chain keeps its open cycle, and with it every older
cycle that waits for a newer full, so its data stops aging.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from apps.core.findings import FindingData
from apps.retention.engine.cadence import plural

from .context import tool_settings
from .schedules import PolicySchedule, analyze_schedules

if TYPE_CHECKING:
    from apps.commcell.models import CommCell

OVERDUE_CODE = "retention.full_overdue"
# Chain names listed in a finding's evidence. The count covers all of them.
EVIDENCE_CHAINS = 20


def analyze_overdue_fulls(commcell: "CommCell", now: datetime) -> Iterator[FindingData]:
    """Measure the CommCell's schedules and report the policies with overdue fulls."""
    context = tool_settings(commcell, now)
    schedules = analyze_schedules(
        now, commcell.pk, aging_time=context.aging_time, offset_at=context.offset_at
    )
    return overdue_findings(schedules)


def overdue_findings(schedules: Iterable[PolicySchedule]) -> Iterator[FindingData]:
    """Report each storage policy with chains whose newest full is overdue."""
    for schedule in schedules:
        if not schedule.overdue:
            continue
        count = len(schedule.overdue)
        never = sum(1 for chain in schedule.overdue if chain.last_full is None)
        subject = schedule.storage_policy_name
        if schedule.plan_name:
            subject = f"{schedule.plan_name} / {subject}"
        yield FindingData(
            code=OVERDUE_CODE,
            severity="medium",
            subject_type="storage_policy",
            subject_id=schedule.storage_policy_id,
            subject_name=subject,
            title=(
                f"{plural(count, 'chain')} of {subject} had no completed full in "
                f"twice {'its' if count == 1 else 'their'} full cadence."
            ),
            recommendation=(
                "Check why the fulls or synthetic fulls of these clients fail or do "
                "not run. Until a new full completes, cycle-based retention keeps "
                "the open cycle and the cycles before it."
            ),
            evidence={
                "chains": count,
                "chains_without_full": never,
                "full_cadence_days": schedule.full_cadence_days,
                "synthetic_cadence_days": schedule.synthetic_cadence_days,
                "chain_names": [
                    chain.chain_name for chain in schedule.overdue[:EVIDENCE_CHAINS]
                ],
            },
        )
