"""Secondary copies, manual retention, cadence per full kind and CommServe dates in SQL."""

from datetime import time, timedelta

import pytest

from apps.commcell.models import JobOnCopy
from apps.retention import sql as retention_sql
from apps.retention.models import (
    ChainCadence,
    CopyRetentionSummary,
    RetentionSettings,
)
from tests.factories import (
    ClientFactory,
    CommCellFactory,
    RetentionRuleFactory,
    StoragePolicyCopyFactory,
)
from tests.retention.sql.scenarios import (
    DONE,
    FULL,
    INCR,
    SYNTH,
    add_jobs,
    day,
    fulls_with_daily_incrementals,
    make_policy,
)

pytestmark = pytest.mark.django_db

USER = JobOnCopy.RetainedBy.USER
BASIC = JobOnCopy.RetainedBy.BASIC


@pytest.fixture
def commcell():
    return CommCellFactory(name="cs-copies")


@pytest.fixture
def client(commcell):
    return ClientFactory(commcell=commcell, name="fileserver")


def secondary_copy(policy, *, days: int, cycles: int, precedence: int = 2, **fields):
    copy = StoragePolicyCopyFactory(
        commcell=policy.commcell,
        storage_policy=policy,
        name=f"Secondary {precedence}",
        copy_precedence=precedence,
        **fields,
    )
    RetentionRuleFactory(copy=copy, retention_days=days, retention_cycles=cycles)
    return copy


def list_on_copy(copy, jobs, **fields):
    return [
        JobOnCopy.objects.create(
            commcell=copy.commcell,
            copy=copy,
            job_id=job.job_id,
            collected_at=day(60),
            **fields,
        )
        for job in jobs
    ]


def by_job(rows):
    return {row.job_id: row for row in rows}


def test_secondary_copy_uses_its_own_jobs_and_rule(commcell, client):
    policy, primary = make_policy(commcell, days=14, cycles=2)
    jobs = add_jobs(commcell, policy, client, fulls_with_daily_incrementals(7, 29))
    fulls = [job for job in jobs if job.level == FULL]
    secondary = secondary_copy(policy, days=30, cycles=1)
    list_on_copy(secondary, fulls)

    retention_sql.refresh(commcell.pk, now=day(30))

    chain = ChainCadence.objects.get(copy=secondary)
    assert chain.job_count == len(fulls)
    assert chain.retention_rule.retention_days == 30
    assert chain.median_full_interval_days == pytest.approx(7.0)
    summary = CopyRetentionSummary.objects.get(copy=secondary)
    assert summary.job_source == CopyRetentionSummary.JobSource.COPY_JOBS
    assert summary.job_count == len(fulls)
    primary_summary = CopyRetentionSummary.objects.get(copy=primary.copy)
    assert primary_summary.job_source == CopyRetentionSummary.JobSource.POLICY_JOBS
    assert primary_summary.job_count == len(jobs)


def test_secondary_copy_without_rows_not_collected(commcell, client):
    policy, _ = make_policy(commcell, days=14, cycles=2)
    add_jobs(commcell, policy, client, fulls_with_daily_incrementals(7, 29))
    secondary = secondary_copy(policy, days=30, cycles=1)

    retention_sql.refresh(commcell.pk, now=day(30))

    summary = CopyRetentionSummary.objects.get(copy=secondary)
    assert summary.job_source == CopyRetentionSummary.JobSource.NOT_COLLECTED
    assert summary.job_count == 0
    assert summary.chain_count == 0
    assert not ChainCadence.objects.filter(copy=secondary).exists()


def test_inactive_secondary_copy_skipped(commcell, client):
    policy, _ = make_policy(commcell, days=14, cycles=2)
    jobs = add_jobs(commcell, policy, client, fulls_with_daily_incrementals(7, 15))
    secondary = secondary_copy(policy, days=30, cycles=1, active=False)
    list_on_copy(secondary, jobs)

    retention_sql.refresh(commcell.pk, now=day(30))

    assert not CopyRetentionSummary.objects.filter(copy=secondary).exists()
    assert not ChainCadence.objects.filter(copy=secondary).exists()


def test_copy_eligibility_reads_copy_jobs(commcell, client):
    policy, _ = make_policy(commcell, days=14, cycles=2)
    jobs = add_jobs(commcell, policy, client, fulls_with_daily_incrementals(7, 29))
    secondary = secondary_copy(policy, days=1, cycles=1)
    list_on_copy(secondary, jobs[:8])

    rows = list(retention_sql.job_eligibility_for_copy(secondary.pk, now=day(30)))
    every = list(
        retention_sql.job_eligibility(
            commcell_id=commcell.pk, every_copy=True, now=day(30)
        )
    )
    primary_only = list(
        retention_sql.job_eligibility(commcell_id=commcell.pk, now=day(30))
    )

    assert [row.job_id for row in rows] == [job.job_id for job in jobs[:8]]
    assert {row.copy_id for row in rows} == {secondary.pk}
    # 1 day / 1 cycle: the first weekly cycle closes at the day 8 full.
    assert rows[0].reason == "eligible"
    assert len(every) == len(jobs) + 8
    assert len(primary_only) == len(jobs)


