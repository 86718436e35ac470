"""Turn stored copies, rules and jobs into the retention engine's inputs.

The job history records the storage policy of a job but not the copies that hold
it. A primary copy is analysed over its policy's jobs. A secondary copy is
analysed over the jobs the CommServe lists as copied to it (``JobOnCopy``), with
the aged flag of that list. When that list was never collected, the secondary copy
falls back to the policy's jobs and its result is marked as an estimate, because
it then counts jobs the copy does not hold. Manual retention (a job's own retain
until date, or infinite) comes from the copy's ``JobOnCopy`` rows retained by User.

What the CommServe lists overrides the rules, because data aging acts on it:

- a job listed as aged on the copy counts as aged, and so does a primary copy's
  job that ended before the last read of the copy's job list but is not in it.
  The primary copy lists every completed job until the job ages. It lists no
  failed or killed job, so those count as aged too and are never eligible;
- a job the CommServe lists with infinite retention, or a job of a client with
  data aging disabled, counts as kept forever (pinned).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from django.db.models import Exists, F, Max, OuterRef, Subquery

from apps.commcell.models import Job, JobOnCopy, StoragePolicyCopy
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

ESTIMATE_NOTE = (
    "Job list of this copy not collected; analysed over the policy's jobs, which "
    "overstates it."
)


@dataclass(frozen=True, slots=True)
class CopyJobSource:
    """The source of a copy's jobs.

    With ``own_list`` the jobs the CommServe lists on the copy (``JobOnCopy``) are
    read, else the storage policy's jobs. ``estimate`` is the note shown when a
    secondary copy falls back to the policy's jobs, else "". ``listed_at`` is the
    time of the last read of a primary copy's job list, or None when it was never
    read: a job that ended before it and is not listed has aged.
    """

    copy_id: int
    storage_policy_id: int
    own_list: bool
    estimate: str = ""
    listed_at: datetime | None = None


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


def copy_retention(
    rule: RetentionRule, copy: StoragePolicyCopy, *, days_only: bool = False
) -> CopyRetention:
    """Build the engine's view of a copy's retention from its stored rule.

    ``days_only`` is the CommCell's days-only retention setting
    (``RetentionSettings.days_only_retention``), which no API reports.
    """
    return CopyRetention(
        days=rule.retention_days,
        cycles=rule.retention_cycles,
        cycles_reported=rule.cycles_reported,
        extended_rules=extended_rules(rule.extended_rules or []),
        data_aging_enabled=rule.data_aging_enabled,
        days_only=days_only,
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


def job_size(
    media_bytes: int | None,
    application_bytes: int | None,
    savings_percent: float | None = None,
) -> int:
    """Return the bytes a job wrote to media, estimated when the CommServe gave none.

    The media size ("data written") is the application size after deduplication
    and compression, so without it the application size times (1 - savings) is
    used, and the application size alone when the savings are unknown too.
    """
    if media_bytes is not None:
        return media_bytes
    if application_bytes is None:
        return 0
    if savings_percent is None:
        return application_bytes
    # Hundredths of a percent in integers, so 100 GiB at 80 % is exactly 20 GiB.
    kept = 10_000 - round(min(max(savings_percent, 0.0), 100.0) * 100)
    return application_bytes * kept // 10_000


def is_secondary(copy: StoragePolicyCopy) -> bool:
    """Return True for a copy after the primary (copy precedence 2 or more)."""
    return (copy.copy_precedence or 1) > 1


def job_list_collected(copy: StoragePolicyCopy) -> bool:
    """Return True when the CommServe's job list of the copy was collected."""
    return JobOnCopy.objects.filter(copy_id=copy.pk).exists()


def job_list_read_at(copy_id: int) -> datetime | None:
    """Return when the copy's job list was last read, or None when it never was.

    Every read stamps the rows it lists with its time, so the newest row gives it.
    """
    # NOTE: no read time is stored per copy, so a read that listed no job at all
    # counts as no read.
    return JobOnCopy.objects.filter(copy_id=copy_id).aggregate(
        newest=Max("collected_at")
    )["newest"]


def copy_job_source(copy: StoragePolicyCopy) -> CopyJobSource:
    """Decide which jobs a copy is analysed over, and whether that is an estimate."""
    if not is_secondary(copy):
        return CopyJobSource(
            copy.pk,
            copy.storage_policy_id,
            own_list=False,
            listed_at=job_list_read_at(copy.pk),
        )
    if job_list_collected(copy):
        return CopyJobSource(copy.pk, copy.storage_policy_id, own_list=True)
    logger.debug(
        "copy %s (policy %s): job list not collected, using the policy's jobs",
        copy.pk,
        copy.storage_policy_id,
    )
    return CopyJobSource(
        copy.pk, copy.storage_policy_id, own_list=False, estimate=ESTIMATE_NOTE
    )


