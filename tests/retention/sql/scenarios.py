"""Job histories for the retention SQL tests, built with the factories.

Day 1 is 2026-01-01. Jobs start at 22:00 UTC unless a case says otherwise, and data
aging runs daily at 12:00 UTC.
"""

from datetime import UTC, datetime, timedelta

from apps.commcell.models import Job
from tests.factories import (
    ClientFactory,
    CommCellFactory,
    JobFactory,
    RetentionRuleFactory,
    StoragePolicyCopyFactory,
)

DAY_ONE = datetime(2026, 1, 1, 22, 0, tzinfo=UTC)

FULL = Job.Level.FULL
INCR = Job.Level.INCREMENTAL
SYNTH = Job.Level.SYNTHETIC_FULL
DONE = Job.Outcome.COMPLETED
ERRORS = Job.Outcome.COMPLETED_ERRORS
FAILED = Job.Outcome.FAILED
RUNNING = Job.Outcome.RUNNING


def day(number: float, hour: int = 22) -> datetime:
    """Return day ``number`` (day 1 is 2026-01-01) at ``hour``:00 UTC."""
    return DAY_ONE + timedelta(days=number - 1, hours=hour - 22)


def make_policy(commcell, *, days: int, cycles: int, **rule_fields):
    """Create a storage policy whose primary copy has the given retention rule."""
    copy = StoragePolicyCopyFactory(commcell=commcell)
    rule = RetentionRuleFactory(
        copy=copy, retention_days=days, retention_cycles=cycles, **rule_fields
    )
    return copy.storage_policy, rule


def add_jobs(commcell, policy, client, rows, *, subclient: int = 1) -> list[Job]:
    """Create jobs from (start, level, outcome) rows on one chain."""
    jobs = []
    for start, level, outcome in rows:
        jobs.append(
            JobFactory(
                commcell=commcell,
                storage_policy=policy,
                client=client,
                client_name=client.name if client else "",
                subclient_cv_id=subclient,
                subclient_name=f"sub{subclient}",
                level=level,
                outcome=outcome,
                start_time=start,
                end_time=None if outcome == RUNNING else start + timedelta(hours=1),
            )
        )
    return jobs


def fulls_with_daily_incrementals(period: int, last_day: int) -> list[tuple]:
    """Fulls on day 1 and every ``period`` days, incrementals on the other days."""
    return [
        (day(number), FULL if (number - 1) % period == 0 else INCR, DONE)
        for number in range(1, last_day + 1)
    ]


def build_mixed(commcell=None):
    """Create several chains covering every reason code; return the CommCell."""
    commcell = commcell or CommCellFactory(name="cs-mixed")
    weekly, _ = make_policy(commcell, days=14, cycles=2)
    monthly, _ = make_policy(commcell, days=30, cycles=1)
    days_only, _ = make_policy(commcell, days=10, cycles=0)
    disabled, _ = make_policy(commcell, days=30, cycles=1, data_aging_enabled=False)
    infinite, _ = make_policy(commcell, days=-1, cycles=1)
    no_rule = StoragePolicyCopyFactory(commcell=commcell).storage_policy
    alpha = ClientFactory(commcell=commcell, name="alpha")
    beta = ClientFactory(commcell=commcell, name="beta")

    add_jobs(commcell, weekly, alpha, fulls_with_daily_incrementals(7, 60))
    add_jobs(commcell, monthly, alpha, fulls_with_daily_incrementals(30, 100))
    rows = fulls_with_daily_incrementals(7, 40)
    rows[7] = (day(8), FULL, FAILED)
    rows[14] = (day(15), SYNTH, ERRORS)
    rows.append((day(41), INCR, RUNNING))
    add_jobs(commcell, monthly, beta, rows, subclient=2)
    add_jobs(commcell, days_only, beta, fulls_with_daily_incrementals(7, 30))
    add_jobs(commcell, disabled, alpha, fulls_with_daily_incrementals(7, 20))
    add_jobs(commcell, infinite, alpha, fulls_with_daily_incrementals(7, 20))
    add_jobs(commcell, no_rule, None, fulls_with_daily_incrementals(7, 10))
    Job.objects.filter(commcell=commcell, start_time__lt=day(3)).update(is_aged=True)
    Job.objects.filter(commcell=commcell, start_time__lt=day(3), client=beta).update(
        is_aged=False
    )
    return commcell


MIXED_NOW = day(61, hour=13)
