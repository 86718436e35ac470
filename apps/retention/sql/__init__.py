"""Cycle cadence and per-job eligibility computed in SQL over the whole job table.

Each entry point picks the fragments for the database in use (PostgreSQL, or SQLite
for the quick start) and runs set-based statements: the result tables are rewritten
with ``INSERT ... SELECT`` inside one transaction, and per-job results stream from a
cursor. Memory in Python stays flat whatever the job count.

Which rule applies: the retention rule of the storage policy's primary copy (copy
precedence 1). Secondary copies, extended retention, manual retention and auxiliary
copy waits are not part of this analysis: ``apps.retention.engine`` covers them per
chain in Python.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from . import queries
from .dialects import dialect_for

logger = logging.getLogger(__name__)

# Data aging runs daily at 12:00 CommServe time by default.
DEFAULT_AGING_TIME = time(12, 0)
# Cycles assumed when the CommServe did not report them.
CYCLES_WHEN_UNKNOWN = 1
FETCH_SIZE = 5_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class JobEligibility:
    """Whether one job may age now, and until when the rules keep it."""

    id: int
    job_id: int
    commcell_id: int
    storage_policy_id: int
    client_id: int | None
    subclient_cv_id: int | None
    cycle_no: int
    start_time: datetime
    reason: str
    retain_until: datetime | None


@dataclass(frozen=True, slots=True)
class RefreshCounts:
    chains: int
    copies: int


def refresh(
    commcell_id: int | None = None,
    *,
    now: datetime | None = None,
    aging_time: time = DEFAULT_AGING_TIME,
    aging_utc_offset_minutes: int = 0,
) -> RefreshCounts:
    """Rewrite ChainCadence and CopyRetentionSummary rows in one transaction.

    ``commcell_id`` limits the work to one CommCell; None analyses every CommCell.
    Jobs that start after ``now`` are ignored, so a past moment can be replayed.
    """
    params = _params(commcell_id, None, now, aging_time, aging_utc_offset_minutes)
    dialect = dialect_for(connection.vendor)
    commcell = commcell_id is not None
    chain_scope = queries.scope_filter(commcell=commcell, storage_policy=False)
    where = "WHERE commcell_id = %(commcell_id)s" if commcell else ""

    with transaction.atomic(), connection.cursor() as cursor:
        if dialect.session_setup:
            cursor.execute(dialect.session_setup)

        cursor.execute(f"DELETE FROM retention_copyretentionsummary {where}", params)
        cursor.execute(f"DELETE FROM retention_chaincadence {where}", params)
        cursor.execute(
            _insert(
                "retention_chaincadence",
                queries.CHAIN_COLUMNS,
                queries.chain_select(dialect, chain_scope),
            ),
            params,
        )
        chains = cursor.rowcount
        cursor.execute(
            _insert(
                "retention_copyretentionsummary",
                queries.SUMMARY_COLUMNS,
                queries.copy_summary_select(commcell=commcell),
            ),
            params,
        )
        copies = cursor.rowcount

    logger.info(
        "Retention cadence refreshed for commcell %s: %d chains, %d copies",
        "all" if commcell_id is None else commcell_id,
        chains,
        copies,
    )
    return RefreshCounts(chains=chains, copies=copies)


def job_eligibility(
    *,
    commcell_id: int | None = None,
    storage_policy_id: int | None = None,
    now: datetime | None = None,
    aging_time: time = DEFAULT_AGING_TIME,
    aging_utc_offset_minutes: int = 0,
) -> Iterator[JobEligibility]:
    """Yield the eligibility of every job of a CommCell or one storage policy.

    Rows come in chain order, then by start time and job id. With a storage policy
    the database reads that policy's jobs through the job table's storage policy
    index, which keeps the query for one plan or copy fast. Reason codes are listed in
    ``queries.REASONS``; "no_rule" marks jobs whose policy has no usable rule on its
    primary copy. The iterator keeps a transaction open until it is exhausted or
    closed, so consume it fully or close it.
    """
    params = _params(
        commcell_id, storage_policy_id, now, aging_time, aging_utc_offset_minutes
    )
    dialect = dialect_for(connection.vendor)
    scope = queries.scope_filter(
        commcell=commcell_id is not None, storage_policy=storage_policy_id is not None
    )
    sql = queries.job_select(dialect, scope)

    with transaction.atomic():
        with connection.cursor() as cursor:
            if dialect.session_setup:
                cursor.execute(dialect.session_setup)
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(FETCH_SIZE):
                for row in rows:
                    yield _job_row(row)


def job_eligibility_for_plan(plan_id: int, **kwargs) -> Iterator[JobEligibility]:
    """Yield the eligibility of the jobs of a plan's storage policy."""
    from apps.commcell.models import Plan

    plan = Plan.objects.get(pk=plan_id)
    if plan.storage_policy_id is None:
        raise ValueError(
            f"Plan {plan.name!r} (id {plan_id}) has no storage policy, so its jobs "
            "have no retention rule; collect the plan's storage policy first."
        )
    return job_eligibility(storage_policy_id=plan.storage_policy_id, **kwargs)


def job_eligibility_for_copy(copy_id: int, **kwargs) -> Iterator[JobEligibility]:
    """Yield the eligibility of the jobs of a copy's storage policy.

    The rule applied is always the primary copy's, whichever copy is given.
    """
    from apps.commcell.models import StoragePolicyCopy

    copy = StoragePolicyCopy.objects.get(pk=copy_id)
    return job_eligibility(storage_policy_id=copy.storage_policy_id, **kwargs)


def _insert(table: str, columns: tuple[str, ...], select: str) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) {select}"


def _params(
    commcell_id: int | None,
    storage_policy_id: int | None,
    now: datetime | None,
    aging_time: time,
    aging_utc_offset_minutes: int,
) -> dict:
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError(
            f"The analysis time {now.isoformat()} has no time zone; pass an aware "
            "datetime such as django.utils.timezone.now()."
        )

    local_minutes = aging_time.hour * 60 + aging_time.minute
    offset_ms = ((local_minutes - aging_utc_offset_minutes) % 1440) * 60_000
    now_ms = _to_ms(now)
    last_run_ms = (now_ms - offset_ms) // queries.DAY_MS * queries.DAY_MS + offset_ms
    return {
        "now": connection.ops.adapt_datetimefield_value(now),
        "now_ms": now_ms,
        "last_run_ms": last_run_ms,
        "offset_ms": offset_ms,
        "cycles_unknown": CYCLES_WHEN_UNKNOWN,
        "commcell_id": commcell_id,
        "storage_policy_id": storage_policy_id,
    }


def _to_ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def _from_ms(value: int) -> datetime:
    return EPOCH + timedelta(milliseconds=value)


def _job_row(row: tuple) -> JobEligibility:
    (pk, job_id, commcell_id, policy_id, client_id, subclient, cycle_no) = row[:7]
    start_ms, reason, retain_ms = row[7:]
    return JobEligibility(
        id=pk,
        job_id=job_id,
        commcell_id=commcell_id,
        storage_policy_id=policy_id,
        client_id=client_id,
        subclient_cv_id=subclient,
        cycle_no=cycle_no,
        start_time=_from_ms(start_ms),
        reason=reason,
        retain_until=None if retain_ms is None else _from_ms(retain_ms),
    )
