"""Deduplication impact: dedup pools, their savings, and what extended retention holds.

On a deduplicated copy the jobs share blocks. When basic retention ages a job,
little space returns while a full kept by an extended rule still references the
blocks, so the space comes back only when the extended jobs age. Commvault recommends
a selective copy with longer basic retention in place of extended rules there, and
does not recommend extended retention on WORM storage, whose lock also keeps a whole
cycle until its last job expires.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from apps.commcell.models import StoragePolicyCopy
from apps.retention.engine import (
    EngineSettings,
    JobRecord,
    Reason,
    RetentionChange,
    evaluate_chain,
    what_if,
)
from apps.storage.models import StoragePool

from .context import ToolSettings
from .loading import copy_job_source, copy_retention, iter_copy_chains
from .optimizer import extended_rules_keep_longer
from .reclamation import average_savings, is_deduplicated, pool_copies, pool_stores

logger = logging.getLogger(__name__)

ChainSource = Callable[[StoragePolicyCopy], Iterable[tuple[str, list[JobRecord]]]]


@dataclass(frozen=True, slots=True)
class ExtendedHold:
    """The jobs that the extended rules of one dedup or WORM copy keep on disk."""

    copy_id: int
    copy_name: str
    storage_policy_name: str
    deduplicated: bool
    worm: bool
    rules: str
    held_jobs: int
    held_bytes: int
    freed_jobs_without_rules: int
    freed_bytes_without_rules: int
    advice: str
    # Why the copy's jobs are an estimate (its job list was not collected), or "".
    estimate: str = ""


@dataclass(slots=True)
class DedupPool:
    """A deduplicated pool, its savings and the extended holds on its copies."""

    pool_id: int
    pool_name: str
    savings_percent: float | None
    dedup_ratio: float | None
    store_count: int
    size_on_disk_mb: int | None
    holds: list[ExtendedHold] = field(default_factory=list)


def dedup_ratio(savings_percent: float | None) -> float | None:
    """Return the dedup ratio (application size / media size) of a savings percent."""
    if savings_percent is None or savings_percent >= 100:
        return None
    return 100.0 / (100.0 - max(savings_percent, 0.0))


def measure_hold(
    copy: StoragePolicyCopy,
    now: datetime,
    *,
    deduplicated: bool,
    worm: bool,
    chains_for: ChainSource = iter_copy_chains,
    estimate: str | None = None,
    tool_settings: ToolSettings | None = None,
) -> ExtendedHold:
    """Count the jobs extended rules keep on a copy, and what turning them off frees."""
    context = tool_settings or ToolSettings()
    engine: EngineSettings = context.engine
    retention = copy_retention(copy.retention_rule, copy, days_only=context.days_only)
    if estimate is None:
        estimate = copy_job_source(copy).estimate
    held_jobs = held_bytes = 0
    for key, jobs in chains_for(copy):
        result = evaluate_chain(jobs, retention, now, chain_key=key, settings=engine)
        for verdict in result.verdicts:
            if verdict.reason is Reason.EXTENDED_RETENTION:
                held_jobs += 1
                held_bytes += verdict.size_bytes
    effect = what_if(
        chains_for(copy),
        retention,
        RetentionChange(extended_off=True),
        now,
        settings=engine,
    )
    rules = ", ".join(
        f"{rule.kind.value} for "
        + ("ever" if rule.end_days < 0 else f"{rule.end_days} days")
        for rule in retention.extended_rules
    )
    return ExtendedHold(
        copy_id=copy.pk,
        copy_name=copy.name,
        storage_policy_name=copy.storage_policy.name,
        deduplicated=deduplicated,
        worm=worm,
        rules=rules,
        held_jobs=held_jobs,
        held_bytes=held_bytes,
        freed_jobs_without_rules=effect.newly_eligible_jobs,
        freed_bytes_without_rules=effect.newly_eligible_bytes,
        advice=_advice(
            deduplicated,
            worm,
            keeps_longer=extended_rules_keep_longer(retention, engine),
            basic_days=retention.days,
        ),
        estimate=estimate,
    )


def _advice(
    deduplicated: bool, worm: bool, *, keeps_longer: bool, basic_days: int
) -> str:
    if not keeps_longer:
        return (
            "The extended rules keep no full longer than the basic "
            f"{basic_days} day{'s' if basic_days != 1 else ''}, so they hold no job "
            "and turning them off frees nothing."
        )
    parts = []
    if deduplicated:
        parts.append(
            "Blocks shared with the extended fulls stay on disk until those fulls "
            "age, so aging basic jobs frees little. Use a selective copy with "
            "longer basic retention in place of extended rules."
        )
    if worm:
        parts.append(
            "Extended retention is not recommended on WORM storage, and the lock "
            "may reject a shorter retention; a change then applies to new jobs only."
        )
    return " ".join(parts)


def analyze_pool(
    pool: StoragePool,
    now: datetime,
    *,
    chains_for: ChainSource = iter_copy_chains,
    estimate_for: Callable[[StoragePolicyCopy], str] | None = None,
    tool_settings: ToolSettings | None = None,
) -> DedupPool | None:
    """Return the dedup figures of a pool, or None when the pool is not deduplicated.

    Copies on the pool with extended rules get a hold entry. A WORM copy with
    extended rules counts even when the pool is not deduplicated, so the caller
    receives such pools too.
    """
    copies = pool_copies(pool)
    stores = pool_stores(pool)
    deduplicated = is_deduplicated(pool, copies, stores)
    extended = [c for c in copies if c.retention_rule.extended_rules]
    worm_extended = [c for c in extended if c.worm or pool.worm_flags]
    if not deduplicated and not worm_extended:
        return None

    savings = average_savings({c.storage_policy_id for c in copies})
    result = DedupPool(
        pool_id=pool.pk,
        pool_name=pool.name,
        savings_percent=savings,
        dedup_ratio=dedup_ratio(savings),
        store_count=len(stores),
        size_on_disk_mb=pool.size_on_disk_mb,
    )
    for copy in extended if deduplicated else worm_extended:
        result.holds.append(
            measure_hold(
                copy,
                now,
                deduplicated=deduplicated or copy.dedup_enabled,
                worm=copy.worm or bool(pool.worm_flags),
                chains_for=chains_for,
                estimate=estimate_for(copy) if estimate_for is not None else None,
                tool_settings=tool_settings,
            )
        )
    logger.debug(
        "pool %s (id %s): %d copies with extended rules measured",
        pool.name,
        pool.pk,
        len(result.holds),
    )
    return result
