"""Snapshots written after a collection, and thinning and pruning of history."""

from datetime import UTC, datetime, timedelta

import pytest
from django_celery_beat.models import PeriodicTask

from apps.commcell.models import SyncRun
from apps.core import history
from apps.storage.history import record_snapshots
from apps.storage.models import (
    MediaAgent,
    MediaAgentSnapshot,
    StoragePool,
    StoragePoolSnapshot,
)
from apps.storage.tasks import thin_snapshot_history
from tests.commcell.test_collector import collect, sim_commcell
from tests.factories import (
    MediaAgentFactory,
    MediaAgentSnapshotFactory,
    StoragePoolFactory,
    StoragePoolSnapshotFactory,
    SyncRunFactory,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.django_db
@pytest.mark.simulator
def test_collection_writes_snapshots(commserve_sim):
    commcell = sim_commcell(commserve_sim)

    run = collect(commcell)

    assert run.status == SyncRun.Status.SUCCEEDED
    pools = StoragePool.objects.filter(commcell=commcell, removed_at__isnull=True)
    snapshots = StoragePoolSnapshot.objects.filter(commcell=commcell)
    assert snapshots.count() == pools.count() == commserve_sim.pools
    assert set(snapshots.values_list("collected_at", flat=True)) == {run.history_time}
    agents = MediaAgentSnapshot.objects.filter(commcell=commcell)
    assert agents.count() == commserve_sim.media_agents
    assert agents.count() == MediaAgent.objects.filter(commcell=commcell).count()


@pytest.mark.django_db
@pytest.mark.simulator
def test_snapshot_matches_pool_capacity(commserve_sim):
    commcell = sim_commcell(commserve_sim)

    collect(commcell)

    for snapshot in StoragePoolSnapshot.objects.filter(commcell=commcell):
        pool = snapshot.pool
        assert snapshot.total_capacity_mb == pool.total_capacity_mb
        assert snapshot.free_space_mb == pool.free_space_mb
        if snapshot.capacity_reported:
            assert snapshot.used_mb == pool.total_capacity_mb - pool.free_space_mb
        else:
            assert snapshot.used_mb is None
            assert snapshot.free_percent is None


@pytest.mark.django_db
@pytest.mark.simulator
def test_second_collection_adds_snapshots(commserve_sim):
    commcell = sim_commcell(commserve_sim)

    collect(commcell)
    commserve_sim.advance_clock(3600)
    collect(commcell)

    times = StoragePoolSnapshot.objects.filter(commcell=commcell).values_list(
        "collected_at", flat=True
    )
    assert len(set(times)) == 2
    assert len(times) == 2 * commserve_sim.pools


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("total", "free"), [(-1, -1), (0, 0), (None, None), (-10, 5), (500, None)]
)
def test_unreported_capacity_snapshot(total, free):
    pool = StoragePoolFactory(total_capacity_mb=total, free_space_mb=free)
    run = SyncRunFactory(commcell=pool.commcell, as_of=NOW)

    record_snapshots(
        SyncRun,
        commcell=pool.commcell,
        run=run,
        status="succeeded",
        completed_steps=frozenset({"storage_pools"}),
    )

    snapshot = StoragePoolSnapshot.objects.get(pool=pool)
    assert snapshot.capacity_reported is False
    assert snapshot.used_mb is None
    assert snapshot.free_percent is None
    assert snapshot.total_capacity_mb == total


@pytest.mark.django_db
def test_only_completed_steps_get_snapshots():
    pool = StoragePoolFactory()
    agent = MediaAgentFactory(commcell=pool.commcell, online=False)
    run = SyncRunFactory(commcell=pool.commcell, as_of=NOW)

    record_snapshots(
        SyncRun,
        commcell=pool.commcell,
        run=run,
        status="partial",
        completed_steps=frozenset({"media_agents"}),
    )

    assert not StoragePoolSnapshot.objects.exists()
    snapshot = MediaAgentSnapshot.objects.get(media_agent=agent)
    assert snapshot.online is False
    assert snapshot.collected_at == NOW


