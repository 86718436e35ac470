"""Retention rules with plans, in the shapes the dashboard and API tests need."""

import pytest

from apps.retention.classification import classify
from apps.retention.severity import SEVERITY_RANK
from tests.factories import (
    CommCellFactory,
    PlanFactory,
    RetentionRuleFactory,
    StoragePolicyCopyFactory,
)


def make_rule(commcell, plan=None, *, days=30, cycles=1, aging=True, **kwargs):
    """Create a classified rule. With a plan, the copy belongs to the plan's policy."""
    policy_kwargs = {}
    if plan is not None:
        policy_kwargs["storage_policy"] = plan.storage_policy
    copy = StoragePolicyCopyFactory(
        commcell=commcell, name=kwargs.pop("copy_name", "Primary"), **policy_kwargs
    )
    result = classify(days, cycles, data_aging_enabled=aging)
    return RetentionRuleFactory(
        copy=copy,
        plan=plan,
        retention_days=days,
        retention_cycles=cycles,
        data_aging_enabled=aging,
        severity=result.severity,
        severity_rank=SEVERITY_RANK[result.severity],
        reason=result.reason,
        **kwargs,
    )


@pytest.fixture
def rules(db):
    """Two CommCells: one rule per severity on cs-east, one ok rule on cs-west."""
    east = CommCellFactory(name="cs-east")
    west = CommCellFactory(name="cs-west")
    gold = PlanFactory(commcell=east, name="Gold")
    silver = PlanFactory(commcell=east, name="Silver")
    bronze = PlanFactory(commcell=west, name="Bronze")
    return {
        "critical": make_rule(east, gold, days=30, cycles=2, aging=False),
        "high": make_rule(east, gold, days=14, cycles=2),
        "medium": make_rule(east, silver, days=60, cycles=4),
        "info": make_rule(east, silver, days=-1, cycles=1),
        "ok_east": make_rule(east, None, days=30, cycles=0),
        "ok_west": make_rule(west, bronze, days=90, cycles=1),
    }
