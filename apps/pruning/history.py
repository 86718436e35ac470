"""DDB store history: one snapshot per store after each collection of the DDB stores."""

import logging
from typing import Any

from apps.commcell.models import CommCell, SyncRun

from .models import DDBStore, DDBStoreSnapshot

logger = logging.getLogger(__name__)

# Step key after which the stored DDB figures are this run's own.
DDB_STEP = "ddb_stores"


def record_ddb_snapshots(
    sender: Any,
    *,
    commcell: CommCell,
    run: SyncRun,
    completed_steps: frozenset[str],
    **kwargs: Any,
) -> int:
    """Write a snapshot of every present DDB store, stamped with the run's history time.

    Runs as a `collection_finished` receiver. Nothing is written unless the DDB step
    completed. A second call for the same run updates the snapshots it wrote.
    """
    if DDB_STEP not in completed_steps:
        logger.info(
            "CommCell %s run %s: no DDB snapshots, the DDB step did not complete",
            commcell.name,
            run.pk,
        )
        return 0

    collected_at = run.history_time
    stores = DDBStore.objects.filter(commcell=commcell, removed_at__isnull=True)
    snapshots = [snapshot_of(store, collected_at) for store in stores]
    DDBStoreSnapshot.objects.bulk_create(
        snapshots,
        update_conflicts=True,
        unique_fields=["store", "collected_at"],
        update_fields=SNAPSHOT_FIELDS,
    )
    logger.info(
        "CommCell %s run %s: %d DDB snapshots at %s",
        commcell.name,
        run.pk,
        len(snapshots),
        collected_at.isoformat(),
    )
    return len(snapshots)


SNAPSHOT_FIELDS = [
    "pending_deletes",
    "primary_records",
    "free_disk_space_mb",
    "sealed",
    "pruning_enabled",
    "partitions_offline",
    "last_backup_at",
]


def snapshot_of(store: DDBStore, collected_at: Any) -> DDBStoreSnapshot:
    return DDBStoreSnapshot(
        store=store,
        collected_at=collected_at,
        pending_deletes=store.pending_deletes,
        primary_records=store.primary_records,
        free_disk_space_mb=store.free_disk_space_mb,
        sealed=store.sealed,
        pruning_enabled=store.pruning_enabled,
        partitions_offline=store.partitions_offline,
        last_backup_at=store.last_backup_at,
    )
