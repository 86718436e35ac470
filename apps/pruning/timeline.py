"""One storage pool on one time axis: free space, pruning log events and data aging.

The three series together show whether the space came back after data aging ran.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Q

from apps.storage.models import StoragePool

from .analysis import (
    ERROR_CATEGORY,
    PRUNING_CATEGORIES,
    log_event_model,
    store_pools,
    stores_of_pools,
)
from .models import DataAgingRun, DDBStore

# Time ranges the timeline offers, in days.
RANGE_DAYS = (1, 7, 14, 30, 90)
DEFAULT_RANGE_DAYS = 30
# Maximum log events shown, newest first, so a busy log cannot overload the page.
MAX_EVENTS = 2000


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime
    days: int


def time_range(days: int, now: datetime) -> TimeRange:
    return TimeRange(start=now - timedelta(days=days), end=now, days=days)


def pool_timeline(pool: StoragePool, window: TimeRange) -> dict[str, Any]:
    """Return the pool's free space, log events and data aging runs in the window."""
    store_ids = stores_of_pools(store_pools(pool.commcell)).get(pool.pk, [])
    stores = list(DDBStore.objects.filter(pk__in=store_ids).order_by("name"))
    events, events_truncated = _events(pool, stores, window)
    return {
        "pool": {
            "id": pool.pk,
            "name": pool.name,
            "commcell": pool.commcell.name,
            "total_capacity_mb": pool.total_capacity_mb,
            "free_space_mb": pool.free_space_mb,
        },
        "range": {"start": window.start, "end": window.end, "days": window.days},
        "stores": [{"id": store.pk, "name": store.name} for store in stores],
        "free_space": _free_space(pool, window),
        "events": events,
        "events_truncated": events_truncated,
        "logs_loaded": log_event_model() is not None,
        "aging_runs": _aging_runs(pool, window),
    }


def _free_space(pool: StoragePool, window: TimeRange) -> list[dict[str, Any]]:
    """Free space points from the pool's snapshots, else its current value alone."""
    try:
        Snapshot = apps.get_model("storage", "StoragePoolSnapshot")
    except LookupError:
        Snapshot = None

    points = []
    if Snapshot is not None:
        rows = (
            Snapshot.objects.filter(
                pool=pool,
                collected_at__gte=window.start,
                collected_at__lte=window.end,
                free_space_mb__gte=0,
            )
            .order_by("collected_at")
            .values_list("collected_at", "free_space_mb")
        )
        points = [{"time": time, "free_space_mb": free} for time, free in rows]
    if not points and pool.free_space_mb is not None:
        points = [{"time": pool.last_seen_at, "free_space_mb": pool.free_space_mb}]
    return points


def _events(
    pool: StoragePool, stores: list[DDBStore], window: TimeRange
) -> tuple[list[dict[str, Any]], bool]:
    LogEvent = log_event_model()
    if LogEvent is None or not stores:
        return [], False

    cv_ids = [store.cv_id for store in stores]
    rows = (
        LogEvent.objects.filter(
            commcell=pool.commcell,
            occurred_at__gte=window.start,
            occurred_at__lte=window.end,
            category__in=[*PRUNING_CATEGORIES, ERROR_CATEGORY],
        )
        .filter(
            Q(ddb_store__in=stores) | Q(ddb_store__isnull=True, store_cv_id__in=cv_ids)
        )
        .order_by("-occurred_at")
        .values("occurred_at", "category", "severity", "log_type", "message", "counts")
    )
    events = list(rows[: MAX_EVENTS + 1])
    truncated = len(events) > MAX_EVENTS
    events = events[:MAX_EVENTS]
    events.reverse()
    return [
        {
            "time": event["occurred_at"],
            "category": event["category"],
            "severity": event["severity"],
            "log_type": event["log_type"],
            "message": event["message"][:300],
            "counts": event["counts"],
        }
        for event in events
    ], truncated


def _aging_runs(pool: StoragePool, window: TimeRange) -> list[dict[str, Any]]:
    runs = DataAgingRun.objects.filter(
        commcell=pool.commcell,
        start_time__gte=window.start,
        start_time__lte=window.end,
    ).order_by("start_time")
    return [
        {
            "job_id": run.job_id,
            "start_time": run.start_time,
            "end_time": run.end_time,
            "status": run.status,
            "outcome": run.outcome,
            "jobs_aged": run.jobs_aged,
        }
        for run in runs
    ]
