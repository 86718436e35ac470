"""DDB snapshots written after each collection."""

from datetime import UTC, datetime

import pytest

from apps.commcell.models import SyncRun
from apps.core.history import registered_history
from apps.pruning.history import record_ddb_snapshots
from apps.pruning.models import DDBStore, DDBStoreSnapshot
from tests.commcell.test_collector import collect, sim_commcell
from tests.factories import CommCellFactory, DDBStoreFactory, SyncRunFactory

pytestmark = pytest.mark.django_db


@pytest.mark.simulator
def test_collection_writes_one_snapshot_per_store(commserve_sim):
    commcell = sim_commcell(commserve_sim, initial_job_days=1)

    run = collect(commcell)

    stores = DDBStore.objects.filter(commcell=commcell, removed_at__isnull=True)
    snapshots = DDBStoreSnapshot.objects.filter(store__commcell=commcell)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert snapshots.count() == stores.count()
    assert snapshots.count() > 0
    assert {s.collected_at for s in snapshots} == {run.history_time}
    for snapshot in snapshots.select_related("store"):
        assert snapshot.pending_deletes == snapshot.store.pending_deletes
        assert snapshot.primary_records == snapshot.store.primary_records
        assert snapshot.sealed == snapshot.store.sealed
        assert snapshot.pruning_enabled == snapshot.store.pruning_enabled


@pytest.mark.simulator
def test_second_collection_adds_snapshots(commserve_sim):
    commcell = sim_commcell(commserve_sim, initial_job_days=1)
    collect(commcell)

    collect(commcell)

    stores = DDBStore.objects.filter(commcell=commcell).count()
    assert DDBStoreSnapshot.objects.filter(store__commcell=commcell).count() == (
        2 * stores
    )


def test_no_snapshot_without_ddb_step():
    commcell = CommCellFactory()
    DDBStoreFactory(commcell=commcell)
    run = SyncRunFactory(commcell=commcell)

    written = record_ddb_snapshots(
        SyncRun, commcell=commcell, run=run, completed_steps=frozenset({"jobs"})
    )

    assert written == 0
    assert DDBStoreSnapshot.objects.count() == 0


def test_snapshot_uses_history_time_and_skips_removed():
    commcell = CommCellFactory()
    store = DDBStoreFactory(commcell=commcell, pending_deletes=None)
    DDBStoreFactory(commcell=commcell, removed_at=datetime(2026, 1, 1, tzinfo=UTC))
    as_of = datetime(2026, 10, 5, 6, 0, tzinfo=UTC)
    run = SyncRunFactory(commcell=commcell, as_of=as_of)

    written = record_ddb_snapshots(
        SyncRun,
        commcell=commcell,
        run=run,
        completed_steps=frozenset({"ddb_stores"}),
    )

    snapshot = DDBStoreSnapshot.objects.get()
    assert written == 1
    assert snapshot.store == store
    assert snapshot.collected_at == as_of
    assert snapshot.pending_deletes is None


def test_same_run_twice_updates_snapshot():
    commcell = CommCellFactory()
    store = DDBStoreFactory(commcell=commcell, pending_deletes=10)
    run = SyncRunFactory(commcell=commcell, as_of=datetime(2026, 10, 5, tzinfo=UTC))
    steps = frozenset({"ddb_stores"})
    record_ddb_snapshots(SyncRun, commcell=commcell, run=run, completed_steps=steps)
    DDBStore.objects.filter(pk=store.pk).update(pending_deletes=25)

    record_ddb_snapshots(SyncRun, commcell=commcell, run=run, completed_steps=steps)

    assert DDBStoreSnapshot.objects.get().pending_deletes == 25


def test_snapshots_registered_for_thinning():
    tables = {table.label: table for table in registered_history()}

    table = tables["pruning.DDBStoreSnapshot"]
    assert table.time_field == "collected_at"
    assert table.group_field == "store"
