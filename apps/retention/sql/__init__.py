"""Cycle cadence and per-job eligibility computed in SQL over the whole job table.

Each entry point picks the fragments for the database in use (PostgreSQL, or SQLite
for the quick start) and runs set-based statements: the result tables are rewritten
with ``INSERT ... SELECT`` inside one transaction, and per-job results stream from a
cursor. Memory in Python stays flat whatever the job count.

Which jobs and rule apply: the primary copy (copy precedence 1) of a storage policy
contains the policy's jobs, and each active secondary copy contains the jobs the CommServe
lists on it (``JobOnCopy``), each under that copy's retention rule. A manual
retain-until date set by a user (``JobOnCopy.retained_by`` 4) extends a job's date.
Data aging switched off on the copy or on the job's client keeps the job with the
reason "aging_disabled". The CommCell's ``RetentionSettings`` set the aging clock, the
cycles assumed when unknown, days-only retention, which fulls start a cycle and when
an open cycle is flagged. An aging clock in a zone with daylight saving time reads
each local date's run from a temporary table (``clock``). Extended rules and
auxiliary copy waits are not applied here: ``apps.retention.engine`` covers them per
chain in Python. A job the CommServe keeps by extended retention (``retained_by`` 2)
takes the CommServe's date with the reason "extended_retention", is not counted as
eligible, and is not compared with the CommServe's dates but counted apart.
"""

import itertools
import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from . import queries
from .clock import AgingRuns, aging_runs, date_range
from .dialects import Dialect, dialect_for

if TYPE_CHECKING:
    from apps.retention.models import RetentionSettings

logger = logging.getLogger(__name__)

FETCH_SIZE = 5_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Numbers the temporary tables of aging runs, so that two streams open at once on
# one connection each have their own.
_RUNS_TABLE_NUMBERS = itertools.count(1)


@dataclass(frozen=True, slots=True)
class JobEligibility:
    """Whether one job may age now from one copy, and until when the rules keep it.

    ``disagrees`` is True when the CommServe's own retain-until date or aged flag
    for the job on that copy differs from the computed one (see ``queries``). It is
    False for a job the CommServe keeps by extended retention, which is not compared.
    """

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
    copy_id: int | None = None
    disagrees: bool = False


@dataclass(frozen=True, slots=True)
class RefreshCounts:
    chains: int
    copies: int


@dataclass(frozen=True, slots=True)
class AnalysisSettings:
    """The settings one statement runs with, resolved from ``RetentionSettings``."""

    aging_time: time
    aging_utc_offset_minutes: int
    aging_clock_source: str
    # The IANA zone whose daylight saving time the aging runs follow, or "".
    aging_time_zone: str
    cycles_when_unknown: int
    days_only_retention: bool
    errors_full_starts_cycle: bool
    synthetic_full_starts_cycle: bool
    open_cycle_factor: float
    disagreement_tolerance_days: float


def analysis_settings(
    commcell_id: int, now: datetime, settings: "RetentionSettings | None" = None
) -> AnalysisSettings:
    """Resolve a CommCell's retention settings (stored or default) at ``now``."""
    from apps.commcell.models import CommCell
    from apps.retention.assumptions import aging_clock, settings_for

    commcell = CommCell.objects.get(pk=commcell_id)
    settings = settings or settings_for(commcell)
    clock = aging_clock(settings, commcell, now)
    return AnalysisSettings(
        aging_time=clock.aging_time,
        aging_utc_offset_minutes=clock.utc_offset_minutes,
        aging_clock_source=clock.source,
        aging_time_zone=clock.time_zone,
        cycles_when_unknown=settings.cycles_when_unknown,
        days_only_retention=settings.days_only_retention,
        errors_full_starts_cycle=settings.errors_full_starts_cycle,
        synthetic_full_starts_cycle=settings.synthetic_full_starts_cycle,
        open_cycle_factor=settings.open_cycle_factor,
        disagreement_tolerance_days=settings.disagreement_tolerance_days,
    )


