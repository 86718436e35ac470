"""Pruning health of a CommCell: data aged, but was it pruned?

Data aging only marks jobs as aged. On deduplicated storage the space comes back when
the DDB prunes the aged blocks, which needs the MediaAgents that host the DDB
partitions to be online and pruning to be enabled on the store. Plain functions over
the stored inventory, DDB snapshots, data aging runs and log events; no HTTP.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Count, Max, Q

from apps.commcell.models import CommCell, StoragePolicyCopy
from apps.storage.models import MediaAgent, StoragePool

from .models import (
    DataAgingRun,
    DDBPartition,
    DDBStore,
    DDBStoreSnapshot,
    PruningThresholds,
)

logger = logging.getLogger(__name__)

# Log event categories of the pruning pipeline (logical and physical pruning, mark
# and sweep, and the deletions on disk and cloud that follow them).
PRUNING_CATEGORIES = (
    "logical_prune",
    "physical_prune",
    "mark_and_sweep",
    "chunk_delete",
    "volume_delete",
    "cloud_delete",
)
# Categories that show the DDB freed space. The latest such event of a pool's stores
# is the pool's last successful pruning.
FREEING_CATEGORIES = ("physical_prune", "mark_and_sweep")
ERROR_CATEGORY = "error"
# Severities (apps.logs) of events that report a failure, not a success.
FAILURE_SEVERITIES = ("critical", "high")
SUCCESS_RATE_DAYS = 30
# Days of DDB snapshots the pending-deletes trend is fitted over.
TREND_DAYS = 30

STATUS_OK = "ok"
STATUS_WARNING = "warning"
STATUS_CRITICAL = "critical"
STATUS_UNKNOWN = "unknown"


def pending_deletes_status(pending: int | None, thresholds: PruningThresholds) -> str:
    """Rate a store's pending deletes: critical and warning from their thresholds on."""
    if pending is None:
        return STATUS_UNKNOWN
    if pending >= thresholds.pending_deletes_critical:
        return STATUS_CRITICAL
    if pending >= thresholds.pending_deletes_warning:
        return STATUS_WARNING
    return STATUS_OK


def slope_per_day(points: Sequence[tuple[datetime, int]]) -> float | None:
    """Least-squares slope of the points in units per day; None for fewer than 2 times."""
    if len({time for time, _ in points}) < 2:
        return None

    origin = points[0][0]
    xs = [(time - origin).total_seconds() / 86400 for time, _ in points]
    ys = [float(value) for _, value in points]
    mean_x = sum(xs) / len(xs)
    mean_y = sum(ys) / len(ys)
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    variance = sum((x - mean_x) ** 2 for x in xs)
    return covariance / variance


@dataclass(frozen=True)
class PoolRef:
    id: int
    name: str


def store_pools(commcell: CommCell) -> dict[int, list[PoolRef]]:
    """Map each present DDB store's id to the storage pools it deduplicates for.

    A store names its storage policy and copy. The pool is the one whose global
    storage policy is the store's policy, or the pool the store's copy writes to
    (a copy names its pool by the pool's id or the pool's policy id).
    """
    pools = list(
        StoragePool.objects.filter(commcell=commcell, removed_at__isnull=True).only(
            "id", "name", "cv_id", "storage_policy_cv_id"
        )
    )
    by_policy: dict[int, list[StoragePool]] = defaultdict(list)
    by_cv_id: dict[int, StoragePool] = {}
    for pool in pools:
        by_cv_id[pool.cv_id] = pool
        if pool.storage_policy_cv_id:
            by_policy[pool.storage_policy_cv_id].append(pool)
    copy_pool = dict(
        StoragePolicyCopy.objects.filter(
            commcell=commcell, storage_pool_cv_id__isnull=False
        ).values_list("cv_id", "storage_pool_cv_id")
    )

    mapping: dict[int, list[PoolRef]] = {}
    for store in _present_stores(commcell):
        found: dict[int, StoragePool] = {}
        for pool in by_policy.get(store.storage_policy_cv_id or 0, []):
            found[pool.pk] = pool
        pool_cv_id = copy_pool.get(store.copy_cv_id or 0)
        if pool_cv_id is not None:
            for pool in [by_cv_id.get(pool_cv_id), *by_policy.get(pool_cv_id, [])]:
                if pool is not None:
                    found[pool.pk] = pool
        mapping[store.pk] = sorted(
            (PoolRef(pool.pk, pool.name) for pool in found.values()),
            key=lambda ref: ref.name.lower(),
        )
    return mapping