def test_manual_retention_later_date_wins(commcell, client):
    policy, rule = make_policy(commcell, days=1, cycles=1)
    jobs = add_jobs(commcell, policy, client, fulls_with_daily_incrementals(7, 15))
    manual = day(40, hour=8)
    list_on_copy(rule.copy, [jobs[1]], retained_by=USER, retain_until=manual)
    list_on_copy(rule.copy, [jobs[2]], retained_by=USER, retain_until=day(2))

    rows = by_job(retention_sql.job_eligibility(commcell_id=commcell.pk, now=day(20)))

    assert rows[jobs[1].job_id].reason == "manual_retention"
    assert rows[jobs[1].job_id].retain_until == day(40, hour=12)
    # An earlier manual date leaves the rule's date in force.
    assert rows[jobs[2].job_id].reason == "eligible"
    assert rows[jobs[0].job_id].reason == "eligible"


def test_manual_infinite_retention_never_ages(commcell, client):
    policy, rule = make_policy(commcell, days=1, cycles=1)
    jobs = add_jobs(commcell, policy, client, fulls_with_daily_incrementals(7, 15))
    list_on_copy(rule.copy, [jobs[1]], retained_by=USER, retain_infinite=True)
    list_on_copy(rule.copy, [jobs[2]], retained_by=BASIC, retain_infinite=True)

    rows = by_job(retention_sql.job_eligibility(commcell_id=commcell.pk, now=day(20)))
    retention_sql.refresh(commcell.pk, now=day(20))

    assert rows[jobs[1].job_id].reason == "infinite_retention"
    assert rows[jobs[1].job_id].retain_until is None
    # Only a user's retention counts as manual.
    assert rows[jobs[2].job_id].reason == "eligible"
    chain = ChainCadence.objects.get(copy=rule.copy)
    eligible = sum(1 for row in rows.values() if row.reason == "eligible")
    assert chain.eligible_job_count == eligible


def test_manual_retention_in_days_only_counts(commcell, client):
    policy, rule = make_policy(commcell, days=3, cycles=0)
    jobs = add_jobs(commcell, policy, client, fulls_with_daily_incrementals(7, 10))
    list_on_copy(rule.copy, jobs[:2], retained_by=USER, retain_until=day(50))

    rows = by_job(retention_sql.job_eligibility(commcell_id=commcell.pk, now=day(20)))
    retention_sql.refresh(commcell.pk, now=day(20))

    assert rows[jobs[0].job_id].reason == "manual_retention"
    chain = ChainCadence.objects.get(copy=rule.copy)
    assert chain.eligible_job_count == len(jobs) - 2
    assert chain.retained_job_count == 2


def test_full_and_synthetic_cadence_apart(commcell, client):
    policy, rule = make_policy(commcell, days=14, cycles=2)
    rows = []
    for number in range(1, 60):
        if (number - 1) % 14 == 0:
            level = FULL
        elif (number - 1) % 14 == 7:
            level = SYNTH
        else:
            level = INCR
        rows.append((day(number), level, DONE))
    add_jobs(commcell, policy, client, rows)

    retention_sql.refresh(commcell.pk, now=day(60))

    chain = ChainCadence.objects.get(copy=rule.copy)
    assert chain.median_full_interval_days == pytest.approx(7.0)
    assert chain.median_full_only_interval_days == pytest.approx(14.0)
    assert chain.median_synthetic_full_interval_days == pytest.approx(14.0)
    summary = CopyRetentionSummary.objects.get(copy=rule.copy)
    assert summary.median_full_only_interval_days == pytest.approx(14.0)
    assert summary.median_synthetic_full_interval_days == pytest.approx(14.0)


def test_fulls_only_have_no_synthetic_cadence(commcell, client):
    policy, rule = make_policy(commcell, days=14, cycles=2)
    add_jobs(commcell, policy, client, fulls_with_daily_incrementals(10, 41))

    retention_sql.refresh(commcell.pk, now=day(45))

    chain = ChainCadence.objects.get(copy=rule.copy)
    assert chain.median_full_only_interval_days == pytest.approx(10.0)
    assert chain.median_synthetic_full_interval_days is None


def test_reported_dates_disagreement_counted(commcell, client):
    policy, rule = make_policy(commcell, days=1, cycles=1)
    jobs = add_jobs(commcell, policy, client, fulls_with_daily_incrementals(7, 29))
    computed = by_job(
        retention_sql.job_eligibility(commcell_id=commcell.pk, now=day(30))
    )
    close, far, endless = jobs[1], jobs[2], jobs[3]
    close_date = computed[close.job_id].retain_until + timedelta(hours=12)
    far_date = computed[far.job_id].retain_until + timedelta(days=5)
    list_on_copy(rule.copy, [close], retained_by=BASIC, retain_until=close_date)
    list_on_copy(rule.copy, [far], retained_by=BASIC, retain_until=far_date)
    list_on_copy(rule.copy, [endless], retained_by=BASIC, retain_infinite=True)

    retention_sql.refresh(commcell.pk, now=day(30))

    summary = CopyRetentionSummary.objects.get(copy=rule.copy)
    assert summary.reported_job_count == 3
    assert summary.disagreeing_job_count == 2
    assert summary.max_disagreement_days == pytest.approx(5.0)
    assert summary.disagreement_example_job_id == far.pk


