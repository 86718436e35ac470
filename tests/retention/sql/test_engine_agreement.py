"""The SQL analysis and the Python engine give the same results on the same jobs."""

import random
from datetime import time, timedelta
from itertools import groupby

import pytest

from apps.commcell.models import Job, JobOnCopy
from apps.retention import sql as retention_sql
from apps.retention.assumptions import engine_settings
from apps.retention.engine.chain import evaluate_chain
from apps.retention.engine.inputs import CopyRetention, JobRecord, ReportedRetention
from apps.retention.models import ChainCadence, RetentionRule, RetentionSettings
from tests.factories import ClientFactory, CommCellFactory
from tests.retention.sql.scenarios import (
    MIXED_NOW,
    build_mixed,
    day,
    make_policy,
)

pytestmark = pytest.mark.django_db

RULES = [(14, 2), (30, 1), (7, 3), (10, 0), (1, 1), (-1, 1), (5, 2)]
LEVELS = [Job.Level.INCREMENTAL] * 6 + [Job.Level.FULL, Job.Level.SYNTHETIC_FULL]
LEVELS += [Job.Level.DIFFERENTIAL]
OUTCOMES = [Job.Outcome.COMPLETED] * 8 + [
    Job.Outcome.COMPLETED_ERRORS,
    Job.Outcome.COMPLETED_WARNINGS,
    Job.Outcome.FAILED,
    Job.Outcome.KILLED,
    Job.Outcome.RUNNING,
]


def build_random(seed: int):
    """Create chains of random jobs, with shared start times, under several rules."""
    rng = random.Random(seed)
    commcell = CommCellFactory(name=f"cs-random-{seed}")
    policies = []
    for days, cycles in RULES:
        policy, _ = make_policy(
            commcell,
            days=days,
            cycles=cycles,
            cycles_reported=rng.random() > 0.2,
            data_aging_enabled=rng.random() > 0.1,
        )
        policies.append(policy)
    clients = [ClientFactory(commcell=commcell) for _ in range(4)]

    rows = []
    job_id = 1
    for policy in policies:
        for client in clients:
            start = day(1) + timedelta(hours=rng.randrange(24))
            for _ in range(rng.randrange(1, 60)):
                start += timedelta(hours=rng.choice([0, 0, 6, 24, 24, 24, 48, 170]))
                rows.append(
                    Job(
                        commcell=commcell,
                        job_id=job_id + rng.randrange(3),
                        job_type="Backup",
                        level=rng.choice(LEVELS),
                        status="",
                        outcome=rng.choice(OUTCOMES),
                        client=client,
                        client_name=client.name,
                        storage_policy=policy,
                        subclient_cv_id=rng.choice([1, 2]),
                        start_time=start,
                        is_aged=rng.random() < 0.05,
                    )
                )
                job_id += 3
    Job.objects.bulk_create(rows)
    add_reported_rows(commcell, rng)
    return commcell


def add_reported_rows(commcell, rng: random.Random) -> None:
    """List a third of the jobs on their primary copy with CommServe dates.

    Some are retained manually by a user, to a date or forever; the others carry a
    basic retain-until date near their start plus some days.
    """
    primaries = {
        rule.storage_policy_id: rule.copy_id
        for rule in RetentionRule.objects.filter(commcell=commcell)
    }
    listed = {}
    for job in Job.objects.filter(commcell=commcell):
        if rng.random() > 0.35:
            continue
        roll = rng.random()
        user = roll < 0.4
        infinite = roll < 0.08 or 0.9 < roll < 0.93
        retain = (
            None if infinite else job.start_time + timedelta(days=rng.randrange(60))
        )
        listed[(primaries[job.storage_policy_id], job.job_id)] = JobOnCopy(
            commcell=commcell,
            copy_id=primaries[job.storage_policy_id],
            job_id=job.job_id,
            retain_until=retain,
            retain_infinite=infinite,
            retained_by=JobOnCopy.RetainedBy.USER
            if user
            else JobOnCopy.RetainedBy.BASIC,
            collected_at=job.start_time,
        )
    JobOnCopy.objects.bulk_create(listed.values())