@pytest.mark.django_db
def test_same_run_twice_writes_once():
    pool = StoragePoolFactory()
    run = SyncRunFactory(commcell=pool.commcell, as_of=NOW)
    steps = frozenset({"storage_pools"})

    for _ in range(2):
        record_snapshots(
            SyncRun, commcell=pool.commcell, run=run, status="ok", completed_steps=steps
        )

    assert StoragePoolSnapshot.objects.filter(pool=pool).count() == 1


def hourly_snapshots(pool, hours: int) -> None:
    for hour in range(hours):
        StoragePoolSnapshotFactory(pool=pool, collected_at=NOW - timedelta(hours=hour))


@pytest.mark.django_db
def test_thin_keeps_recent_and_one_per_day():
    pool = StoragePoolFactory()
    other = StoragePoolFactory(commcell=pool.commcell)
    hourly_snapshots(pool, 240)
    hourly_snapshots(other, 240)

    outcomes = history.thin_and_prune(keep_all_days=3, keep_days=8, now=NOW)

    # NOW is 12:00 UTC. Hours 0 to 72 back stay, hours 193 to 239 back are deleted,
    # and hours 73 to 192 back (23 Nov 12:00 to 28 Nov 11:00) keep each day's latest.
    kept_older = [
        datetime(2026, 11, day, 23, 0, tzinfo=UTC) for day in range(23, 28)
    ] + [datetime(2026, 11, 28, 11, 0, tzinfo=UTC)]
    for subject in (pool, other):
        times = sorted(
            StoragePoolSnapshot.objects.filter(pool=subject).values_list(
                "collected_at", flat=True
            )
        )
        assert times[:6] == kept_older
        assert times[6] == NOW - timedelta(hours=72)
        assert len(times) == 6 + 73
    outcome = outcomes["storage.StoragePoolSnapshot"]
    assert outcome.pruned == 2 * 47
    assert outcome.thinned == 2 * 114


@pytest.mark.django_db
def test_thin_twice_changes_nothing():
    pool = StoragePoolFactory()
    hourly_snapshots(pool, 120)
    history.thin_and_prune(keep_all_days=1, keep_days=4, now=NOW)

    outcomes = history.thin_and_prune(keep_all_days=1, keep_days=4, now=NOW)

    assert outcomes["storage.StoragePoolSnapshot"].thinned == 0
    assert outcomes["storage.StoragePoolSnapshot"].pruned == 0


@pytest.mark.django_db
def test_thin_covers_media_agent_snapshots():
    agent = MediaAgentFactory()
    for hour in range(72):
        MediaAgentSnapshotFactory(
            media_agent=agent, collected_at=NOW - timedelta(hours=hour)
        )

    history.thin_and_prune(keep_all_days=1, keep_days=2, now=NOW)

    remaining = MediaAgentSnapshot.objects.filter(media_agent=agent)
    assert remaining.filter(collected_at__gte=NOW - timedelta(days=1)).count() == 25
    assert remaining.filter(collected_at__lt=NOW - timedelta(days=2)).count() == 0


@pytest.mark.parametrize(("keep_all", "keep"), [(5, 5), (9, 3), (-1, 4)])
def test_thin_rejects_bad_retention(keep_all, keep):
    with pytest.raises(ValueError, match="Invalid history retention"):
        history.thin_and_prune(keep_all_days=keep_all, keep_days=keep, now=NOW)


@pytest.mark.django_db
def test_task_uses_stored_retention():
    pool = StoragePoolFactory()
    old = StoragePoolSnapshotFactory(
        pool=pool, collected_at=datetime.now(UTC) - timedelta(days=1000)
    )
    recent = StoragePoolSnapshotFactory(pool=pool, collected_at=datetime.now(UTC))

    result = thin_snapshot_history.apply().get()

    assert result["storage.StoragePoolSnapshot"]["pruned"] == 1
    assert not StoragePoolSnapshot.objects.filter(pk=old.pk).exists()
    assert StoragePoolSnapshot.objects.filter(pk=recent.pk).exists()


@pytest.mark.django_db
def test_daily_periodic_task_exists():
    task = PeriodicTask.objects.get(task="apps.storage.tasks.thin_snapshot_history")

    assert task.enabled
    assert task.crontab.hour == "3"
    assert task.crontab.day_of_week == "*"
