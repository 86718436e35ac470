"""Pool status by free space, the storage dashboard's summary and the health rules."""

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Aggregate, Case, F, FloatField, Q, QuerySet, When
from django.db.models.functions import TruncDate

from apps.core.findings import FindingData

from . import forecast
from .models import (
    MediaAgent,
    MediaAgentSnapshot,
    StoragePool,
    StoragePoolSnapshot,
    StorageThresholds,
    capacity_is_reported,
)

if TYPE_CHECKING:
    from apps.commcell.models import CommCell

logger = logging.getLogger(__name__)

CRITICAL = "critical"
WARNING = "warning"
LOW = "low"
OK = "ok"
NOT_REPORTED = "not_reported"

STATUS_CHOICES = [
    (CRITICAL, "Critical"),
    (WARNING, "Warning"),
    (LOW, "Low"),
    (OK, "OK"),
    (NOT_REPORTED, "Not reported"),
]
STATUS_LABELS = dict(STATUS_CHOICES)
STATUS_SEVERITY = {CRITICAL: "critical", WARNING: "high", LOW: "medium"}

FULLEST_COUNT = 10
# Several pools short of space at once points at pruning that stopped, rather than at
# one pool's growth. NOTE: three is a judgment, not a figure from Commvault.
PRUNING_FAILURE_POOL_COUNT = 3


@dataclass(frozen=True)
class Thresholds:
    """Percent free below which a pool is critical, warning or low."""

    critical_below: float = 10.0
    warning_below: float = 20.0
    low_below: float = 30.0
    full_soon_days: int = 30

    @classmethod
    def load(cls) -> "Thresholds":
        row = StorageThresholds.load()
        return cls(
            row.critical_below, row.warning_below, row.low_below, row.full_soon_days
        )


def classify(free_percent: float | None, thresholds: Thresholds) -> str:
    """Return the status of a pool with this much free space (None: not reported)."""
    if free_percent is None:
        return NOT_REPORTED
    if free_percent < thresholds.critical_below:
        return CRITICAL
    if free_percent < thresholds.warning_below:
        return WARNING
    if free_percent < thresholds.low_below:
        return LOW
    return OK


def pool_free_percent(pool: StoragePool) -> float | None:
    if not capacity_is_reported(pool.total_capacity_mb, pool.free_space_mb):
        return None
    return 100.0 * pool.free_space_mb / pool.total_capacity_mb


def pools_for_dashboard() -> QuerySet[StoragePool]:
    """Pools not removed, annotated with `free_value` (percent free, or null)."""
    reported = Q(total_capacity_mb__gt=0, free_space_mb__gte=0)
    percent = Case(
        When(reported, then=100.0 * F("free_space_mb") / F("total_capacity_mb")),
        default=None,
        output_field=FloatField(),
    )
    return (
        StoragePool.objects.filter(removed_at__isnull=True)
        .select_related("commcell")
        .annotate(free_value=percent)
        .order_by("name", "id")
    )


def status_condition(status: str, thresholds: Thresholds) -> Q:
    """Return the filter on `free_value` that matches pools of one status."""
    conditions = {
        CRITICAL: Q(free_value__lt=thresholds.critical_below),
        WARNING: Q(
            free_value__gte=thresholds.critical_below,
            free_value__lt=thresholds.warning_below,
        ),
        LOW: Q(
            free_value__gte=thresholds.warning_below,
            free_value__lt=thresholds.low_below,
        ),
        OK: Q(free_value__gte=thresholds.low_below),
        NOT_REPORTED: Q(free_value__isnull=True),
    }
    return conditions[status]


def pool_row(pool: StoragePool, thresholds: Thresholds) -> dict[str, Any]:
    """Describe a pool for the dashboard and its JSON, sizes in MB."""
    percent = pool_free_percent(pool)
    reported = percent is not None
    return {
        "id": pool.pk,
        "name": pool.name,
        "commcell": pool.commcell.name,
        "storage_type": pool.get_storage_type_display() if pool.storage_type else "",
        "total_mb": pool.total_capacity_mb if reported else None,
        "free_mb": pool.free_space_mb if reported else None,
        "used_mb": pool.total_capacity_mb - pool.free_space_mb if reported else None,
        "free_percent": round(percent, 2) if reported else None,
        "status": classify(percent, thresholds),
    }