def _present_stores(commcell: CommCell) -> list[DDBStore]:
    return list(
        DDBStore.objects.filter(commcell=commcell, removed_at__isnull=True).order_by(
            "name", "pk"
        )
    )


@dataclass
class MediaAgentState:
    id: int
    name: str
    online: bool | None
    offline_reason: str = ""
    blocked_stores: list[dict[str, Any]] = field(default_factory=list)
    blocked_pools: list[PoolRef] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.online is not False:
            return ""
        count = len(self.blocked_pools)
        noun = "pool" if count == 1 else "pools"
        return f"MediaAgent {self.name} offline: pruning blocked for {count} {noun}"


def media_agent_states(
    commcell: CommCell, pools_of_store: dict[int, list[PoolRef]]
) -> list[MediaAgentState]:
    """Return every present MediaAgent, offline first, with what an offline one blocks.

    An offline MediaAgent that hosts a partition of a DDB store leaves that store,
    and every pool the store serves, without a pruner.
    """
    agents = MediaAgent.objects.filter(commcell=commcell, removed_at__isnull=True)
    partitions = DDBPartition.objects.filter(
        store__commcell=commcell,
        store__removed_at__isnull=True,
        media_agent__isnull=False,
    ).select_related("store")
    stores_of_agent: dict[int, dict[int, DDBStore]] = defaultdict(dict)
    for partition in partitions:
        stores_of_agent[partition.media_agent_id][partition.store_id] = partition.store

    states = []
    for agent in agents:
        state = MediaAgentState(
            id=agent.pk,
            name=agent.name,
            online=agent.online,
            offline_reason=agent.offline_reason
            or agent.status_text
            or (
                f"reason code {agent.offline_reason_code}"
                if agent.offline_reason_code is not None
                else ""
            ),
        )
        if agent.online is False:
            pools: dict[int, PoolRef] = {}
            for store in stores_of_agent.get(agent.pk, {}).values():
                state.blocked_stores.append({"id": store.pk, "name": store.name})
                for pool in pools_of_store.get(store.pk, []):
                    pools[pool.id] = pool
            state.blocked_stores.sort(key=lambda item: item["name"].lower())
            state.blocked_pools = sorted(pools.values(), key=lambda p: p.name.lower())
        states.append(state)
    states.sort(key=lambda s: (s.online is not False, s.name.lower()))
    return states


def pending_trends(
    store_ids: Iterable[int], since: datetime
) -> dict[int, float | None]:
    """Pending deletes per day of each store since `since`, from its last drop on."""
    points: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    rows = (
        DDBStoreSnapshot.objects.filter(
            store_id__in=list(store_ids),
            collected_at__gte=since,
            pending_deletes__isnull=False,
        )
        .order_by("store_id", "collected_at")
        .values_list("store_id", "collected_at", "pending_deletes")
    )
    for store_id, collected_at, pending in rows:
        points[store_id].append((collected_at, pending))
    return {store_id: recent_trend(series) for store_id, series in points.items()}


# A fall to less than this share of the previous value counts as pruning that
# cleared the backlog, so the trend restarts there.
DROP_SHARE = 0.5


def recent_segment(
    points: Sequence[tuple[datetime, int]],
) -> Sequence[tuple[datetime, int]]:
    """Return the points from the last drop on (a fall to 0 or below half the value)."""
    start = 0
    for index in range(1, len(points)):
        before, value = points[index - 1][1], points[index][1]
        if before > 0 and value < before * DROP_SHARE:
            start = index
    return points[start:]


