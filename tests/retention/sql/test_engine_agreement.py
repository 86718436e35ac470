"""The SQL analysis and the Python engine give the same results on the same jobs."""

import random
from datetime import timedelta
from itertools import groupby

import pytest

from apps.commcell.models import Job
from apps.retention import sql as retention_sql
from apps.retention.engine.chain import evaluate_chain
from apps.retention.engine.inputs import CopyRetention, JobRecord
from apps.retention.models import ChainCadence, RetentionRule
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
    return commcell


def engine_results(commcell, now):
    """Evaluate every chain with the engine and return verdicts by job id and chains."""
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
        records = [
            JobRecord(
                job_id=job.job_id,
                start=job.start_time,
                end=job.end_time,
                level=job.level,
                outcome=job.outcome,
                aged=job.is_aged,
            )
            for job in group
        ]
        retention = CopyRetention(
            days=rule.retention_days,
            cycles=rule.retention_cycles,
            cycles_reported=rule.cycles_reported,
            data_aging_enabled=rule.data_aging_enabled,
        )
        result = evaluate_chain(records, retention, now)
        chains[key] = result
        for verdict in result.verdicts:
            verdicts[verdict.job_id] = verdict
    return verdicts, chains


def assert_agreement(commcell, now):
    verdicts, engine_chains = engine_results(commcell, now)
    ruled = set(
        RetentionRule.objects.filter(commcell=commcell).values_list(
            "storage_policy_id", flat=True
        )
    )
    rows = [
        row
        for row in retention_sql.job_eligibility(commcell_id=commcell.pk, now=now)
        if row.storage_policy_id in ruled
    ]
    retention_sql.refresh(commcell.pk, now=now)

    assert sorted(row.job_id for row in rows) == sorted(verdicts)
    for row in rows:
        verdict = verdicts[row.job_id]
        reason = verdict.reason.value
        assert (row.job_id, row.reason) == (row.job_id, reason)
        assert (row.job_id, row.retain_until) == (row.job_id, verdict.retain_until)

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