def manual_retention(copy_id: int) -> dict[int, tuple[datetime | None, bool]]:
    """Return ``{job_id: (retain_until, pinned)}`` of the copy's manually retained jobs.

    The CommServe lists these jobs with "retained by" User. Manual retention is set
    per job, so the rows are few and fit in memory.
    """
    rows = JobOnCopy.objects.filter(
        copy_id=copy_id, retained_by=JobOnCopy.RetainedBy.USER
    ).values_list("job_id", "retain_until", "retain_infinite")
    return {job_id: (until, infinite) for job_id, until, infinite in rows}


def _copy_job_rows(source: CopyJobSource):
    """Return the job rows of a copy in chain order, with the copy's row for each.

    A copy with its own job list reads the jobs the CommServe lists as copied to
    it. Otherwise it reads the policy's jobs. Each row carries the aged and the
    infinite flag of the job's ``JobOnCopy`` row on the copy (None when the copy
    does not list the job) and the data aging flag of the job's client.
    """
    rows = Job.objects.filter(storage_policy_id=source.storage_policy_id)
    on_copy = JobOnCopy.objects.filter(
        copy_id=source.copy_id, job_id=OuterRef("job_id")
    )
    if source.own_list:
        rows = rows.filter(Exists(on_copy.filter(copied_time__isnull=False)))
    rows = rows.annotate(
        aged_on_copy=Subquery(on_copy.values("is_aged")[:1]),
        infinite_on_copy=Subquery(on_copy.values("retain_infinite")[:1]),
        client_aging=F("client__data_aging_enabled"),
    )
    return rows.order_by(
        "client_id",
        "client_name",
        "subclient_cv_id",
        "subclient_name",
        "start_time",
        "job_id",
    ).values_list(*JOB_FIELDS, "aged_on_copy", "infinite_on_copy", "client_aging")


def _aged(
    row_aged: bool,
    aged_on_copy: bool | None,
    end: datetime | None,
    source: CopyJobSource,
) -> bool:
    """Decide whether a job has aged on the copy, from the CommServe's lists."""
    if aged_on_copy is not None:
        return aged_on_copy
    if source.listed_at is not None and end is not None and end <= source.listed_at:
        # The primary copy's last read no longer lists a job that had ended.
        return True
    return row_aged


def iter_source_jobs(source: CopyJobSource) -> Iterator[JobRecord]:
    """Yield each job of a copy's job source in chain order, streamed from a cursor."""
    # A source without a copy (copy_id 0) reads a policy's jobs with no manual rows.
    manual = manual_retention(source.copy_id) if source.copy_id else {}
    for row in _copy_job_rows(source).iterator(chunk_size=CHUNK_SIZE):
        (job_id, start, end, level, outcome, client_id, client, subclient_id) = row[:8]
        subclient, media, application, savings, row_aged = row[8:13]
        aged_on_copy, infinite_on_copy, client_aging = row[13:]
        manual_until, pinned = manual.get(job_id, (None, False))
        # The CommServe keeps these jobs forever, whatever date the rules give.
        kept_forever = bool(infinite_on_copy) or client_aging is False
        record = JobRecord(
            job_id=job_id,
            start=start,
            end=end,
            level=level,
            outcome=outcome,
            chain_key=chain_key(client_id, client, subclient_id, subclient),
            manual_retain_until=None if pinned else manual_until,
            pinned=pinned or kept_forever,
            size_bytes=job_size(media, application, savings),
            aged=_aged(row_aged, aged_on_copy, end, source),
        )
        yield record


def iter_source_chains(
    source: CopyJobSource,
) -> Iterator[tuple[str, list[JobRecord]]]:
    """Yield ``(chain_key, jobs)`` for each chain of a copy's job source."""
    for key, group in groupby(iter_source_jobs(source), key=lambda job: job.chain_key):
        yield key, list(group)


def iter_copy_chains(copy: StoragePolicyCopy) -> Iterator[tuple[str, list[JobRecord]]]:
    """Yield ``(chain_key, jobs)`` for each chain of a copy, one at a time."""
    return iter_source_chains(copy_job_source(copy))


def iter_policy_jobs(storage_policy_id: int) -> Iterator[JobRecord]:
    """Yield the jobs of a storage policy in chain order, streamed from a cursor."""
    return iter_source_jobs(CopyJobSource(0, storage_policy_id, own_list=False))


def iter_policy_chains(storage_policy_id: int) -> Iterator[tuple[str, list[JobRecord]]]:
    """Yield ``(chain_key, jobs)`` for each chain of a storage policy, one at a time."""
    return iter_chains(iter_policy_jobs(storage_policy_id))