def recent_trend(points: Sequence[tuple[datetime, int]]) -> float | None:
    """Slope per day of pending deletes since the last drop.

    A store whose backlog was just cleared has no trend to report from before the
    drop: with one point after it, the trend is 0 when that point is 0, else None.
    """
    segment = recent_segment(points)
    slope = slope_per_day(segment)
    if slope is None and segment and len(segment) < len(points):
        return 0.0 if segment[-1][1] == 0 else None
    return slope


def store_rows(
    commcell: CommCell,
    pools_of_store: dict[int, list[PoolRef]],
    thresholds: PruningThresholds,
    now: datetime,
) -> list[dict[str, Any]]:
    """Return one row per present DDB store: state, pending deletes, trend and status."""
    stores = _present_stores(commcell)
    trends = pending_trends([store.pk for store in stores], now - timedelta(TREND_DAYS))
    rows = []
    for store in stores:
        rows.append(
            {
                "id": store.pk,
                "name": store.name,
                "storage_policy_name": store.storage_policy_name,
                "copy_name": store.copy_name,
                "sealed": store.sealed,
                "sealed_at": store.sealed_at,
                "pruning_enabled": store.pruning_enabled,
                "pending_deletes": store.pending_deletes,
                "pending_status": pending_deletes_status(
                    store.pending_deletes, thresholds
                ),
                "pending_trend_per_day": trends.get(store.pk),
                "primary_records": store.primary_records,
                "free_disk_space_mb": store.free_disk_space_mb,
                "partitions_offline": store.partitions_offline,
                "last_backup_at": store.last_backup_at,
                "pools": [
                    {"id": p.id, "name": p.name} for p in pools_of_store[store.pk]
                ],
            }
        )
    return rows


def log_event_model() -> Any | None:
    """Return apps.logs LogEvent, or None while the logs app defines no such model."""
    try:
        return apps.get_model("logs", "LogEvent")
    except LookupError:
        return None


def _store_events(commcell: CommCell, store_ids: Iterable[int]) -> Any | None:
    """Log events of the CommCell that name one of the stores, or None without logs."""
    LogEvent = log_event_model()
    if LogEvent is None:
        return None
    stores = DDBStore.objects.filter(pk__in=list(store_ids))
    cv_ids = list(stores.values_list("cv_id", flat=True))
    return LogEvent.objects.filter(commcell=commcell).filter(
        Q(ddb_store__in=stores) | Q(ddb_store__isnull=True, store_cv_id__in=cv_ids)
    )


def stores_of_pools(pools_of_store: dict[int, list[PoolRef]]) -> dict[int, list[int]]:
    stores: dict[int, list[int]] = defaultdict(list)
    for store_id, pools in pools_of_store.items():
        for pool in pools:
            stores[pool.id].append(store_id)
    return stores


def last_pruning_by_pool(
    commcell: CommCell, pool_stores: dict[int, list[int]]
) -> dict[int, datetime | None]:
    """Time of the latest successful physical pruning or mark and sweep per pool.

    None for a pool without such an event, and for every pool when no logs are stored.
    """
    result: dict[int, datetime | None] = {pool_id: None for pool_id in pool_stores}
    all_stores = {store for stores in pool_stores.values() for store in stores}
    events = _store_events(commcell, all_stores)
    if events is None:
        return result

    latest = (
        events.filter(category__in=FREEING_CATEGORIES)
        .exclude(severity__in=FAILURE_SEVERITIES)
        .values("ddb_store_id", "store_cv_id")
        .annotate(latest=Max("occurred_at"))
    )
    store_by_cv_id = dict(
        DDBStore.objects.filter(pk__in=all_stores).values_list("cv_id", "pk")
    )
    latest_by_store: dict[int, datetime] = {}
    for row in latest:
        store_id = row["ddb_store_id"] or store_by_cv_id.get(row["store_cv_id"])
        if store_id is None:
            continue
        known = latest_by_store.get(store_id)
        latest_by_store[store_id] = max(filter(None, [known, row["latest"]]))
    for pool_id, stores in pool_stores.items():
        times = [latest_by_store[s] for s in stores if s in latest_by_store]
        result[pool_id] = max(times) if times else None
    return result


