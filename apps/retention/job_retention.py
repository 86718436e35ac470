"""Date one job's aging: run the engine on the jobs of that job's chain only.

A chain is the jobs of one client and subclient on one storage policy. The rule is
the retention of the policy's primary copy (copy precedence 1), as in the SQL
cadence analysis. The work is bounded by the chain's job count.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from apps.commcell.models import Job

from .analysis import copy_retention
from .engine import (
    ChainResult,
    JobRecord,
    JobVerdict,
    Reason,
    evaluate_chain,
)
from .models import RetentionRule

logger = logging.getLogger(__name__)

# Cycles shown on each side of the job's own cycle.
CYCLES_AROUND = 2

REASON_LABELS = {
    Reason.BASIC_DAYS: "basic retention days",
    Reason.BASIC_CYCLES: "basic retention cycles",
    Reason.EXTENDED_RETENTION: "extended retention",
    Reason.WAITING_AUX_COPY: "waiting for an auxiliary copy",
    Reason.INFINITE_RETENTION: "infinite retention",
    Reason.AGING_DISABLED: "data aging disabled",
    Reason.MANUAL_RETENTION: "manual retention",
    Reason.JOB_RUNNING: "job running",
    Reason.ELIGIBLE: "eligible to age",
    Reason.AGED: "aged",
}


@dataclass(frozen=True)
class CycleJobs:
    """One cycle of the chain with its jobs and their verdicts, oldest job first."""

    index: int
    rows: list[tuple[Job, JobVerdict]]
    contains_job: bool


@dataclass(frozen=True)
class JobRetention:
    """The verdict of one job, its chain result and the cycles around it.

    ``rule`` is None when the job has no storage policy or the policy's primary copy
    has no retention rule. Then ``verdict`` and ``result`` are None too.
    """

    job: Job
    rule: RetentionRule | None
    verdict: JobVerdict | None
    result: ChainResult | None
    cycles: list[CycleJobs]
    chain_job_count: int
    missing_rule_reason: str = ""

    @property
    def reason_label(self) -> str:
        return REASON_LABELS[self.verdict.reason] if self.verdict else ""


def chain_jobs(job: Job) -> list[Job]:
    """Return the jobs of ``job``'s chain, oldest first, through the policy index."""
    return list(
        Job.objects.filter(
            commcell_id=job.commcell_id,
            storage_policy_id=job.storage_policy_id,
            client_id=job.client_id,
            subclient_cv_id=job.subclient_cv_id,
        ).order_by("start_time", "job_id")
    )


def primary_rule(job: Job) -> RetentionRule | None:
    """Return the retention rule of the primary copy of the job's storage policy."""
    if job.storage_policy_id is None:
        return None
    return (
        RetentionRule.objects.filter(
            storage_policy_id=job.storage_policy_id,
            copy__copy_precedence=1,
            copy__removed_at__isnull=True,
        )
        .select_related("copy", "plan", "storage_policy")
        .order_by("copy_id")
        .first()
    )


def job_record(job: Job) -> JobRecord:
    """Convert a job row to the engine's input, with the media size as its size."""
    return JobRecord(
        job_id=job.job_id,
        start=job.start_time,
        end=job.end_time,
        level=job.level,
        outcome=job.outcome,
        chain_key=f"{job.client_id}/{job.subclient_cv_id}",
        size_bytes=max(job.media_bytes or 0, 0),
        aged=job.is_aged,
    )


def job_retention(job: Job, now: datetime) -> JobRetention:
    """Run the engine on the job's chain and return its verdict and nearby cycles."""
    rule = primary_rule(job)
    if rule is None:
        reason = (
            "The job has no storage policy, so no copy retention applies."
            if job.storage_policy_id is None
            else "The primary copy of the job's storage policy has no retention "
            "rule yet. It appears after the next collection of storage policies."
        )
        return JobRetention(job, None, None, None, [], 0, reason)

    jobs = chain_jobs(job)
    result = evaluate_chain(
        [job_record(row) for row in jobs],
        copy_retention(rule),
        now,
        chain_key=f"{job.client_name} / {job.subclient_name}",
    )
    logger.debug(
        "job %s (id %s): chain of %d jobs evaluated on copy %s",
        job.job_id,
        job.pk,
        len(jobs),
        rule.copy_id,
    )

    verdicts = {verdict.job_id: verdict for verdict in result.verdicts}
    verdict = verdicts.get(job.job_id)
    return JobRetention(
        job=job,
        rule=rule,
        verdict=verdict,
        result=result,
        cycles=_cycles_around(jobs, verdicts, verdict),
        chain_job_count=len(jobs),
    )


def _cycles_around(
    jobs: list[Job], verdicts: dict[int, JobVerdict], verdict: JobVerdict | None
) -> list[CycleJobs]:
    if verdict is None:
        return []

    low = verdict.cycle_index - CYCLES_AROUND
    high = verdict.cycle_index + CYCLES_AROUND
    by_cycle: dict[int, list[tuple[Job, JobVerdict]]] = {}
    for row in jobs:
        row_verdict = verdicts.get(row.job_id)
        if row_verdict is None or not low <= row_verdict.cycle_index <= high:
            continue
        by_cycle.setdefault(row_verdict.cycle_index, []).append((row, row_verdict))
    return [
        CycleJobs(index, rows, index == verdict.cycle_index)
        for index, rows in sorted(by_cycle.items())
    ]