def test_tolerance_setting_widens_agreement(commcell, client):
    policy, rule = make_policy(commcell, days=1, cycles=1)
    jobs = add_jobs(commcell, policy, client, fulls_with_daily_incrementals(7, 29))
    computed = by_job(
        retention_sql.job_eligibility(commcell_id=commcell.pk, now=day(30))
    )
    late = computed[jobs[2].job_id].retain_until + timedelta(days=5)
    list_on_copy(rule.copy, [jobs[2]], retained_by=BASIC, retain_until=late)
    settings = RetentionSettings(commcell=commcell, disagreement_tolerance_days=6)

    retention_sql.refresh(commcell.pk, now=day(30), settings=settings)

    summary = CopyRetentionSummary.objects.get(copy=rule.copy)
    assert summary.reported_job_count == 1
    assert summary.disagreeing_job_count == 0
    assert summary.disagreement_example_job_id is None


def test_commserve_aged_job_rules_keep(commcell, client):
    policy, rule = make_policy(commcell, days=30, cycles=2)
    jobs = add_jobs(commcell, policy, client, fulls_with_daily_incrementals(7, 29))
    list_on_copy(rule.copy, [jobs[-1]], retained_by=BASIC, is_aged=True)

    rows = by_job(retention_sql.job_eligibility(commcell_id=commcell.pk, now=day(30)))
    retention_sql.refresh(commcell.pk, now=day(30))

    assert rows[jobs[-1].job_id].disagrees
    summary = CopyRetentionSummary.objects.get(copy=rule.copy)
    assert summary.disagreeing_job_count == 1
    assert summary.max_disagreement_days is None


def test_days_only_setting_ignores_cycles(commcell, client):
    policy, rule = make_policy(commcell, days=3, cycles=4)
    jobs = add_jobs(commcell, policy, client, fulls_with_daily_incrementals(30, 10))
    settings = RetentionSettings(commcell=commcell, days_only_retention=True)

    default = by_job(retention_sql.job_eligibility(commcell_id=commcell.pk, now=day(9)))
    days_only = by_job(
        retention_sql.job_eligibility(
            commcell_id=commcell.pk, now=day(9), settings=settings
        )
    )

    assert default[jobs[0].job_id].reason == "basic_cycles"
    assert days_only[jobs[0].job_id].reason == "eligible"
    assert days_only[jobs[0].job_id].retain_until == day(5, hour=12)


def test_fulls_settings_change_cycles(commcell, client):
    policy, rule = make_policy(commcell, days=1, cycles=1)
    rows = [(day(1), FULL, DONE), (day(2), INCR, DONE), (day(8), SYNTH, DONE)]
    jobs = add_jobs(commcell, policy, client, rows)
    settings = RetentionSettings(commcell=commcell, synthetic_full_starts_cycle=False)

    default = by_job(retention_sql.job_eligibility(commcell_id=commcell.pk, now=day(9)))
    strict = by_job(
        retention_sql.job_eligibility(
            commcell_id=commcell.pk, now=day(9), settings=settings
        )
    )

    assert default[jobs[0].job_id].reason == "eligible"
    assert strict[jobs[0].job_id].reason == "basic_cycles"
    assert strict[jobs[2].job_id].cycle_no == 1


def test_open_cycle_factor_setting(commcell, client):
    policy, rule = make_policy(commcell, days=10, cycles=1)
    add_jobs(commcell, policy, client, [(day(1), FULL, DONE), (day(2), INCR, DONE)])

    retention_sql.refresh(commcell.pk, now=day(26))
    flagged_by_default = ChainCadence.objects.get(copy=rule.copy).open_cycle_flagged
    settings = RetentionSettings(commcell=commcell, open_cycle_factor=3.0)
    retention_sql.refresh(commcell.pk, now=day(26), settings=settings)
    flagged_at_three = ChainCadence.objects.get(copy=rule.copy).open_cycle_flagged

    assert flagged_by_default
    assert not flagged_at_three


def test_stored_settings_used_by_default(commcell, client):
    policy, _ = make_policy(commcell, days=1, cycles=1)
    jobs = add_jobs(
        commcell, policy, client, [(day(1), FULL, DONE), (day(8), FULL, DONE)]
    )
    RetentionSettings.objects.create(
        commcell=commcell, aging_time=time(3, 0), time_zone="UTC"
    )

    row = by_job(retention_sql.job_eligibility(commcell_id=commcell.pk, now=day(20)))[
        jobs[0].job_id
    ]

    assert row.retain_until == day(9, hour=3)


def test_settings_without_commcell_rejected():
    with pytest.raises(ValueError, match="commcell_id"):
        retention_sql.refresh(settings=RetentionSettings())