def logs_cover(commcell: CommCell, since: datetime) -> bool:
    """True when the CommCell has any log event at or after `since`.

    Without logs for a period, the absence of pruning events in it proves nothing.
    """
    LogEvent = log_event_model()
    if LogEvent is None:
        return False
    return LogEvent.objects.filter(commcell=commcell, occurred_at__gte=since).exists()


def success_rates(commcell: CommCell, now: datetime) -> dict[str, Any]:
    """Two success rates over SUCCESS_RATE_DAYS days, each with its counts.

    `data_aging`: finished data aging runs that completed (with or without warnings)
    out of all finished runs. `pruning_events`: log events of the pruning phases out
    of those plus the error events. A rate is None when its denominator is 0.
    """
    since = now - timedelta(days=SUCCESS_RATE_DAYS)
    runs = DataAgingRun.objects.filter(commcell=commcell, start_time__gte=since)
    finished = runs.exclude(outcome=DataAgingRun.Outcome.RUNNING)
    counts = finished.aggregate(
        total=Count("pk"),
        completed=Count(
            "pk",
            filter=Q(
                outcome__in=[
                    DataAgingRun.Outcome.COMPLETED,
                    DataAgingRun.Outcome.COMPLETED_WARNINGS,
                ]
            ),
        ),
    )
    aging = {
        "days": SUCCESS_RATE_DAYS,
        "completed": counts["completed"],
        "total": counts["total"],
        "rate": _rate(counts["completed"], counts["total"]),
    }

    pruning: dict[str, Any] = {
        "days": SUCCESS_RATE_DAYS,
        "phase_events": 0,
        "error_events": 0,
        "rate": None,
        "logs_loaded": False,
    }
    LogEvent = log_event_model()
    if LogEvent is not None:
        events = LogEvent.objects.filter(commcell=commcell, occurred_at__gte=since)
        tally = events.aggregate(
            phase=Count("pk", filter=Q(category__in=PRUNING_CATEGORIES)),
            errors=Count("pk", filter=Q(category=ERROR_CATEGORY)),
        )
        pruning.update(
            phase_events=tally["phase"],
            error_events=tally["errors"],
            rate=_rate(tally["phase"], tally["phase"] + tally["errors"]),
            logs_loaded=LogEvent.objects.filter(commcell=commcell).exists(),
        )
    return {"data_aging": aging, "pruning_events": pruning}


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def last_completed_aging(commcell: CommCell) -> DataAgingRun | None:
    return (
        DataAgingRun.objects.filter(
            commcell=commcell,
            outcome__in=[
                DataAgingRun.Outcome.COMPLETED,
                DataAgingRun.Outcome.COMPLETED_WARNINGS,
            ],
            end_time__isnull=False,
        )
        .order_by("-end_time")
        .first()
    )


def last_finished_aging(commcell: CommCell) -> DataAgingRun | None:
    return (
        DataAgingRun.objects.filter(commcell=commcell)
        .exclude(outcome=DataAgingRun.Outcome.RUNNING)
        .order_by("-start_time")
        .first()
    )


