"""Per-job eligibility and chain cadence computed in SQL, on PostgreSQL."""

from collections import Counter
from datetime import time, timedelta

import pytest

from apps.retention import sql as retention_sql
from apps.retention.models import (
    ChainCadence,
    CopyRetentionSummary,
    RetentionSettings,
)
from tests.factories import ClientFactory, CommCellFactory
from tests.retention.sql.scenarios import (
    DONE,
    ERRORS,
    FAILED,
    FULL,
    INCR,
    MIXED_NOW,
    RUNNING,
    SYNTH,
    add_jobs,
    build_mixed,
    day,
    fulls_with_daily_incrementals,
    make_policy,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def commcell():
    return CommCellFactory(name="cs-sql")


@pytest.fixture
def client(commcell):
    return ClientFactory(commcell=commcell, name="fileserver")


def verdicts(policy, now):
    return {
        row.job_id: row
        for row in retention_sql.job_eligibility(storage_policy_id=policy.pk, now=now)
    }


def test_monthly_thirty_days_one_cycle_kept_sixty_days(commcell, client):
    policy, _ = make_policy(commcell, days=30, cycles=1)
    jobs = add_jobs(commcell, policy, client, fulls_with_daily_incrementals(30, 61))
    first_full = jobs[0].job_id

    before = verdicts(policy, day(61, hour=11))[first_full]
    at_run = verdicts(policy, day(61, hour=12))[first_full]

    assert before.reason == "basic_days"
    assert before.retain_until == day(61, hour=12)
    assert at_run.reason == "eligible"
    assert at_run.retain_until - jobs[0].start_time == timedelta(days=59, hours=14)


def test_weekly_fourteen_days_two_cycles_kept_twenty_days(commcell, client):
    policy, _ = make_policy(commcell, days=14, cycles=2)
    jobs = add_jobs(commcell, policy, client, fulls_with_daily_incrementals(7, 35))

    rows = verdicts(policy, day(36))
    first = rows[jobs[0].job_id]
    kept = (first.retain_until - jobs[0].start_time) / timedelta(days=1)

    assert first.reason == "eligible"
    assert first.retain_until == day(22, hour=12)
    assert 20 <= kept < 21
    assert rows[jobs[6].job_id].retain_until == day(22, hour=12)


def test_cycles_bind_when_newer_full_comes_later(commcell, client):
    policy, _ = make_policy(commcell, days=1, cycles=1)
    jobs = add_jobs(
        commcell, policy, client, [(day(1), FULL, DONE), (day(8), FULL, DONE)]
    )

    rows = verdicts(policy, day(8, hour=23))
    first = rows[jobs[0].job_id]

    assert first.reason == "basic_cycles"
    assert first.retain_until == day(9, hour=12)
    assert rows[jobs[1].job_id].retain_until is None


def test_single_full_never_ages(commcell, client):
    policy, _ = make_policy(commcell, days=1, cycles=1)
    jobs = add_jobs(commcell, policy, client, [(day(1), FULL, DONE)])

    row = verdicts(policy, day(400))[jobs[0].job_id]

    assert row.reason == "basic_cycles"
    assert row.retain_until is None


def test_failed_full_extends_previous_cycle(commcell, client):
    policy, _ = make_policy(commcell, days=7, cycles=1)
    rows = fulls_with_daily_incrementals(7, 21)
    rows[7] = (day(8), FULL, FAILED)
    jobs = add_jobs(commcell, policy, client, rows)

    result = verdicts(policy, day(22))

    assert result[jobs[7].job_id].cycle_no == 1
    assert result[jobs[13].job_id].cycle_no == 1
    assert result[jobs[14].job_id].cycle_no == 2
    # Cycle 1 ends on day 14, so it is due on day 21 22:00 and ages on day 22.
    assert result[jobs[0].job_id].retain_until == day(22, hour=12)


def test_errors_and_synthetic_fulls_start_cycles(commcell, client):
    policy, _ = make_policy(commcell, days=7, cycles=1)
    rows = fulls_with_daily_incrementals(7, 21)
    rows[7] = (day(8), FULL, ERRORS)
    rows[14] = (day(15), SYNTH, DONE)
    jobs = add_jobs(commcell, policy, client, rows)

    result = verdicts(policy, day(22))

    assert result[jobs[7].job_id].cycle_no == 2
    assert result[jobs[14].job_id].cycle_no == 3
    assert result[jobs[0].job_id].retain_until == day(15, hour=12)


def test_running_job_without_end_time(commcell, client):
    policy, _ = make_policy(commcell, days=7, cycles=1)
    rows = [(day(1), FULL, DONE), (day(2), INCR, RUNNING), (day(3), INCR, DONE)]
    rows.append((day(10), FULL, DONE))
    jobs = add_jobs(commcell, policy, client, rows)

    result = verdicts(policy, day(40))

    assert jobs[1].end_time is None
    assert result[jobs[1].job_id].reason == "job_running"
    assert result[jobs[1].job_id].retain_until is None
    assert result[jobs[2].job_id].reason == "eligible"


def test_completed_job_without_end_time_is_dated(commcell, client):
    policy, _ = make_policy(commcell, days=7, cycles=1)
    jobs = add_jobs(
        commcell, policy, client, [(day(1), FULL, DONE), (day(9), FULL, DONE)]
    )
    jobs[0].end_time = None
    jobs[0].save()

    row = verdicts(policy, day(20))[jobs[0].job_id]

    assert row.reason == "eligible"
    assert row.retain_until == day(9, hour=12) + timedelta(days=1)


def test_duplicate_start_times_ordered_by_job_id(commcell, client):
    policy, _ = make_policy(commcell, days=1, cycles=1)
    rows = [
        (day(1), FULL, DONE),
        (day(2), INCR, DONE),
        (day(2), INCR, DONE),
        (day(5), FULL, DONE),
        (day(5), INCR, DONE),
    ]
    jobs = add_jobs(commcell, policy, client, rows)

    result = verdicts(policy, day(6, hour=13))

    assert [result[job.job_id].cycle_no for job in jobs] == [1, 1, 1, 2, 2]
    assert result[jobs[2].job_id].reason == "eligible"
    assert result[jobs[4].job_id].reason == "basic_cycles"


def test_incremental_sharing_full_start_before_it(commcell, client):
    policy, _ = make_policy(commcell, days=1, cycles=1)
    rows = [(day(1), FULL, DONE), (day(5), INCR, DONE), (day(5), FULL, DONE)]
    jobs = add_jobs(commcell, policy, client, rows)

    result = verdicts(policy, day(6, hour=13))

    assert result[jobs[1].job_id].cycle_no == 1
    assert result[jobs[2].job_id].cycle_no == 2


def test_days_only_dates_each_job(commcell, client):
    policy, _ = make_policy(commcell, days=10, cycles=0)
    jobs = add_jobs(
        commcell, policy, client, [(day(1), FULL, DONE), (day(2), INCR, DONE)]
    )

    result = verdicts(policy, day(12, hour=13))

    assert result[jobs[0].job_id].reason == "eligible"
    assert result[jobs[1].job_id].reason == "basic_days"
    assert result[jobs[1].job_id].retain_until == day(13, hour=12)


@pytest.mark.parametrize(
    ("rule_fields", "reason"),
    [
        ({"days": 30, "cycles": 1, "data_aging_enabled": False}, "aging_disabled"),
        ({"days": -1, "cycles": 1}, "infinite_retention"),
    ],
)
def test_rules_that_keep_everything(commcell, client, rule_fields, reason):
    policy, _ = make_policy(commcell, **rule_fields)
    jobs = add_jobs(commcell, policy, client, fulls_with_daily_incrementals(7, 30))

    rows = verdicts(policy, day(400)).values()

    assert {row.reason for row in rows} == {reason}
    assert {row.retain_until for row in rows} == {None}
    assert len(rows) == len(jobs)


def test_jobs_after_now_ignored(commcell, client):
    policy, _ = make_policy(commcell, days=1, cycles=1)
    jobs = add_jobs(
        commcell, policy, client, [(day(1), FULL, DONE), (day(8), FULL, DONE)]
    )

    rows = verdicts(policy, day(5))

    assert list(rows) == [jobs[0].job_id]
    assert rows[jobs[0].job_id].reason == "basic_cycles"


def test_aging_time_and_offset(commcell, client):
    policy, _ = make_policy(commcell, days=1, cycles=1)
    jobs = add_jobs(
        commcell, policy, client, [(day(1), FULL, DONE), (day(8), FULL, DONE)]
    )
    settings = RetentionSettings(
        commcell=commcell, aging_time=time(1, 30), time_zone="Etc/GMT-2"
    )

    row = next(
        iter(
            retention_sql.job_eligibility(
                storage_policy_id=policy.pk, now=day(20), settings=settings
            )
        )
    )

    assert row.job_id == jobs[0].job_id
    # 01:30 at UTC+2 is 23:30 UTC, the first run after day 8 22:00.
    assert row.retain_until == day(8, hour=23) + timedelta(minutes=30)


def test_chain_cadence_rows(commcell, client):
    policy, rule = make_policy(commcell, days=14, cycles=2)
    rows = fulls_with_daily_incrementals(7, 35)
    rows.append((day(36), FULL, FAILED))
    rows.append((day(43), FULL, FAILED))
    add_jobs(commcell, policy, client, rows)

    retention_sql.refresh(commcell.pk, now=day(44))
    chain = ChainCadence.objects.get()

    assert chain.client_id == client.pk
    assert chain.subclient_cv_id == 1
    assert chain.retention_rule_id == rule.pk
    assert chain.job_count == 37
    assert chain.qualifying_full_count == 5
    assert chain.failed_full_count == 2
    assert chain.failed_fulls_since_last_full == 2
    assert chain.median_full_interval_days == 7
    assert chain.last_full_start == day(29)
    assert chain.open_cycle_age_days == 15
    assert chain.open_cycle_flagged is False
    assert chain.effective_retention_days == pytest.approx(20.583, abs=0.001)
    assert chain.retention_delay_days == pytest.approx(6.583, abs=0.001)


def test_open_cycle_flagged_without_newer_full(commcell, client):
    policy, _ = make_policy(commcell, days=30, cycles=1)
    rows = [(day(1), FULL, DONE)] + [(day(n), INCR, DONE) for n in range(2, 200)]
    add_jobs(commcell, policy, client, rows)

    retention_sql.refresh(commcell.pk, now=day(200))
    chain = ChainCadence.objects.get()

    assert chain.open_cycle_age_days == 199
    assert chain.open_cycle_flagged is True
    assert chain.eligible_job_count == 0
    assert chain.effective_retention_days is None


def test_refresh_counts_match_job_reasons():
    commcell = build_mixed()

    retention_sql.refresh(commcell.pk, now=MIXED_NOW)
    reasons = Counter(
        row.reason
        for row in retention_sql.job_eligibility(commcell_id=commcell.pk, now=MIXED_NOW)
    )
    chains = ChainCadence.objects.filter(commcell=commcell)
    summaries = CopyRetentionSummary.objects.filter(commcell=commcell)

    assert set(reasons) == {
        "eligible",
        "basic_days",
        "basic_cycles",
        "job_running",
        "aging_disabled",
        "infinite_retention",
        "aged",
        "no_rule",
    }
    assert sum(chain.eligible_job_count for chain in chains) == reasons["eligible"]
    assert sum(chain.aged_job_count for chain in chains) == reasons["aged"]
    assert sum(chain.job_count for chain in chains) == sum(reasons.values())
    assert sum(s.eligible_job_count for s in summaries) == reasons["eligible"]
    assert summaries.count() == 6


def test_copy_summary_medians():
    commcell = build_mixed()

    retention_sql.refresh(commcell.pk, now=MIXED_NOW)
    monthly = CopyRetentionSummary.objects.get(
        commcell=commcell,
        retention_days=30,
        retention_cycles=1,
        data_aging_enabled=True,
    )

    assert monthly.chain_count == 2
    assert monthly.median_full_interval_days == pytest.approx((30 + 7) / 2)
    assert monthly.failed_full_count == 1
    assert monthly.chains_with_failed_fulls == 0
    assert (
        monthly.retained_job_count
        + monthly.eligible_job_count
        + (monthly.aged_job_count)
        == monthly.job_count
    )


def test_refresh_replaces_rows_of_one_commcell_only(commcell, client):
    other = build_mixed(CommCellFactory(name="cs-other"))
    policy, _ = make_policy(commcell, days=7, cycles=1)
    add_jobs(commcell, policy, client, fulls_with_daily_incrementals(7, 14))
    retention_sql.refresh(other.pk, now=MIXED_NOW)
    before = ChainCadence.objects.filter(commcell=other).count()

    retention_sql.refresh(commcell.pk, now=day(20))
    retention_sql.refresh(commcell.pk, now=day(20))

    assert ChainCadence.objects.filter(commcell=other).count() == before
    assert ChainCadence.objects.filter(commcell=commcell).count() == 1
    assert CopyRetentionSummary.objects.filter(commcell=commcell).count() == 1


def test_plan_and_copy_entry_points(commcell, client):
    from tests.factories import PlanFactory

    policy, rule = make_policy(commcell, days=7, cycles=1)
    plan = PlanFactory(commcell=commcell, storage_policy=policy)
    add_jobs(commcell, policy, client, fulls_with_daily_incrementals(7, 14))

    by_plan = list(retention_sql.job_eligibility_for_plan(plan.pk, now=day(20)))
    by_copy = list(retention_sql.job_eligibility_for_copy(rule.copy_id, now=day(20)))

    assert len(by_plan) == 14
    assert by_plan == by_copy


def test_naive_now_rejected():
    from datetime import datetime

    with pytest.raises(ValueError, match="no time zone"):
        list(retention_sql.job_eligibility(now=datetime(2026, 1, 1)))  # noqa: DTZ001
