"""Pools with a known history for the storage page and API tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import (
    CommCellFactory,
    PlanFactory,
    StoragePolicyCopyFactory,
    StoragePoolFactory,
    StoragePoolSnapshotFactory,
)

TOTAL_MB = 1_000_000


@pytest.fixture
def storage_data(db) -> dict:
    """A filling pool with 30 days of history, a cloud pool and an ok pool.

    The filling pool loses 10,240 MB (10 GB) of free space a day and ends with
    50,000 MB (5%) free, so it is critical and full in about 4.9 days.
    """
    commcell = CommCellFactory(name="cs-storage")
    other = CommCellFactory(name="cs-other")
    filling = StoragePoolFactory(
        commcell=commcell,
        name="FillingPool",
        cv_id=9_000_041,
        total_capacity_mb=TOTAL_MB,
        free_space_mb=50_000,
    )
    cloud = StoragePoolFactory(
        commcell=commcell,
        name="CloudPool",
        storage_type=2,
        total_capacity_mb=None,
        free_space_mb=None,
    )
    roomy = StoragePoolFactory(
        commcell=other,
        name="RoomyPool",
        total_capacity_mb=TOTAL_MB,
        free_space_mb=800_000,
    )
    now = timezone.now()
    for day in range(30):
        StoragePoolSnapshotFactory(
            pool=filling,
            collected_at=now - timedelta(days=29 - day),
            total_capacity_mb=TOTAL_MB,
            free_space_mb=50_000 + 10_240 * (29 - day),
        )
    plan = PlanFactory(commcell=commcell, name="Gold")
    StoragePolicyCopyFactory(
        commcell=commcell,
        storage_policy=plan.storage_policy,
        name="Primary",
        storage_pool_cv_id=9_000_041,
    )
    StoragePolicyCopyFactory(commcell=commcell, name="Elsewhere", storage_pool_cv_id=99)
    return {"filling": filling, "cloud": cloud, "roomy": roomy, "plan": plan}
