"""Plans with job chains for the cycle analysis, page and API tests.

Day 1 is 2026-01-01 and jobs start at 22:00 UTC (``tests.retention.sql.scenarios``).
``NOW`` is day 61 at 13:00 UTC, one hour after that day's data aging run.
"""

from datetime import timedelta

from apps.commcell.models import Job
from tests.factories import (
    ClientFactory,
    CommCellFactory,
    JobFactory,
    PlanFactory,
    RetentionRuleFactory,
    StoragePolicyCopyFactory,
)
from tests.retention.sql.scenarios import (
    DONE,
    FAILED,
    FULL,
    INCR,
    day,
    fulls_with_daily_incrementals,
)

NOW = day(61, hour=13)


def make_plan(commcell, name: str, *, days: int, cycles: int, **rule_fields):
    """Create a plan whose storage policy's primary copy has the given rule."""
    plan = PlanFactory(commcell=commcell, name=name)
    copy = StoragePolicyCopyFactory(
        commcell=commcell, storage_policy=plan.storage_policy, name="Primary"
    )
    rule = RetentionRuleFactory(
        copy=copy,
        plan=plan,
        retention_days=days,
        retention_cycles=cycles,
        **rule_fields,
    )
    return plan, rule


def add_chain(plan, client, rows, *, subclient: int = 1) -> list[Job]:
    """Create (start, level, outcome) jobs of one client and subclient on the plan."""
    return [
        JobFactory(
            commcell=plan.commcell,
            plan=plan,
            storage_policy=plan.storage_policy,
            client=client,
            client_name=client.name,
            subclient_cv_id=subclient,
            subclient_name=f"sub{subclient}",
            level=level,
            outcome=outcome,
            start_time=start,
            end_time=start + timedelta(hours=1),
            media_bytes=1_000_000,
        )
        for start, level, outcome in rows
    ]


def failing_fulls_rows() -> list[tuple]:
    """A good full on day 1, then daily incrementals and a failed full every week."""
    rows = []
    for number in range(1, 61):
        if number == 1:
            rows.append((day(number), FULL, DONE))
        elif (number - 1) % 7 == 0:
            rows.append((day(number), FULL, FAILED))
        else:
            rows.append((day(number), INCR, DONE))
    return rows


def build_estate(name: str = "cs-cycles") -> dict:
    """Create a CommCell with a delayed weekly plan, a failing plan and a clean plan.

    - Weekly: 14 days / 2 cycles, weekly fulls for 60 days (kept about 20 days).
    - Failing: 7 days / 1 cycle, one good full then only failed fulls (open cycle).
    - Clean: 30 days / 0 cycles (days only), weekly fulls.
    """
    commcell = CommCellFactory(name=name)
    alpha = ClientFactory(commcell=commcell, name="alpha")
    beta = ClientFactory(commcell=commcell, name="beta")
    weekly, weekly_rule = make_plan(commcell, "Weekly", days=14, cycles=2)
    failing, failing_rule = make_plan(commcell, "Failing", days=7, cycles=1)
    clean, clean_rule = make_plan(commcell, "Clean", days=30, cycles=0)

    weekly_jobs = add_chain(weekly, alpha, fulls_with_daily_incrementals(7, 60))
    failing_jobs = add_chain(failing, beta, failing_fulls_rows())
    add_chain(clean, alpha, fulls_with_daily_incrementals(7, 60), subclient=2)
    return {
        "commcell": commcell,
        "alpha": alpha,
        "beta": beta,
        "weekly": weekly,
        "weekly_rule": weekly_rule,
        "weekly_jobs": weekly_jobs,
        "failing": failing,
        "failing_rule": failing_rule,
        "failing_jobs": failing_jobs,
        "clean": clean,
        "clean_rule": clean_rule,
    }
