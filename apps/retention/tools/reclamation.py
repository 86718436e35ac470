"""Reclamation forecaster: how much space each pool gets back, and when.

Per pool the forecast adds up, over the copies written to it:

- aged data not yet freed: jobs that data aging has aged within the last
  ``PENDING_WINDOW_DAYS`` days while the pool's DDB stores still report pending
  deletes, or while the pool's free space did not rise over that window;
- data eligible now: jobs the rules let age whose copy still holds them. A job
  the CommServe no longer lists, or lists as aged, counts as aged, and a job it
  keeps forever is not eligible (see ``loading``);
- data the recommended retention changes would make eligible now;
- a timeline of the bytes that become eligible on each day from today on.

The timeline holds only dates the existing jobs fix. Under cycle-based retention a
cycle that waits for a newer full not run yet has no date, so it is left out.

Each job counts its media bytes, the data it wrote after deduplication, as the
optimizer does (``loading.job_size``). On deduplicated pools this is an estimate:
an aged job frees only the blocks no retained job references, which may be less
or more than the blocks it wrote.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from itertools import pairwise

from django.db.models import F, Sum

from apps.commcell.models import Job, StoragePolicyCopy
from apps.pruning.models import DDBStore
from apps.retention.engine import (
    CopyRetention,
    EngineSettings,
    JobRecord,
    Reason,
    evaluate_chain,
)
from apps.retention.models import RetentionRule
from apps.storage.models import StoragePool, StoragePoolSnapshot

from .context import ToolSettings
from .loading import copy_job_source, copy_retention, iter_source_chains
from .optimizer import RuleReview, review_rule

logger = logging.getLogger(__name__)

MB = 1024 * 1024
PENDING_WINDOW_DAYS = 14
HORIZON_DAYS = 30

ESTIMATE_WARNING = (
    "Deduplicated pool: the figures are estimates. Each job counts the media bytes "
    "it wrote after deduplication, but blocks that an aged job shares with retained "
    "jobs stay on disk, so the space that returns may differ. It returns only after "
    "the DDB prunes the blocks."
)

Chains = Iterable[tuple[str, list[JobRecord]]]


@dataclass(frozen=True, slots=True)
class TimelineDay:
    """Bytes that become eligible on one day, and the free space after them."""

    day: date
    bytes: int
    cumulative_bytes: int
    free_mb_after: int | None


@dataclass(slots=True)
class CopyForecast:
    """The reclaimable data of one copy on the pool."""

    copy_id: int
    copy_name: str
    storage_policy_name: str
    aged_recent_jobs: int = 0
    aged_recent_bytes: int = 0
    eligible_jobs: int = 0
    eligible_bytes: int = 0
    recommended_change: str = ""
    recommended_jobs: int = 0
    recommended_bytes: int = 0
    # Why the copy's jobs are an estimate (its job list was not collected), or "".
    estimate: str = ""


@dataclass(slots=True)
class PoolForecast:
    """The reclamation forecast of one storage pool."""

    pool_id: int
    pool_name: str
    deduplicated: bool
    savings_percent: float | None
    total_mb: int | None
    free_mb: int | None
    pending_deletes: int | None
    free_space_rose: bool | None
    pruning_pending: bool
    pending_reason: str
    aged_not_freed_bytes: int = 0
    eligible_bytes: int = 0
    recommended_bytes: int = 0
    free_mb_after_pruning: int | None = None
    free_mb_after_recommended: int | None = None
    blocked_reason: str = ""
    copies: list[CopyForecast] = field(default_factory=list)
    timeline: list[TimelineDay] = field(default_factory=list)
    warning: str = ""
    # Space the pool uses (capacity minus free, else its size on disk), or None.
    used_mb: int | None = None
    # Why the pool's totals were capped at its used space, or "".
    capped_reason: str = ""


def pool_copies(pool: StoragePool) -> list[StoragePolicyCopy]:
    """Return the live copies written to the pool that have a retention rule."""
    return list(
        StoragePolicyCopy.objects.filter(
            commcell_id=pool.commcell_id,
            storage_pool_cv_id=pool.cv_id,
            removed_at__isnull=True,
            retention_rule__isnull=False,
        )
        .select_related("storage_policy", "retention_rule")
        .order_by("storage_policy__name", "copy_precedence", "pk")
    )


def pool_stores(pool: StoragePool) -> list[DDBStore]:
    """Return the pool's live DDB stores, matched by the pool's storage policy."""
    if not pool.storage_policy_cv_id:
        return []
    return list(
        DDBStore.objects.filter(
            commcell_id=pool.commcell_id,
            storage_policy_cv_id=pool.storage_policy_cv_id,
            removed_at__isnull=True,
        )
    )


def is_deduplicated(
    pool: StoragePool, copies: list[StoragePolicyCopy], stores: list
) -> bool:
    """Return True when the pool type, a DDB store or a copy shows dedup is on."""
    return (
        pool.pool_type == StoragePool.PoolType.DEDUPLICATION
        or bool(stores)
        or any(copy.dedup_enabled for copy in copies)
    )


def average_savings(storage_policy_ids: Iterable[int]) -> float | None:
    """Return the dedup savings percent of the policies' jobs, weighted by size.

    The weight is the application size, so large jobs count more. Jobs without a
    savings figure or an application size are left out.
    """
    totals = Job.objects.filter(
        storage_policy_id__in=list(storage_policy_ids),
        percent_savings__isnull=False,
        application_bytes__gt=0,
    ).aggregate(
        weighted=Sum(F("percent_savings") * F("application_bytes")),
        weight=Sum("application_bytes"),
    )
    if not totals["weight"]:
        return None
    return float(totals["weighted"]) / float(totals["weight"])


def free_space_trend(
    pool: StoragePool, now: datetime, window_days: int = PENDING_WINDOW_DAYS
) -> bool | None:
    """Return whether the pool's free space rose over the window, or None unknown.

    A rise between any two snapshots in a row counts, so space freed once and
    filled again still shows that pruning gave space back.
    """
    snapshots = list(
        StoragePoolSnapshot.objects.filter(
            pool=pool,
            capacity_reported=True,
            collected_at__gte=now - timedelta(days=window_days),
            collected_at__lte=now,
        )
        .order_by("collected_at")
        .values_list("free_space_mb", flat=True)
    )
    known = [value for value in snapshots if value is not None]
    if len(known) < 2:
        return None
    return any(later > earlier for earlier, later in pairwise(known))


def pruning_blocked(stores: list[DDBStore]) -> str:
    """Return why the stores cannot prune now, or "" when nothing blocks them."""
    from apps.pruning.models import DDBPartition

    reasons = []
    disabled = sorted(store.name for store in stores if not store.pruning_enabled)
    if disabled:
        reasons.append(
            f"Pruning is disabled on DDB store {', '.join(disabled)}, so no aged "
            "data is deleted from disk until it is enabled."
        )
    offline = sorted(
        set(
            DDBPartition.objects.filter(
                store__in=stores, media_agent__online=False
            ).values_list("media_agent__name", flat=True)
        )
    )
    if offline:
        reasons.append(
            f"MediaAgent {', '.join(offline)} hosting a DDB partition is offline, "
            "so the store cannot prune until it is back online."
        )
    return " ".join(reasons)


def pending_state(pending_deletes: int | None, rose: bool | None) -> tuple[bool, str]:
    """Decide whether aged data still waits to be freed, and return the reason."""
    if pending_deletes:
        return (
            True,
            f"The pool's DDB stores report {pending_deletes:,} pending deletes.",
        )
    if rose is False:
        return (
            True,
            f"Free space did not rise over the last {PENDING_WINDOW_DAYS} days.",
        )
    if rose is None and pending_deletes is None:
        return True, (
            "No pending-delete count and fewer than two capacity snapshots, so "
            "recently aged data is counted as not yet freed."
        )
    if rose is None:
        return False, (
            "The pool's DDB stores report no pending deletes, so aged data counts "
            "as freed."
        )
    if pending_deletes is None:
        return False, (
            f"Free space rose over the last {PENDING_WINDOW_DAYS} days, so aged "
            "data counts as freed."
        )
    return False, "Free space rose and no deletes are pending: aged data was freed."


def forecast_copy_chains(
    chains: Chains,
    retention: CopyRetention,
    now: datetime,
    *,
    forecast: CopyForecast,
    timeline: dict[date, int],
    horizon_days: int = HORIZON_DAYS,
    settings: EngineSettings | None = None,
) -> None:
    """Add one copy's aged, eligible and upcoming bytes to ``forecast`` and ``timeline``.

    Each chain is evaluated with the aged flags cleared, so an aged job gets the date
    its rules met: jobs aged within the pending window count as aged, not yet freed.
    """
    window_start = now - timedelta(days=PENDING_WINDOW_DAYS)
    horizon = now + timedelta(days=horizon_days)

    for key, jobs in chains:
        unaged = [replace(job, aged=False) if job.aged else job for job in jobs]
        result = evaluate_chain(
            unaged, retention, now, chain_key=key, settings=settings or EngineSettings()
        )
        aged_ids = {job.job_id for job in jobs if job.aged}
        for verdict in result.verdicts:
            size = verdict.size_bytes
            when = verdict.retain_until
            if verdict.job_id in aged_ids:
                if when is not None and when >= window_start:
                    forecast.aged_recent_jobs += 1
                    forecast.aged_recent_bytes += size
                continue
            if verdict.reason is Reason.ELIGIBLE:
                forecast.eligible_jobs += 1
                forecast.eligible_bytes += size
            elif when is not None and now < when <= horizon:
                timeline[when.date()] += size


def build_timeline(
    timeline: dict[date, int],
    now: datetime,
    free_mb: int | None,
    total_mb: int | None,
    horizon_days: int = HORIZON_DAYS,
) -> list[TimelineDay]:
    """Return one row per day from today with the cumulative bytes and free space."""
    rows = []
    cumulative = 0
    for offset in range(horizon_days):
        day = (now + timedelta(days=offset)).date()
        freed = timeline.get(day, 0)
        cumulative += freed
        rows.append(
            TimelineDay(
                day=day,
                bytes=freed,
                cumulative_bytes=cumulative,
                free_mb_after=_free_after(free_mb, total_mb, cumulative),
            )
        )
    return rows


def _free_after(free_mb: int | None, total_mb: int | None, freed: int) -> int | None:
    if free_mb is None:
        return None
    after = free_mb + freed // MB
    if total_mb:
        after = min(after, total_mb)
    return after


def forecast_pool(
    pool: StoragePool,
    now: datetime,
    *,
    chains_for: Callable[[StoragePolicyCopy], Chains] | None = None,
    estimate_for: Callable[[StoragePolicyCopy], str] | None = None,
    horizon_days: int = HORIZON_DAYS,
    with_recommendations: bool = True,
    review_for: Callable[[RetentionRule], RuleReview] | None = None,
    tool_settings: ToolSettings | None = None,
) -> PoolForecast:
    """Forecast the space a pool gets back from aging, pruning and recommended changes.

    The free space after pruning assumes that the next data aging run ages the
    eligible jobs and that the DDB then frees their blocks. It is capped at the
    pool's capacity. ``review_for(rule)`` returns the optimizer's review of a rule;
    by default each rule is reviewed over its jobs here.
    """
    context = tool_settings or ToolSettings()
    if chains_for is None:
        chains_for = _read_copy_chains
    if estimate_for is None:
        estimate_for = _copy_estimate
    copies = pool_copies(pool)
    stores = pool_stores(pool)
    deduplicated = is_deduplicated(pool, copies, stores)
    savings = (
        average_savings({c.storage_policy_id for c in copies}) if deduplicated else None
    )
    pending_values = [store.pending_deletes for store in stores]
    pending = (
        sum(pending_values) if pending_values and None not in pending_values else None
    )
    rose = free_space_trend(pool, now)
    waiting, reason = pending_state(pending, rose)
    blocked = pruning_blocked(stores)
    if blocked:
        waiting = True
    free_mb = pool.free_space_mb if pool.capacity_reported else None
    total_mb = pool.total_capacity_mb if pool.capacity_reported else None
    used_mb = pool.size_on_disk_mb
    if free_mb is not None and total_mb:
        used_mb = total_mb - free_mb

    forecast = PoolForecast(
        pool_id=pool.pk,
        pool_name=pool.name,
        deduplicated=deduplicated,
        savings_percent=savings,
        total_mb=total_mb,
        free_mb=free_mb,
        pending_deletes=pending,
        free_space_rose=rose,
        pruning_pending=waiting,
        pending_reason=reason,
        blocked_reason=blocked,
        warning=ESTIMATE_WARNING if deduplicated else "",
        used_mb=used_mb,
    )
    timeline: dict[date, int] = defaultdict(int)
    for copy in copies:
        rule = copy.retention_rule
        retention = copy_retention(rule, copy, days_only=context.days_only)
        copy_forecast = CopyForecast(
            copy_id=copy.pk,
            copy_name=copy.name,
            storage_policy_name=copy.storage_policy.name,
            estimate=estimate_for(copy),
        )
        forecast_copy_chains(
            chains_for(copy),
            retention,
            now,
            forecast=copy_forecast,
            timeline=timeline,
            horizon_days=horizon_days,
            settings=context.engine,
        )
        if with_recommendations:
            review = (
                review_for(rule)
                if review_for is not None
                else review_rule(rule, now, tool_settings=context)
            )
            _add_recommendation(review, copy_forecast)
        forecast.copies.append(copy_forecast)

    _add_totals(forecast, waiting)
    forecast.timeline = build_timeline(
        {} if blocked else timeline,
        now,
        forecast.free_mb_after_pruning,
        total_mb,
        horizon_days,
    )
    logger.info(
        "pool %s (id %s): %d copies forecast, %d bytes eligible, %d aged not freed",
        pool.name,
        pool.pk,
        len(copies),
        forecast.eligible_bytes,
        forecast.aged_not_freed_bytes,
    )
    return forecast


def _read_copy_chains(copy: StoragePolicyCopy) -> Chains:
    return iter_source_chains(copy_job_source(copy))


def _copy_estimate(copy: StoragePolicyCopy) -> str:
    return copy_job_source(copy).estimate


def _add_recommendation(review: RuleReview, copy_forecast: CopyForecast) -> None:
    """Keep the recommended change that frees the most bytes on this copy.

    Its bytes are the optimizer's, so both pages show the same figure.
    """
    best = max(
        review.impacts, key=lambda impact: impact.newly_eligible_bytes, default=None
    )
    if best is None or best.newly_eligible_bytes == 0:
        return
    copy_forecast.recommended_change = best.configuration
    copy_forecast.recommended_jobs = best.newly_eligible_jobs
    copy_forecast.recommended_bytes = best.newly_eligible_bytes


def _add_totals(forecast: PoolForecast, waiting: bool) -> None:
    for copy in forecast.copies:
        if waiting:
            forecast.aged_not_freed_bytes += copy.aged_recent_bytes
        forecast.eligible_bytes += copy.eligible_bytes
        forecast.recommended_bytes += copy.recommended_bytes
    _cap_at_used_space(forecast)

    if forecast.blocked_reason:
        # Nothing leaves the disk while the stores cannot prune.
        forecast.free_mb_after_pruning = forecast.free_mb
        forecast.free_mb_after_recommended = forecast.free_mb
        return

    freed = forecast.aged_not_freed_bytes + forecast.eligible_bytes
    forecast.free_mb_after_pruning = _free_after(
        forecast.free_mb, forecast.total_mb, freed
    )
    forecast.free_mb_after_recommended = _free_after(
        forecast.free_mb, forecast.total_mb, freed + forecast.recommended_bytes
    )


def _cap_at_used_space(forecast: PoolForecast) -> None:
    """Cap the pool's totals at the space it uses, and record why they exceeded it.

    A pool cannot give back more than it holds. Job sizes that add up to more come
    from jobs counted on several copies of the pool, or from sizes the CommServe
    reports larger than what the pool keeps. The per-copy figures stay as computed.
    """
    if forecast.used_mb is None or forecast.used_mb < 0:
        return
    used = forecast.used_mb * MB
    total = (
        forecast.aged_not_freed_bytes
        + forecast.eligible_bytes
        + forecast.recommended_bytes
    )
    if total <= used:
        return

    forecast.capped_reason = (
        f"The copies' jobs add up to {_size(total)} to reclaim, more than the "
        f"{_size(used)} the pool uses, so the totals are capped at the used space. "
        "Jobs counted on more than one copy of this pool, or job sizes larger than "
        "what the pool keeps, overstate the per-copy figures."
    )
    forecast.aged_not_freed_bytes = min(forecast.aged_not_freed_bytes, used)
    left = used - forecast.aged_not_freed_bytes
    forecast.eligible_bytes = min(forecast.eligible_bytes, left)
    left -= forecast.eligible_bytes
    forecast.recommended_bytes = min(forecast.recommended_bytes, left)
    logger.warning(
        "pool %s (id %s): %d bytes to reclaim exceed the %d bytes used, so capped",
        forecast.pool_name,
        forecast.pool_id,
        total,
        used,
    )


def _size(size_bytes: int) -> str:
    """Format bytes as GiB or TiB, as the tool pages show them."""
    if size_bytes >= 1024**4:
        return f"{size_bytes / 1024**4:,.1f} TiB"
    return f"{size_bytes / 1024**3:,.1f} GiB"


def pools_to_forecast(commcell_id: int | None = None):
    """Return the live pools in name order."""
    pools = StoragePool.objects.filter(removed_at__isnull=True)
    if commcell_id is not None:
        pools = pools.filter(commcell_id=commcell_id)
    return pools.order_by("name", "pk")
