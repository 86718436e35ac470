"""Stored copies, rules and jobs for the retention tools' database tests."""

import pytest
from django.utils import timezone

from apps.commcell.models import Job
from apps.retention.tools.store import analyze_tools
from apps.storage.models import StoragePool
from tests.factories import (
    ClientFactory,
    CommCellFactory,
    JobFactory,
    PlanFactory,
    RetentionRuleFactory,
    StoragePolicyCopyFactory,
    StoragePoolFactory,
)

from .builders import weekly_then_no_fulls

SAVINGS_PERCENT = 80.0


def store_jobs(commcell, plan, records, *, savings=SAVINGS_PERCENT, subclient=1):
    """Save engine job records as collected jobs of the plan's storage policy."""
    client = ClientFactory(commcell=commcell)
    for record in records:
        JobFactory(
            commcell=commcell,
            job_id=record.job_id + 10_000 * subclient,
            plan=plan,
            storage_policy=plan.storage_policy,
            client=client,
            client_name=client.name,
            subclient_cv_id=subclient,
            subclient_name=f"sub{subclient}",
            level=str(record.level),
            level_name=str(record.level),
            outcome=Job.Outcome.COMPLETED,
            start_time=record.start,
            end_time=record.end,
            media_bytes=record.size_bytes,
            application_bytes=record.size_bytes * 5,
            percent_savings=savings,
            is_aged=record.aged,
        )


@pytest.fixture
def weekly_pool(db):
    """A dedup pool with one 7 days / 4 cycles copy: weekly fulls on days 0-49.

    Jobs run daily to day 55. Fulls hold 100 GiB and incrementals 10 GiB of media,
    each with 80 % dedup savings.
    """
    commcell = CommCellFactory(name="cs-tools")
    plan = PlanFactory(commcell=commcell, name="Weekly")
    pool = StoragePoolFactory(
        commcell=commcell,
        name="DedupPool",
        pool_type=StoragePool.PoolType.DEDUPLICATION,
        total_capacity_mb=10_000_000,
        free_space_mb=1_000,
    )
    copy = StoragePolicyCopyFactory(
        commcell=commcell,
        storage_policy=plan.storage_policy,
        name="Primary",
        storage_pool_cv_id=pool.cv_id,
        dedup_enabled=True,
    )
    rule = RetentionRuleFactory(
        copy=copy, plan=plan, retention_days=7, retention_cycles=4
    )
    store_jobs(commcell, plan, weekly_then_no_fulls(weeks_with_fulls=8, last_day=55))
    return {
        "commcell": commcell,
        "plan": plan,
        "pool": pool,
        "copy": copy,
        "rule": rule,
    }


@pytest.fixture
def analyzed(weekly_pool):
    """The weekly pool after the tools analyzer stored its results as of now."""
    list(analyze_tools(weekly_pool["commcell"], timezone.now()))
    return weekly_pool