def summarize(
    pools: Iterable[StoragePool],
    thresholds: Thresholds,
    forecasts: dict[int, forecast.Forecast] | None = None,
) -> dict[str, Any]:
    """Return counts by status, totals, the fullest pools and the action list.

    With `forecasts` (by pool id), each row also carries its fill rate and days
    until full, and pools full within `thresholds.full_soon_days` get an action.
    """
    rows = [pool_row(pool, thresholds) for pool in pools]
    for row in rows:
        row.update(_forecast_fields((forecasts or {}).get(row["id"])))
    reporting = [row for row in rows if row["free_percent"] is not None]

    counts = dict.fromkeys(STATUS_LABELS, 0)
    for row in rows:
        counts[row["status"]] += 1

    capacity = sum(row["total_mb"] for row in reporting)
    free = sum(row["free_mb"] for row in reporting)
    fullest = sorted(reporting, key=lambda row: (row["free_percent"], row["name"]))
    return {
        "count": len(rows),
        "statuses": [
            {"status": status, "label": label, "count": counts[status]}
            for status, label in STATUS_CHOICES
        ],
        "totals": {
            "pools_reporting": len(reporting),
            "capacity_mb": capacity,
            "used_mb": capacity - free,
            "free_mb": free,
            "free_percent": round(100.0 * free / capacity, 2) if capacity else None,
        },
        "fullest": fullest[:FULLEST_COUNT],
        "pools": rows,
        "actions": action_list(rows, thresholds),
        "thresholds": thresholds.__dict__,
    }


def _forecast_fields(result: forecast.Forecast | None) -> dict[str, Any]:
    if result is None:
        return {
            "forecast_status": None,
            "rate_gb_per_day": None,
            "days_until_full": None,
            "full_on": None,
        }
    data = result.as_dict()
    return {
        "forecast_status": result.status,
        "rate_gb_per_day": data["rate_gb_per_day"],
        "days_until_full": (
            round(result.days_until_full, 1)
            if result.days_until_full is not None
            else None
        ),
        "full_on": data["full_on"],
    }


def action_list(rows: list[dict[str, Any]], thresholds: Thresholds) -> list[str]:
    """Return the recommended actions in plain words, most urgent first."""
    critical = sorted(
        (row for row in rows if row["status"] == CRITICAL),
        key=lambda row: row["free_percent"],
    )
    under_warning = [row for row in rows if row["status"] in (CRITICAL, WARNING)]
    not_reported = [row for row in rows if row["status"] == NOT_REPORTED]

    actions = []
    if critical:
        actions.append(
            f"{_pools(len(critical))} critically low: manual pruning recommended"
        )
    for row in critical:
        actions.append(
            f"Pool {row['name']} at {row['free_percent']:.2f}% free: act now"
        )
    full_soon = sorted(
        (
            row
            for row in rows
            if row.get("days_until_full") is not None
            and row["days_until_full"] <= thresholds.full_soon_days
        ),
        key=lambda row: row["days_until_full"],
    )
    for row in full_soon:
        actions.append(
            f"Pool {row['name']} full in about {row['days_until_full']:.0f} days "
            f"(on {row['full_on']}) at {row['rate_gb_per_day']:.1f} GiB/day: prune "
            "or add capacity"
        )
    if len(under_warning) >= PRUNING_FAILURE_POOL_COUNT:
        actions.append(
            f"{_pools(len(under_warning))} under {thresholds.warning_below:g}%: "
            "evidence of pruning failure"
        )
    if not_reported:
        actions.append(
            f"{_pools(len(not_reported))} not reporting capacity: check free space "
            "in the CommCell Console or the cloud provider"
        )
    return actions


