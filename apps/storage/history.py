"""Snapshots of pools and MediaAgents, written after each collection."""

import logging
from datetime import datetime
from typing import Any

from apps.commcell.models import CommCell, SyncRun

from .models import (
    MediaAgent,
    MediaAgentSnapshot,
    StoragePool,
    StoragePoolSnapshot,
    capacity_is_reported,
)

logger = logging.getLogger(__name__)


def record_snapshots(
    sender: Any,
    *,
    commcell: CommCell,
    run: SyncRun,
    completed_steps: frozenset[str],
    **kwargs: Any,
) -> None:
    """Write snapshots for the steps that completed, stamped with the run's time.

    Connected to `collection_finished`. A step that failed leaves its inventory as an
    earlier run stored it, so no snapshot is written for it.
    """
    when = run.history_time
    if "storage_pools" in completed_steps:
        count = write_pool_snapshots(commcell, when)
        logger.info(
            "run %s of CommCell %s: %d pool snapshots at %s",
            run.pk,
            commcell.pk,
            count,
            when.isoformat(),
        )
    if "media_agents" in completed_steps:
        count = write_media_agent_snapshots(commcell, when)
        logger.info(
            "run %s of CommCell %s: %d MediaAgent snapshots at %s",
            run.pk,
            commcell.pk,
            count,
            when.isoformat(),
        )


def pool_snapshot(pool: StoragePool, when: datetime) -> StoragePoolSnapshot:
    """Build an unsaved snapshot. A capacity that is not reported gets no used space."""
    total = pool.total_capacity_mb
    free = pool.free_space_mb
    reported = capacity_is_reported(total, free)
    return StoragePoolSnapshot(
        commcell_id=pool.commcell_id,
        pool=pool,
        collected_at=when,
        total_capacity_mb=total,
        free_space_mb=free,
        used_mb=max(total - free, 0) if reported else None,
        capacity_reported=reported,
    )


def write_pool_snapshots(commcell: CommCell, when: datetime) -> int:
    pools = StoragePool.objects.filter(commcell=commcell, removed_at__isnull=True)
    rows = [pool_snapshot(pool, when) for pool in pools]
    # A second announcement of the same run adds nothing: (pool, time) is unique.
    StoragePoolSnapshot.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def write_media_agent_snapshots(commcell: CommCell, when: datetime) -> int:
    agents = MediaAgent.objects.filter(commcell=commcell, removed_at__isnull=True)
    rows = [
        MediaAgentSnapshot(
            commcell_id=agent.commcell_id,
            media_agent=agent,
            collected_at=when,
            online=agent.online,
            offline_reason_code=agent.offline_reason_code,
            offline_reason=agent.offline_reason,
        )
        for agent in agents
    ]
    MediaAgentSnapshot.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
