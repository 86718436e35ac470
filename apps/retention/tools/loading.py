"""Turn stored copies, rules and jobs into the retention engine's inputs.

Jobs are read per storage policy, because the job history records the policy of a
job but not the copies that hold it. Every copy of a policy is analysed over the
policy's jobs, so a secondary copy that contains fewer jobs is overstated.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from itertools import groupby

from apps.commcell.models import Job, StoragePolicyCopy
from apps.retention.engine import (
    CopyRetention,
    ExtendedKind,
    ExtendedRule,
    JobRecord,
    iter_chains,
)
from apps.retention.models import RetentionRule

logger = logging.getLogger(__name__)

CHUNK_SIZE = 2_000

# Extended rule names as the collector stores them, mapped to the engine's periods.
EXTENDED_KINDS = {
    "all_fulls": ExtendedKind.ALL_FULLS,
    "hourly_fulls": ExtendedKind.HOUR,
    "daily_fulls": ExtendedKind.DAY,
    "weekly_fulls": ExtendedKind.WEEK,
    "monthly_fulls": ExtendedKind.MONTH,
    "quarterly_fulls": ExtendedKind.QUARTER,
    "half_yearly_fulls": ExtendedKind.HALF_YEAR,
    "yearly_fulls": ExtendedKind.YEAR,
}

JOB_FIELDS = (
    "job_id",
    "start_time",
    "end_time",
    "level",
    "outcome",
    "client_id",
    "client_name",
    "subclient_cv_id",
    "subclient_name",
    "media_bytes",
    "application_bytes",
    "percent_savings",
    "is_aged",
)


def extended_rules(stored: Iterable[dict]) -> tuple[ExtendedRule, ...]:
    """Convert stored extended rules to engine rules, skipping unknown rule names."""
    rules = []
    for item in stored:
        kind = EXTENDED_KINDS.get(str(item.get("rule", "")))
        if kind is None:
            logger.warning(
                "extended rule %r in slot %s has an unknown period and is ignored",
                item.get("rule"),
                item.get("slot"),
            )
            continue
        rules.append(
            ExtendedRule(
                kind=kind,
                end_days=int(item.get("end_days", 0)),
                grace_days=int(item.get("grace_days") or 0),
            )
        )
    return tuple(rules)


def copy_retention(rule: RetentionRule, copy: StoragePolicyCopy) -> CopyRetention:
    """Build the engine's view of a copy's retention from its stored rule."""
    return CopyRetention(
        days=rule.retention_days,
        cycles=rule.retention_cycles,
        cycles_reported=rule.cycles_reported,
        extended_rules=extended_rules(rule.extended_rules or []),
        data_aging_enabled=rule.data_aging_enabled,
        worm=copy.worm,
        dedup=copy.dedup_enabled,
        job_based_retention=rule.job_based_retention,
        copy_name=copy.name,
    )


def chain_key(client_id: int | None, client: str, subclient_id, subclient: str) -> str:
    """Return the key of a backup chain: one client and subclient on one policy."""
    client_part = str(client_id) if client_id is not None else f"name:{client}"
    sub_part = str(subclient_id) if subclient_id is not None else f"name:{subclient}"
    return f"{client_part}/{sub_part}"


def job_size(media_bytes: int | None, application_bytes: int | None) -> int:
    """Return the bytes a job holds on media, or its application size when unknown."""
    if media_bytes is not None:
        return media_bytes
    return application_bytes or 0


def iter_policy_jobs(storage_policy_id: int) -> Iterator[JobRecord]:
    """Yield the jobs of a storage policy in chain order, streamed from a cursor."""
    for job, _savings in iter_policy_jobs_with_savings(storage_policy_id):
        yield job


def iter_policy_jobs_with_savings(
    storage_policy_id: int,
) -> Iterator[tuple[JobRecord, float | None]]:
    """Yield each job of a storage policy with its dedup savings percent, in chain order."""
    rows = (
        Job.objects.filter(storage_policy_id=storage_policy_id)
        .order_by(
            "client_id",
            "client_name",
            "subclient_cv_id",
            "subclient_name",
            "start_time",
            "job_id",
        )
        .values_list(*JOB_FIELDS)
    )
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        (job_id, start, end, level, outcome, client_id, client, subclient_id) = row[:8]
        subclient, media, application, savings, aged = row[8:]
        record = JobRecord(
            job_id=job_id,
            start=start,
            end=end,
            level=level,
            outcome=outcome,
            chain_key=chain_key(client_id, client, subclient_id, subclient),
            size_bytes=job_size(media, application),
            aged=aged,
        )
        yield record, savings


def iter_policy_chains(storage_policy_id: int) -> Iterator[tuple[str, list[JobRecord]]]:
    """Yield ``(chain_key, jobs)`` for each chain of a storage policy, one at a time."""
    return iter_chains(iter_policy_jobs(storage_policy_id))


def iter_policy_chains_with_savings(
    storage_policy_id: int,
) -> Iterator[tuple[str, list[JobRecord], dict[int, float | None]]]:
    """Yield ``(chain_key, jobs, savings by job id)`` for each chain of a policy."""
    rows = iter_policy_jobs_with_savings(storage_policy_id)
    for key, group in groupby(rows, key=lambda row: row[0].chain_key):
        pairs = list(group)
        yield key, [job for job, _ in pairs], {job.job_id: s for job, s in pairs}