def _pools(count: int) -> str:
    return f"{count} pool" if count == 1 else f"{count} pools"


class Median(Aggregate):
    """PostgreSQL's continuous median of a column."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def load_samples(
    pool_ids: Iterable[int], since: datetime
) -> dict[int, list[forecast.Sample]]:
    """Return each pool's snapshots that report capacity, from `since` on."""
    rows = StoragePoolSnapshot.objects.filter(
        pool_id__in=list(pool_ids), collected_at__gte=since, capacity_reported=True
    ).values_list("pool_id", "collected_at", "used_mb", "total_capacity_mb")
    samples: dict[int, list[forecast.Sample]] = defaultdict(list)
    for pool_id, collected_at, used, total in rows:
        samples[pool_id].append(forecast.Sample(collected_at, used, total))
    return samples


def daily_used(
    pool_ids: Iterable[int], since: datetime
) -> dict[int, list[tuple[date, float]]]:
    """Return each pool's (UTC day, median used MB) pairs from `since` on, oldest first.

    PostgreSQL computes the medians. Other databases have no median aggregate, so
    there the snapshots are read and the medians taken in Python.
    """
    pool_ids = list(pool_ids)
    if connection.vendor != "postgresql":
        samples = load_samples(pool_ids, since)
        return {
            pool_id: forecast.daily_medians(rows) for pool_id, rows in samples.items()
        }

    rows = (
        StoragePoolSnapshot.objects.filter(
            pool_id__in=pool_ids, collected_at__gte=since, capacity_reported=True
        )
        .annotate(day=TruncDate("collected_at", tzinfo=UTC))
        .values("pool_id", "day")
        .annotate(used=Median("used_mb"))
        .order_by("pool_id", "day")
    )
    days: dict[int, list[tuple[date, float]]] = defaultdict(list)
    for row in rows:
        days[row["pool_id"]].append((row["day"], row["used"]))
    return days


def pool_forecasts(
    pools: Iterable[StoragePool], now: datetime
) -> dict[int, forecast.Forecast]:
    """Forecast each pool from its last `forecast.WINDOW_DAYS` days of snapshots."""
    pools = list(pools)
    since = now - timedelta(days=forecast.WINDOW_DAYS)
    reporting = [pool for pool in pools if pool_free_percent(pool) is not None]
    days = daily_used([pool.pk for pool in reporting], since)

    results = {}
    for pool in pools:
        if pool_free_percent(pool) is None:
            results[pool.pk] = forecast.Forecast(
                forecast.NOT_REPORTED, "The pool does not report its capacity."
            )
            continue
        results[pool.pk] = forecast.forecast_daily(
            days.get(pool.pk, []),
            pool.total_capacity_mb - pool.free_space_mb,
            pool.total_capacity_mb,
        )
    return results


def pool_forecast(pool: StoragePool, now: datetime) -> forecast.Forecast:
    return pool_forecasts([pool], now)[pool.pk]


def analyze_pools(commcell: "CommCell", now: datetime) -> Iterator[FindingData]:
    """Report pools short of free space, without a capacity, or full soon."""
    thresholds = Thresholds.load()
    pools = list(StoragePool.objects.filter(commcell=commcell, removed_at__isnull=True))
    by_id = {pool.pk: pool for pool in pools}
    for pool in pools:
        finding = _status_finding(pool, thresholds)
        if finding is not None:
            yield finding

    for pool_id, result in pool_forecasts(pools, now).items():
        if result.status != forecast.FILLING:
            continue
        if result.days_until_full > thresholds.full_soon_days:
            continue
        yield _full_soon_finding(by_id[pool_id], result)


