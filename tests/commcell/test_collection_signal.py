"""The signal a collection sends once its outcome is recorded."""

import pytest

from apps.commcell.models import SyncRun
from apps.commcell.signals import collection_finished, collection_history_written
from apps.pruning.models import DDBStoreSnapshot
from apps.storage.models import StoragePoolSnapshot
from tests.commcell.test_collector import collect, sim_commcell

pytestmark = [pytest.mark.django_db, pytest.mark.simulator]


def test_signal_carries_run_and_steps(commserve_sim):
    seen = []

    def receiver(sender, **kwargs):
        seen.append(kwargs)

    collection_finished.connect(receiver)
    try:
        run = collect(sim_commcell(commserve_sim))
    finally:
        collection_finished.disconnect(receiver)

    assert len(seen) == 1
    assert seen[0]["run"].pk == run.pk
    assert seen[0]["status"] == SyncRun.Status.SUCCEEDED
    assert seen[0]["run"].status == SyncRun.Status.SUCCEEDED
    assert {"storage_pools", "media_agents", "ddb_stores", "jobs"} <= seen[0][
        "completed_steps"
    ]


def test_signal_failing_receiver_ignored(commserve_sim):
    def broken(sender, **kwargs):
        raise RuntimeError("receiver broke")

    collection_finished.connect(broken)
    try:
        run = collect(sim_commcell(commserve_sim))
    finally:
        collection_finished.disconnect(broken)

    assert run.status == SyncRun.Status.SUCCEEDED
    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED


def test_signal_history_written_first(commserve_sim):
    counts = []

    def receiver(sender, run, **kwargs):
        counts.append(
            (
                StoragePoolSnapshot.objects.filter(
                    collected_at=run.history_time
                ).count(),
                DDBStoreSnapshot.objects.filter(collected_at=run.history_time).count(),
            )
        )

    collection_history_written.connect(receiver)
    try:
        collect(sim_commcell(commserve_sim))
    finally:
        collection_history_written.disconnect(receiver)

    assert len(counts) == 1
    pools, stores = counts[0]
    assert pools > 0
    assert stores > 0