def refresh(
    commcell_id: int | None = None,
    *,
    now: datetime | None = None,
    settings: "RetentionSettings | None" = None,
) -> RefreshCounts:
    """Rewrite ChainCadence and CopyRetentionSummary rows in one transaction.

    ``commcell_id`` limits the work to one CommCell; None analyses every CommCell,
    each with its own settings. ``settings`` replaces the stored settings of the one
    CommCell. Jobs that start after ``now`` are ignored, so a past moment can be
    replayed.
    """
    from apps.commcell.models import CommCell

    now = _aware(now)
    if commcell_id is None:
        if settings is not None:
            raise ValueError(
                "Settings apply to one CommCell; pass its commcell_id with them."
            )
        ids = list(CommCell.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = [commcell_id]

    chains = copies = 0
    with transaction.atomic():
        for one_id in ids:
            counts = _refresh_one(one_id, now, analysis_settings(one_id, now, settings))
            chains += counts.chains
            copies += counts.copies
    return RefreshCounts(chains=chains, copies=copies)


def _refresh_one(
    commcell_id: int, now: datetime, resolved: AnalysisSettings
) -> RefreshCounts:
    runs = _zone_runs(commcell_id, now, resolved)
    params = _params(commcell_id, None, None, now, resolved, runs)
    dialect = dialect_for(connection.vendor)
    chain_scope = queries.scope_filter(commcell=True, storage_policy=False)
    where = "WHERE commcell_id = %(commcell_id)s"

    with connection.cursor() as cursor, _runs_table(runs, dialect) as runs_table:
        for statement in dialect.session_setup:
            cursor.execute(statement)

        cursor.execute(f"DELETE FROM retention_copyretentionsummary {where}", params)
        cursor.execute(f"DELETE FROM retention_chaincadence {where}", params)
        cursor.execute(
            _insert(
                "retention_chaincadence",
                queries.CHAIN_COLUMNS,
                queries.chain_select(dialect, chain_scope, runs_table),
            ),
            params,
        )
        chains = cursor.rowcount
        cursor.execute(
            _insert(
                "retention_copyretentionsummary",
                queries.SUMMARY_COLUMNS,
                queries.copy_summary_select(dialect, commcell=True),
            ),
            params,
        )
        copies = cursor.rowcount

    logger.info(
        "Retention cadence refreshed for commcell %s: %d chains, %d copies",
        commcell_id,
        chains,
        copies,
    )
    return RefreshCounts(chains=chains, copies=copies)


def job_eligibility(
    *,
    commcell_id: int | None = None,
    storage_policy_id: int | None = None,
    copy_id: int | None = None,
    every_copy: bool = False,
    now: datetime | None = None,
    settings: "RetentionSettings | None" = None,
) -> Iterator[JobEligibility]:
    """Yield the eligibility of every job of a CommCell, a storage policy or a copy.

    By default only primary copies are read, one row per job. ``every_copy`` adds a
    row per secondary copy that lists the job, and ``copy_id`` reads that copy only.
    The CommCell's stored settings apply unless ``settings`` is given. Rows come in
    chain order, then by start time and job id. With a storage policy the database
    reads that policy's jobs through the job table's storage policy index, which
    keeps the query for one plan or copy fast. Reason codes are listed in
    ``queries.REASONS``; "no_rule" marks jobs whose copy has no usable rule. The
    iterator keeps a transaction open until it is exhausted or closed, so consume it
    fully or close it.
    """
    now = _aware(now)
    owner = _owning_commcell(commcell_id, storage_policy_id, copy_id)
    resolved = analysis_settings(owner, now, settings)
    runs = _zone_runs(owner, now, resolved)
    params = _params(commcell_id, storage_policy_id, copy_id, now, resolved, runs)
    dialect = dialect_for(connection.vendor)
    scope = queries.scope_filter(
        commcell=commcell_id is not None, storage_policy=storage_policy_id is not None
    )

    stream_transaction = (
        transaction.atomic() if dialect.stream_in_transaction else nullcontext()
    )
    with stream_transaction, _runs_table(runs, dialect) as runs_table:
        sql = queries.job_select(
            dialect,
            scope,
            every_copy=every_copy,
            copy=copy_id is not None,
            runs_table=runs_table,
        )
        with connection.cursor() as cursor:
            for statement in dialect.session_setup:
                cursor.execute(statement)
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
    """Yield the eligibility of the jobs on one copy under that copy's rule.

    A primary copy contains its storage policy's jobs. A secondary copy contains the
    jobs collected for it, so it yields nothing until they are collected.
    """
    return job_eligibility(copy_id=copy_id, **kwargs)


def _owning_commcell(
    commcell_id: int | None, storage_policy_id: int | None, copy_id: int | None
) -> int:
    from apps.commcell.models import StoragePolicy, StoragePolicyCopy

    if commcell_id is not None:
        return commcell_id
    if copy_id is not None:
        copy = StoragePolicyCopy.objects.filter(pk=copy_id).first()
        if copy is None:
            raise ValueError(f"Storage policy copy {copy_id} does not exist.")
        return copy.commcell_id
    if storage_policy_id is not None:
        policy = StoragePolicy.objects.filter(pk=storage_policy_id).first()
        if policy is None:
            raise ValueError(f"Storage policy {storage_policy_id} does not exist.")
        return policy.commcell_id
    raise ValueError(
        "Pass commcell_id, storage_policy_id or copy_id: the settings of the "
        "CommCell decide the results."
    )


def _zone_runs(
    commcell_id: int, now: datetime, resolved: AnalysisSettings
) -> AgingRuns | None:
    """Return the aging runs per local date when the zone's offset changes, or None.

    The table covers the CommCell's first job to the analysis moment plus its
    longest retention in days. Without a zone, or in a zone whose offset stays the
    same over that range, the fixed offset gives the same runs.
    """
    from django.db.models import Max, Min

    from apps.commcell.models import Job
    from apps.retention.models import RetentionRule

    if not resolved.aging_time_zone:
        return None
    first = Job.objects.filter(commcell_id=commcell_id).aggregate(
        first=Min("start_time")
    )["first"]
    if first is None:
        return None
    longest = RetentionRule.objects.filter(commcell_id=commcell_id).aggregate(
        longest=Max("retention_days")
    )["longest"]

    runs = aging_runs(
        resolved.aging_time_zone,
        resolved.aging_time,
        *date_range(first, now, longest or 0),
    )
    return runs if runs.changes_offset else None


@contextmanager
def _runs_table(runs: AgingRuns | None, dialect: Dialect) -> Iterator[str | None]:
    """Create a temporary table of the aging runs, yield its name, then drop it.

    Yields None without runs. The table is dropped at the end, and where that fails
    after an error the rollback removes it; PostgreSQL also drops it at commit.
    """
    if runs is None:
        yield None
        return

    name = f"{dialect.temp_schema}.retention_aging_runs_{next(_RUNS_TABLE_NUMBERS)}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {name} (day_no BIGINT PRIMARY KEY, "
            f"run_ms BIGINT NOT NULL) {dialect.temp_table_end}"
        )
        cursor.executemany(
            f"INSERT INTO {name} (day_no, run_ms) VALUES (%s, %s)", runs.rows
        )

    try:
        yield name
    finally:
        _drop_table(name)