def _status_finding(pool: StoragePool, thresholds: Thresholds) -> FindingData | None:
    percent = pool_free_percent(pool)
    status = classify(percent, thresholds)
    if status == NOT_REPORTED:
        return FindingData(
            code="storage.capacity_not_reported",
            severity="info",
            subject_type="pool",
            subject_id=pool.pk,
            subject_name=pool.name,
            title=f"Pool {pool.name} does not report its capacity.",
            recommendation="Check its free space in the CommCell Console or at the "
            "cloud provider; cvanalytics cannot warn before it fills.",
            evidence={
                "total_capacity_mb": pool.total_capacity_mb,
                "free_space_mb": pool.free_space_mb,
            },
        )
    if status == OK:
        return None

    recommendations = {
        CRITICAL: "Act now: check that data aging and pruning run, then prune "
        "manually or add capacity.",
        WARNING: "Check that data aging and DDB pruning run for the copies on this "
        "pool.",
        LOW: "Watch the fill rate and plan capacity.",
    }
    return FindingData(
        code=f"storage.pool_{status}",
        severity=STATUS_SEVERITY[status],
        subject_type="pool",
        subject_id=pool.pk,
        subject_name=pool.name,
        title=f"Pool {pool.name} has {percent:.2f}% free space.",
        recommendation=recommendations[status],
        evidence={
            "free_percent": round(percent, 2),
            "total_capacity_mb": pool.total_capacity_mb,
            "free_space_mb": pool.free_space_mb,
        },
    )


def _full_soon_finding(pool: StoragePool, result: forecast.Forecast) -> FindingData:
    latest = result.days_until_full_latest
    earliest = f"{result.days_until_full_earliest:.0f}"
    if latest is None:
        interval = f"at the earliest in {earliest} days"
    elif f"{latest:.0f}" == earliest:
        interval = ""
    else:
        interval = f"between {earliest} and {latest:.0f} days"
    return FindingData(
        code="storage.pool_full_soon",
        severity="high",
        subject_type="pool",
        subject_id=pool.pk,
        subject_name=pool.name,
        title=f"Pool {pool.name} will be full in about "
        f"{result.days_until_full:.0f} days{f' ({interval})' if interval else ''}.",
        recommendation="Find what fills it on the pool's page, and prune or add "
        "capacity before that date.",
        evidence={
            key: value
            for key, value in result.as_dict().items()
            if key
            in (
                "rate_gb_per_day",
                "rate_low_gb_per_day",
                "rate_high_gb_per_day",
                "days_until_full",
                "days_until_full_earliest",
                "days_until_full_latest",
                "full_on",
                "points",
            )
        },
    )


def offline_since(agent: MediaAgent) -> tuple[datetime | None, bool]:
    """Return when the agent's current offline spell began, from its snapshots.

    The flag is True when every snapshot shows it offline, so the spell began at or
    before the returned time. Returns (None, True) without snapshots.
    """
    snapshots = MediaAgentSnapshot.objects.filter(media_agent=agent)
    last_online = snapshots.filter(online=True).order_by("-collected_at").first()
    offline = snapshots.filter(online=False)
    if last_online is not None:
        offline = offline.filter(collected_at__gt=last_online.collected_at)
    first_offline = offline.order_by("collected_at").first()
    if first_offline is None:
        return None, True
    return first_offline.collected_at, last_online is None


def offline_duration(hours: float) -> str:
    """Return a duration in hours, or in days from 48 hours on: "14 days"."""
    if hours >= 48:
        days = f"{hours / 24:.1f}".removesuffix(".0")
        return f"{days} days"
    text = f"{hours:.1f}".removesuffix(".0")
    return f"{text} hour{'' if text == '1' else 's'}"


def offline_reason_text(agent: MediaAgent) -> str:
    """Return the agent's offline reason, else its stored reason code."""
    if agent.offline_reason:
        return agent.offline_reason
    if agent.offline_reason_code is not None:
        return f"reason code {agent.offline_reason_code}"
    return "no reason reported"