def pool_rows(
    commcell: CommCell,
    pools_of_store: dict[int, list[PoolRef]],
    thresholds: PruningThresholds,
    now: datetime,
) -> list[dict[str, Any]]:
    """Return one row per pool with a DDB store: last pruning, activity, aging state.

    `no_activity` is True when the logs cover the last `no_activity_days` days and
    contain no successful pruning of the pool's stores in them, and None when no
    logs cover that period. `aging_without_pruning` is True when the last completed data
    aging run ended, logs cover the time since, and no physical pruning of the
    pool's stores followed it; None when that cannot be determined.
    """
    pool_stores = stores_of_pools(pools_of_store)
    last_pruning = last_pruning_by_pool(commcell, pool_stores)
    activity_since = now - timedelta(days=thresholds.no_activity_days)
    activity_covered = logs_cover(commcell, activity_since)
    aging = last_completed_aging(commcell)
    pruned_after = _pools_pruned_after(commcell, pool_stores, aging)
    names = dict(
        StoragePool.objects.filter(pk__in=list(pool_stores)).values_list("pk", "name")
    )

    rows = []
    for pool_id, store_ids in pool_stores.items():
        last = last_pruning[pool_id]
        no_activity = None
        if activity_covered:
            no_activity = last is None or last < activity_since
        rows.append(
            {
                "id": pool_id,
                "name": names.get(pool_id, ""),
                "store_ids": sorted(store_ids),
                "last_pruning_at": last,
                "no_activity": no_activity,
                "aging_without_pruning": pruned_after.get(pool_id),
            }
        )
    rows.sort(key=lambda row: row["name"].lower())
    return rows


def _pools_pruned_after(
    commcell: CommCell,
    pool_stores: dict[int, list[int]],
    aging: DataAgingRun | None,
) -> dict[int, bool | None]:
    """Map pool id to True when no physical pruning followed the aging run."""
    if aging is None or aging.end_time is None:
        return {}
    if not logs_cover(commcell, aging.end_time):
        return {}

    result: dict[int, bool | None] = {}
    for pool_id, store_ids in pool_stores.items():
        events = _store_events(commcell, store_ids)
        if events is None:
            return {}
        pruned = events.filter(
            category="physical_prune", occurred_at__gte=aging.end_time
        ).exists()
        result[pool_id] = not pruned
    return result


def summarize(commcell: CommCell, now: datetime) -> dict[str, Any]:
    """Everything the pruning dashboard shows for one CommCell, as JSON-ready values."""
    thresholds = PruningThresholds.current()
    pools_of_store = store_pools(commcell)
    agents = media_agent_states(commcell, pools_of_store)
    stores = store_rows(commcell, pools_of_store, thresholds, now)
    pools = pool_rows(commcell, pools_of_store, thresholds, now)
    last_aging = last_finished_aging(commcell)

    return {
        "commcell": {"id": commcell.pk, "name": commcell.name},
        "generated_at": now,
        "thresholds": {
            "pending_deletes_warning": thresholds.pending_deletes_warning,
            "pending_deletes_critical": thresholds.pending_deletes_critical,
            "no_activity_days": thresholds.no_activity_days,
        },
        "media_agents": {
            "online": sum(1 for agent in agents if agent.online is True),
            "offline": sum(1 for agent in agents if agent.online is False),
            "unknown": sum(1 for agent in agents if agent.online is None),
            "offline_list": [_agent_json(a) for a in agents if a.online is False],
        },
        "ddb_stores": {
            "active": sum(1 for row in stores if not row["sealed"]),
            "sealed": sum(1 for row in stores if row["sealed"]),
            "pruning_disabled": [
                {"id": row["id"], "name": row["name"], "sealed": row["sealed"]}
                for row in stores
                if not row["pruning_enabled"]
            ],
            "rows": stores,
        },
        "pools": pools,
        "no_activity_pools": [row for row in pools if row["no_activity"]],
        "aging_without_pruning": [row for row in pools if row["aging_without_pruning"]],
        "last_data_aging": _aging_json(last_aging),
        "success_rates": success_rates(commcell, now),
    }


def _agent_json(agent: MediaAgentState) -> dict[str, Any]:
    return {
        "id": agent.id,
        "name": agent.name,
        "offline_reason": agent.offline_reason,
        "message": agent.message,
        "blocked_stores": agent.blocked_stores,
        "blocked_pools": [{"id": p.id, "name": p.name} for p in agent.blocked_pools],
    }


def _aging_json(run: DataAgingRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "job_id": run.job_id,
        "start_time": run.start_time,
        "end_time": run.end_time,
        "status": run.status,
        "outcome": run.outcome,
        "jobs_aged": run.jobs_aged,
    }