def engine_results(commcell, now, settings):
    """Evaluate every chain with the engine and return verdicts by job id and chains."""
    engine = engine_settings(settings, commcell, now)
    reported = {
        row.job_id: row
        for row in JobOnCopy.objects.filter(commcell=commcell, copy__copy_precedence=1)
    }
    rules = {
        rule.storage_policy_id: rule
        for rule in RetentionRule.objects.filter(commcell=commcell)
    }
    jobs = Job.objects.filter(commcell=commcell, start_time__lte=now).order_by(
        "storage_policy_id", "client_id", "subclient_cv_id", "start_time", "job_id"
    )
    verdicts = {}
    chains = {}

    def chain_of(job):
        return (job.storage_policy_id, job.client_id, job.subclient_cv_id)

    for key, group in groupby(jobs, key=chain_of):
        rule = rules.get(key[0])
        if rule is None:
            continue
        records = [job_record(job, reported.get(job.job_id)) for job in group]
        retention = CopyRetention(
            days=rule.retention_days,
            cycles=rule.retention_cycles,
            cycles_reported=rule.cycles_reported,
            data_aging_enabled=rule.data_aging_enabled,
            days_only=settings.days_only_retention,
        )
        result = evaluate_chain(records, retention, now, settings=engine)
        chains[key] = result
        for verdict in result.verdicts:
            verdicts[verdict.job_id] = verdict
    return verdicts, chains


def job_record(job, listed) -> JobRecord:
    manual = listed is not None and listed.retained_by == JobOnCopy.RetainedBy.USER
    return JobRecord(
        job_id=job.job_id,
        start=job.start_time,
        end=job.end_time,
        level=job.level,
        outcome=job.outcome,
        aged=job.is_aged,
        manual_retain_until=listed.retain_until if manual else None,
        pinned=manual and listed.retain_infinite,
        reported=None
        if listed is None
        else ReportedRetention(
            retain_until=listed.retain_until, infinite=listed.retain_infinite
        ),
    )


def assert_agreement(commcell, now, settings=None):
    settings = settings or RetentionSettings(commcell=commcell)
    verdicts, engine_chains = engine_results(commcell, now, settings)
    ruled = set(
        RetentionRule.objects.filter(commcell=commcell).values_list(
            "storage_policy_id", flat=True
        )
    )
    rows = [
        row
        for row in retention_sql.job_eligibility(
            commcell_id=commcell.pk, now=now, settings=settings
        )
        if row.storage_policy_id in ruled
    ]
    retention_sql.refresh(commcell.pk, now=now, settings=settings)

    assert sorted(row.job_id for row in rows) == sorted(verdicts)
    for row in rows:
        verdict = verdicts[row.job_id]
        reason = verdict.reason.value
        assert (row.job_id, row.reason) == (row.job_id, reason)
        assert (row.job_id, row.retain_until) == (row.job_id, verdict.retain_until)
        # The aged state is compared on top of the engine's dates (see queries).
        if row.reason != "aged":
            assert (row.job_id, row.disagrees) == (row.job_id, verdict.disagrees)

    for chain in ChainCadence.objects.filter(
        commcell=commcell, retention_rule__isnull=False
    ):
        result = engine_chains[
            (chain.storage_policy_id, chain.client_id, chain.subclient_cv_id)
        ]
        if result.full_interval_days is None:
            assert chain.median_full_interval_days is None
        else:
            assert chain.median_full_interval_days == pytest.approx(
                result.full_interval_days
            )
        assert chain.open_cycle_age_days == pytest.approx(result.open_cycle.age_days)
        assert chain.open_cycle_flagged == result.open_cycle.flagged
        assert chain.failed_fulls_since_last_full == result.open_cycle.failed_fulls


def test_engine_agrees_on_mixed_chains():
    assert_agreement(build_mixed(), MIXED_NOW)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_engine_agrees_on_random_chains(seed):
    commcell = build_random(seed)

    assert_agreement(commcell, day(90, hour=12))


SETTINGS_CASES = {
    # Bogota keeps UTC-05:00 all year, so one offset is right for every date.
    "aging clock": {"aging_time": time(3, 30), "time_zone": "America/Bogota"},
    "cycles when unknown": {"cycles_when_unknown": 3},
    "days only": {"days_only_retention": True},
    "errors fulls": {"errors_full_starts_cycle": False},
    "synthetic fulls": {"synthetic_full_starts_cycle": False},
    "open cycle factor": {"open_cycle_factor": 1.5},
    "tolerance": {"disagreement_tolerance_days": 10.0},
}


@pytest.mark.parametrize("fields", SETTINGS_CASES.values(), ids=SETTINGS_CASES.keys())
def test_engine_agrees_under_setting(fields):
    commcell = build_random(4)
    settings = RetentionSettings(commcell=commcell, **fields)

    assert_agreement(commcell, day(90, hour=12), settings)


def test_engine_agrees_across_dst():
    commcell = build_random(4)
    settings = RetentionSettings(
        commcell=commcell, aging_time=time(3, 30), time_zone="America/New_York"
    )

    assert_agreement(commcell, day(90, hour=12), settings)
