"""Health rules of the pruning analysis, registered with `apps.core.findings`."""

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from apps.commcell.models import CommCell
from apps.core.findings import FindingData

from . import analysis
from .models import DataAgingRun, PruningThresholds

logger = logging.getLogger(__name__)

PENDING_SEVERITY = {
    analysis.STATUS_WARNING: "medium",
    analysis.STATUS_CRITICAL: "critical",
}


def pruning_findings(commcell: CommCell, now: datetime) -> Iterator[FindingData]:
    """Yield the pruning findings of one CommCell at `now`."""
    thresholds = PruningThresholds.current()
    pools_of_store = analysis.store_pools(commcell)

    yield from media_agent_findings(commcell, pools_of_store)
    yield from store_findings(commcell, pools_of_store, thresholds, now)
    yield from pool_findings(commcell, pools_of_store, thresholds, now)
    yield from data_aging_findings(commcell)


def media_agent_findings(
    commcell: CommCell, pools_of_store: dict[int, list[analysis.PoolRef]]
) -> Iterator[FindingData]:
    for agent in analysis.media_agent_states(commcell, pools_of_store):
        if agent.online is not False or not agent.blocked_stores:
            continue
        yield FindingData(
            code="pruning.media_agent_offline_blocks",
            severity="high",
            subject_type="media_agent",
            subject_id=agent.id,
            subject_name=agent.name,
            title=f"{agent.message}.",
            recommendation=(
                f"Bring MediaAgent {agent.name} online. Until then its DDB partitions "
                "cannot prune, so aged data keeps its disk space."
            ),
            evidence={
                "offline_reason": agent.offline_reason,
                "pools": [pool.name for pool in agent.blocked_pools],
                "ddb_stores": [store["name"] for store in agent.blocked_stores],
            },
        )


def store_findings(
    commcell: CommCell,
    pools_of_store: dict[int, list[analysis.PoolRef]],
    thresholds: PruningThresholds,
    now: datetime,
) -> Iterator[FindingData]:
    for row in analysis.store_rows(commcell, pools_of_store, thresholds, now):
        yield from _pending_finding(row, thresholds)
        if not row["pruning_enabled"]:
            yield _store_finding(
                row,
                "pruning.pruning_disabled",
                "high",
                f"Pruning is disabled on DDB store {row['name']}.",
                "Enable pruning on the DDB store, or run a space reclamation: while "
                "pruning is disabled, aged data is never deleted from disk.",
                {"sealed": row["sealed"]},
            )
        if row["sealed"]:
            yield _sealed_finding(row)
        if row["partitions_offline"]:
            count = row["partitions_offline"]
            yield _store_finding(
                row,
                "pruning.partitions_offline",
                "high",
                f"DDB store {row['name']} has {count} offline "
                f"partition{'s' if count != 1 else ''}.",
                "Bring the partitions online (check their MediaAgents and DDB disks); "
                "an offline partition cannot prune.",
                {"partitions_offline": row["partitions_offline"]},
            )


def _sealed_finding(row: dict) -> FindingData:
    sealed_at = row["sealed_at"]
    pending = row["pending_deletes"]
    when = f" on {sealed_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if sealed_at else ""
    return _store_finding(
        row,
        "pruning.ddb_sealed",
        "info",
        f"DDB store {row['name']} was sealed{when}: no new backups write to it.",
        "Its disk space comes back only when every job that references the store "
        "has aged and pruning has deleted its blocks. Check that data aging runs and "
        "that pruning stays enabled on the store until then.",
        {
            "sealed_at": sealed_at.isoformat() if sealed_at else None,
            "pending_deletes": pending,
            "pruning_enabled": row["pruning_enabled"],
        },
    )


def _pending_finding(row: dict, thresholds: PruningThresholds) -> Iterator[FindingData]:
    severity = PENDING_SEVERITY.get(row["pending_status"])
    if severity is None:
        return
    trend = row["pending_trend_per_day"]
    yield _store_finding(
        row,
        "pruning.pending_deletes_high",
        severity,
        f"DDB store {row['name']} has {row['pending_deletes']:,} pending deletes.",
        "Check that the MediaAgents hosting the store are online, that no "
        "operation window blocks pruning, and the SIDBPrune and SIDBPhysicalDeletes "
        "logs for errors.",
        {
            "pending_deletes": row["pending_deletes"],
            "status": row["pending_status"],
            "warning_from": thresholds.pending_deletes_warning,
            "critical_from": thresholds.pending_deletes_critical,
            "trend_per_day": None if trend is None else round(trend, 1),
        },
    )


def _store_finding(
    row: dict, code: str, severity: str, title: str, advice: str, evidence: dict
) -> FindingData:
    return FindingData(
        code=code,
        severity=severity,
        subject_type="ddb_store",
        subject_id=row["id"],
        subject_name=row["name"],
        title=title,
        recommendation=advice,
        evidence={"pools": [pool["name"] for pool in row["pools"]], **evidence},
    )


def pool_findings(
    commcell: CommCell,
    pools_of_store: dict[int, list[analysis.PoolRef]],
    thresholds: PruningThresholds,
    now: datetime,
) -> Iterator[FindingData]:
    aging = analysis.last_completed_aging(commcell)
    for row in analysis.pool_rows(commcell, pools_of_store, thresholds, now):
        last = row["last_pruning_at"]
        if row["no_activity"]:
            yield FindingData(
                code="pruning.no_activity",
                severity="medium",
                subject_type="pool",
                subject_id=row["id"],
                subject_name=row["name"],
                title=f"No pruning activity on pool {row['name']} for "
                f"{thresholds.no_activity_days} days.",
                recommendation="Check the SIDBPrune and SIDBEngine logs of the "
                "MediaAgents hosting the pool's DDB for errors or a blocked pruner.",
                evidence={"last_pruning_at": last.isoformat() if last else None},
            )
        if row["aging_without_pruning"] and aging is not None:
            yield FindingData(
                code="pruning.aging_without_pruning",
                severity="high",
                subject_type="pool",
                subject_id=row["id"],
                subject_name=row["name"],
                title=f"Data aging ran, but pool {row['name']} was not pruned after it.",
                recommendation="Aging marks data for deletion; the DDB must still "
                "prune it. Check that pruning is enabled and its MediaAgents online.",
                evidence={
                    "data_aging_job_id": aging.job_id,
                    "data_aging_ended_at": aging.end_time.isoformat()
                    if aging.end_time
                    else None,
                },
            )


def data_aging_findings(commcell: CommCell) -> Iterator[FindingData]:
    run = analysis.last_finished_aging(commcell)
    if run is None or run.succeeded:
        return
    if run.outcome not in (
        DataAgingRun.Outcome.FAILED,
        DataAgingRun.Outcome.KILLED,
        DataAgingRun.Outcome.COMPLETED_ERRORS,
    ):
        return
    yield FindingData(
        code="pruning.data_aging_failed",
        severity="high",
        subject_type="commcell",
        subject_id=None,
        subject_name=commcell.name,
        title=f"The last data aging job ({run.job_id}) ended as "
        f"{run.status or run.get_outcome_display()}.",
        recommendation="Read the job's events and the CommServe's DataAging.log; "
        "until data aging succeeds no aged data can be pruned.",
        evidence={
            "job_id": run.job_id,
            "start_time": run.start_time.isoformat(),
            "status": run.status,
        },
    )
