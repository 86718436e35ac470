"""Job histories for the retention SQL tests, built with the factories.

Day 1 is 2026-01-01. Jobs start at 22:00 UTC unless a case states otherwise, and data
aging runs daily at 12:00 UTC.
"""

from datetime import UTC, datetime, time, timedelta

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
    """Create several chains covering every reason code and return the CommCell."""
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


def mixed_results(commcell, settings=None, now=MIXED_NOW) -> dict:
    """Run the SQL analysis on ``commcell`` and return its results in plain values.

    Rows are keyed by the rule and the job's client, subclient and start time, so
    two databases with different primary keys give equal results. ``settings`` (an
    unsaved ``RetentionSettings``) replaces the CommCell's stored settings, and
    ``now`` is the analysis moment.
    """
    from apps.commcell.models import Job
    from apps.retention import sql as retention_sql
    from apps.retention.models import ChainCadence, RetentionRule

    rules = {
        rule.storage_policy_id: f"{rule.retention_days}/{rule.retention_cycles}/"
        f"{rule.data_aging_enabled}"
        for rule in RetentionRule.objects.filter(commcell=commcell)
    }
    names = dict(Job.objects.filter(commcell=commcell).values_list("id", "client_name"))

    def key(policy_id, row_id, subclient, start):
        return "|".join(
            [rules.get(policy_id, "none"), names[row_id], str(subclient), start]
        )

    jobs = sorted(
        [
            key(
                row.storage_policy_id, row.id, row.subclient_cv_id, str(row.start_time)
            ),
            row.cycle_no,
            row.reason,
            str(row.retain_until),
        ]
        for row in retention_sql.job_eligibility(
            commcell_id=commcell.pk, now=now, settings=settings
        )
    )
    retention_sql.refresh(commcell.pk, now=now, settings=settings)
    chains = sorted(
        [
            rules.get(chain.storage_policy_id, "none"),
            chain.client_name,
            chain.subclient_name,
            chain.job_count,
            chain.qualifying_full_count,
            chain.failed_full_count,
            chain.failed_fulls_since_last_full,
            str(chain.last_full_start),
            chain.median_full_interval_days,
            round(chain.open_cycle_age_days, 6),
            chain.open_cycle_flagged,
            None
            if chain.effective_retention_days is None
            else round(chain.effective_retention_days, 6),
            chain.eligible_job_count,
            chain.aged_job_count,
            chain.retained_job_count,
        ]
        for chain in ChainCadence.objects.filter(commcell=commcell)
    )
    return {"jobs": jobs, "chains": chains}


def new_york_settings(commcell):
    """Return unsaved settings that age at 03:30 New York time, summer time included."""
    from apps.retention.models import RetentionSettings

    return RetentionSettings(
        commcell=commcell, aging_time=time(3, 30), time_zone="America/New_York"
    )


# Late enough that some retain-until dates fall after the switch to summer time in
# New York on 2026-03-08.
SUMMER_NOW = day(100, hour=13)

HELD_NOW = day(30)


def build_held(commcell=None):
    """Create jobs that the CommServe keeps for reasons the basic rules do not show.

    One 1 day / 1 cycle policy with weekly fulls for two clients: "open" ages
    normally and "held" has data aging disabled on the client. Its primary copy
    lists the first full of "open" as kept by extended retention 60 days past the
    basic date, and its second incremental 5 days past it under basic retention.
    """
    from apps.commcell.models import JobOnCopy

    commcell = commcell or CommCellFactory(name="cs-held")
    policy, rule = make_policy(commcell, days=1, cycles=1)
    open_client = ClientFactory(commcell=commcell, name="open")
    held_client = ClientFactory(
        commcell=commcell, name="held", data_aging_enabled=False
    )
    rows = fulls_with_daily_incrementals(7, 29)
    open_jobs = add_jobs(commcell, policy, open_client, rows)
    add_jobs(commcell, policy, held_client, rows)

    # Basic dates of 1 day / 1 cycle: the cycle of day 1 is due at the day 8 full,
    # and data aging runs at 12:00 UTC.
    listed = [
        (open_jobs[0], JobOnCopy.RetainedBy.EXTENDED, day(69, hour=12)),
        (open_jobs[2], JobOnCopy.RetainedBy.BASIC, day(14, hour=12)),
    ]
    for job, retained_by, retain_until in listed:
        JobOnCopy.objects.create(
            commcell=commcell,
            copy=rule.copy,
            job_id=job.job_id,
            retained_by=retained_by,
            retain_until=retain_until,
            collected_at=HELD_NOW,
        )
    return commcell


def held_results(commcell) -> dict:
    """Run the SQL analysis on ``build_held`` data and return plain values."""
    from apps.retention import sql as retention_sql
    from apps.retention.models import ChainCadence, CopyRetentionSummary

    rows = retention_sql.job_eligibility(commcell_id=commcell.pk, now=HELD_NOW)
    jobs = sorted(
        [
            Job.objects.get(pk=row.id).client_name,
            str(row.start_time),
            row.reason,
            str(row.retain_until),
            row.disagrees,
        ]
        for row in rows
    )
    retention_sql.refresh(commcell.pk, now=HELD_NOW)
    chains = sorted(
        [
            chain.client_name,
            chain.eligible_job_count,
            chain.retained_job_count,
            chain.effective_retention_days,
            chain.reported_job_count,
            chain.disagreeing_job_count,
            chain.extended_retention_job_count,
            chain.max_disagreement_days,
        ]
        for chain in ChainCadence.objects.filter(commcell=commcell)
    )
    summary = CopyRetentionSummary.objects.get(commcell=commcell)
    return {
        "jobs": jobs,
        "chains": chains,
        "summary": [
            summary.reported_job_count,
            summary.disagreeing_job_count,
            summary.extended_retention_job_count,
            summary.max_disagreement_days,
        ],
    }