def _drop_table(name: str) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
    except DatabaseError as error:
        # After a failed statement PostgreSQL rejects every statement until the
        # rollback, and the rollback removes the table.
        logger.info("Temporary table %s is left to the rollback: %s", name, error)


def _insert(table: str, columns: tuple[str, ...], select: str) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) {select}"


def _aware(now: datetime | None) -> datetime:
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError(
            f"The analysis time {now.isoformat()} has no time zone; pass an aware "
            "datetime such as django.utils.timezone.now()."
        )
    return now


def _params(
    commcell_id: int | None,
    storage_policy_id: int | None,
    copy_id: int | None,
    now: datetime,
    resolved: AnalysisSettings,
    runs: AgingRuns | None = None,
) -> dict:
    aging_time = resolved.aging_time
    local_minutes = aging_time.hour * 60 + aging_time.minute
    utc_minutes = (local_minutes - resolved.aging_utc_offset_minutes) % 1440
    offset_ms = utc_minutes * 60_000
    now_ms = _to_ms(now)
    last_run_ms = (now_ms - offset_ms) // queries.DAY_MS * queries.DAY_MS + offset_ms
    if runs is not None:
        last_run_ms = runs.last_run_ms(now_ms) or last_run_ms
    tolerance_ms = round(resolved.disagreement_tolerance_days * queries.DAY_MS)
    return {
        "now": connection.ops.adapt_datetimefield_value(now),
        "now_ms": now_ms,
        "last_run_ms": last_run_ms,
        "offset_ms": offset_ms,
        "cycles_unknown": resolved.cycles_when_unknown,
        "days_only": int(resolved.days_only_retention),
        "errors_full": int(resolved.errors_full_starts_cycle),
        "synthetic_full": int(resolved.synthetic_full_starts_cycle),
        "open_cycle_factor": float(resolved.open_cycle_factor),
        "tolerance_ms": tolerance_ms,
        "zone_min_offset_ms": runs.min_offset_ms if runs is not None else 0,
        "commcell_id": commcell_id,
        "storage_policy_id": storage_policy_id,
        "copy_id": copy_id,
    }


def _to_ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def _from_ms(value: int) -> datetime:
    return EPOCH + timedelta(milliseconds=value)


def _job_row(row: tuple) -> JobEligibility:
    (pk, job_id, commcell_id, policy_id, client_id, subclient, cycle_no) = row[:7]
    start_ms, reason, retain_ms, copy_id, disagrees = row[7:]
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
        copy_id=copy_id,
        disagrees=bool(disagrees),
    )