def analyze_media_agents(commcell: "CommCell", now: datetime) -> Iterator[FindingData]:
    """Report MediaAgents that are offline, with how long, from their snapshots."""
    agents = MediaAgent.objects.filter(
        commcell=commcell, removed_at__isnull=True, online=False
    )
    for agent in agents:
        since, at_least = offline_since(agent)
        hours = (now - since).total_seconds() / 3600 if since is not None else None
        if hours is None:
            duration = "for an unknown time"
        else:
            duration = f"for {'at least ' if at_least else ''}{offline_duration(hours)}"
        reason = offline_reason_text(agent)
        yield FindingData(
            code="storage.media_agent_offline",
            severity="high",
            subject_type="media_agent",
            subject_id=agent.pk,
            subject_name=agent.name,
            title=f"MediaAgent {agent.name} is offline {duration} ({reason}).",
            recommendation="Bring it back online: pruning and backups that use its "
            "mount paths or DDB partitions wait until it returns.",
            evidence={
                "offline_since": since.isoformat() if since is not None else None,
                "offline_hours": round(hours, 1) if hours is not None else None,
                "offline_since_is_first_snapshot": at_least,
                "offline_reason_code": agent.offline_reason_code,
                "offline_reason": agent.offline_reason,
            },
        )


@dataclass(frozen=True)
class PoolFeeders:
    """The copies that write to a pool, their storage policies and those policies' plans."""

    copies: list[Any]
    storage_policies: list[Any]
    plans: list[Any]


def pool_feeders(pool: StoragePool) -> PoolFeeders:
    """Find what writes to a pool: copies name it by pool id, global policy id or name."""
    from apps.commcell.models import Plan, StoragePolicy, StoragePolicyCopy

    ids = [pool.cv_id]
    if pool.storage_policy_cv_id is not None:
        ids.append(pool.storage_policy_cv_id)
    copies = list(
        StoragePolicyCopy.objects.filter(
            Q(storage_pool_cv_id__in=ids) | Q(storage_pool_name__iexact=pool.name),
            commcell_id=pool.commcell_id,
            removed_at__isnull=True,
        )
        .select_related("storage_policy")
        .order_by("storage_policy__name", "copy_precedence", "name")
    )
    policy_ids = {copy.storage_policy_id for copy in copies}
    policies = list(
        StoragePolicy.objects.filter(pk__in=policy_ids, removed_at__isnull=True)
    )
    plans = list(
        Plan.objects.filter(
            storage_policy_id__in=policy_ids, removed_at__isnull=True
        ).select_related("storage_policy")
    )
    return PoolFeeders(copies, policies, plans)


@dataclass(frozen=True)
class Prediction:
    """The predictor's result: the rate used, where it came from, and the projection."""

    pool: StoragePool
    measured: forecast.Forecast
    rate_source: str  # "typed", "measured" or "" when no rate is known
    projection: forecast.Projection | None
    message: str


def predict(
    pool: StoragePool, typed_rate_gb_per_day: float | None, now: datetime
) -> Prediction:
    """Project a pool's free space at a typed rate, or at its measured rate."""
    measured = pool_forecast(pool, now)
    if pool_free_percent(pool) is None:
        return Prediction(
            pool, measured, "", None, "The pool does not report its capacity."
        )

    if typed_rate_gb_per_day is not None:
        rate, source = typed_rate_gb_per_day, "typed"
    elif measured.rate_gb_per_day is not None:
        rate, source = measured.rate_gb_per_day, "measured"
    else:
        return Prediction(
            pool,
            measured,
            "",
            None,
            f"{measured.message} Type a fill rate to see a projection.",
        )

    projection = forecast.project(pool.free_space_mb, rate, now.date())
    shown = f"{rate:.2f}" if rate == 0 or abs(rate) >= 0.01 else f"{rate:.2g}"
    if projection.days_until_full is None:
        message = f"At {shown} GiB/day the pool does not fill."
    elif projection.full_on is None:
        years = int(projection.days_until_full // 365.25)
        message = (
            f"At {shown} GiB/day the pool fills in more than {years:,} years, "
            "too far out to give a date."
        )
    else:
        message = (
            f"At {shown} GiB/day the pool is full in about "
            f"{projection.days_until_full:.0f} days, on {projection.full_on}."
        )
    return Prediction(pool, measured, source, projection, message)
