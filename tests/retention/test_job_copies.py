"""One job's retention on every copy, with the CommServe's rows stored as JobOnCopy.

The storage policy has four copies. The primary copy (14 days, 2 cycles) contains weekly
fulls on days 1, 8, ..., 57 and daily incrementals up to day 60. The secondary copy
"Offsite" (30 days, 1 cycle) contains the fulls only. The job list of "Cloud" was never
read, and "Old tape" is inactive. Data aging runs at 12:00 UTC.
"""

from datetime import time, timedelta

import pytest

from apps.commcell.models import JobOnCopy, JobSelection
from apps.retention.job_retention import job_retention
from apps.retention.models import RetentionSettings
from tests.factories import (
    ClientFactory,
    CommCellFactory,
    JobOnCopyFactory,
    RetentionRuleFactory,
    StoragePolicyCopyFactory,
    StoragePolicyFactory,
)
from tests.retention.sql.scenarios import (
    FULL,
    INCR,
    RUNNING,
    add_jobs,
    day,
    fulls_with_daily_incrementals,
)

pytestmark = pytest.mark.django_db

NOW = day(61, hour=13)
READ_AT = day(61, hour=6)
USER = JobOnCopy.RetainedBy.USER


def build_copies(name: str = "cs-jobcopies", *, copy_name: str = "Offsite") -> dict:
    """Create the policy, its four copies, the chain and the secondary copy's rows."""
    commcell = CommCellFactory(name=name)
    policy = StoragePolicyFactory(commcell=commcell, name="SP-Gold")
    copies = {}
    for key, precedence, days, cycles, active in (
        ("primary", 1, 14, 2, True),
        ("offsite", 2, 30, 1, True),
        ("cloud", 3, 60, 1, True),
        ("tape", 4, 90, 1, False),
    ):
        copy = StoragePolicyCopyFactory(
            commcell=commcell,
            storage_policy=policy,
            name={"primary": "Primary", "offsite": copy_name}.get(key, key.title()),
            copy_precedence=precedence,
            active=active,
        )
        RetentionRuleFactory(copy=copy, retention_days=days, retention_cycles=cycles)
        copies[key] = copy

    client = ClientFactory(commcell=commcell, name="alpha")
    jobs = add_jobs(commcell, policy, client, fulls_with_daily_incrementals(7, 60))
    for job in jobs:
        if job.level == FULL:
            on_copy(copies["offsite"], job)
    return {"commcell": commcell, "policy": policy, "jobs": jobs, **copies}


def on_copy(copy, job, **fields) -> JobOnCopy:
    """Store the CommServe's row for ``job`` on ``copy``: basic retention, copied."""
    fields.setdefault("collected_at", READ_AT)
    fields.setdefault("copied_time", job.start_time + timedelta(hours=3))
    return JobOnCopyFactory(copy=copy, job_id=job.job_id, **fields)


def entry(retention, copy):
    """Return the retention entry of ``copy``."""
    return next(item for item in retention.copies if item.copy.pk == copy.pk)


@pytest.fixture
def setup():
    return build_copies()


def job_on_day(setup, number: int):
    return setup["jobs"][number - 1]


def test_copies_in_precedence_order(setup):
    retention = job_retention(job_on_day(setup, 36), NOW)

    names = [item.copy.name for item in retention.copies]
    assert names == ["Primary", "Offsite", "Cloud"]
    assert retention.copies[0].is_primary
    assert retention.rule.copy_id == setup["primary"].pk


def test_primary_chain_is_policy_chain(setup):
    job = job_on_day(setup, 45)

    result = job_retention(job, NOW)

    primary = entry(result, setup["primary"])
    assert primary.chain_job_count == 60
    assert primary.verdict.reason == "basic_days"
    assert primary.verdict.retain_until == day(64, hour=12)
    assert result.verdict == primary.verdict
    assert [cycle.index for cycle in result.cycles] == [4, 5, 6, 7, 8]


def test_secondary_chain_is_listed_jobs(setup):
    retention = job_retention(job_on_day(setup, 36), NOW)

    offsite = entry(retention, setup["offsite"])
    assert offsite.chain_job_count == 9
    assert offsite.verdict.reason == "basic_days"
    assert offsite.verdict.retain_until == day(67, hour=12)
    assert offsite.jobs_read_at == READ_AT


def test_copy_never_read(setup):
    retention = job_retention(job_on_day(setup, 36), NOW)

    cloud = entry(retention, setup["cloud"])
    assert cloud.verdict is None
    assert cloud.jobs_read_at is None
    assert "never read" in cloud.missing_reason
    primary = entry(retention, setup["primary"])
    assert primary.on_copy is None
    assert primary.verdict is not None


def test_job_not_listed_on_read_copy(setup):
    retention = job_retention(job_on_day(setup, 37), NOW)

    offsite = entry(retention, setup["offsite"])
    assert offsite.verdict is None
    assert offsite.jobs_read_at == READ_AT
    assert offsite.missing_reason.startswith("Not listed: aged or not yet copied.")


@pytest.mark.parametrize(
    ("selection", "phrase"),
    [
        (JobSelection.ALL_FULLS, "(fulls only)"),
        (JobSelection.WEEKLY_FULLS, "(weekly fulls only)"),
        (JobSelection.MONTHLY_FULLS, "(monthly fulls only)"),
    ],
)
def test_incremental_not_selected_by_fulls_copy(setup, selection, phrase):
    setup["offsite"].job_selection = selection
    setup["offsite"].save()

    retention = job_retention(job_on_day(setup, 37), NOW)

    reason = entry(retention, setup["offsite"]).missing_reason
    assert reason.startswith(f"Not selected by this copy {phrase}:")
    assert "no incremental job" in reason


@pytest.mark.parametrize(
    "selection", [JobSelection.ALL_JOBS, JobSelection.ADVANCED, 1048576, None]
)
def test_incremental_not_listed_elsewhere(setup, selection):
    setup["offsite"].job_selection = selection
    setup["offsite"].save()

    retention = job_retention(job_on_day(setup, 37), NOW)

    reason = entry(retention, setup["offsite"]).missing_reason
    assert reason.startswith("Not listed: aged or not yet copied.")


def test_full_missing_from_weekly_copy(setup):
    setup["offsite"].job_selection = JobSelection.WEEKLY_FULLS
    setup["offsite"].save()
    full = job_on_day(setup, 36)
    setup["offsite"].jobs_on_copy.filter(job_id=full.job_id).delete()

    retention = job_retention(full, NOW)

    reason = entry(retention, setup["offsite"]).missing_reason
    assert reason.startswith("Not listed: aged or not yet copied")
    assert "not the full that this copy selects (weekly fulls only)" in reason


def test_full_missing_from_all_fulls_copy(setup):
    setup["offsite"].job_selection = JobSelection.ALL_FULLS
    setup["offsite"].save()
    full = job_on_day(setup, 36)
    setup["offsite"].jobs_on_copy.filter(job_id=full.job_id).delete()

    retention = job_retention(full, NOW)

    reason = entry(retention, setup["offsite"]).missing_reason
    assert reason.startswith("Not listed: aged or not yet copied.")
    assert "selects" not in reason


def test_inactive_copy_not_evaluated(setup):
    retention = job_retention(job_on_day(setup, 36), NOW)

    assert setup["tape"].pk not in [item.copy.pk for item in retention.copies]


def test_agreement_within_tolerance(setup):
    job = job_on_day(setup, 45)
    on_copy(setup["primary"], job, retain_until=day(64, hour=12) + timedelta(hours=20))

    retention = job_retention(job, NOW)

    primary = entry(retention, setup["primary"])
    assert primary.verdict.disagrees is False
    assert primary.disagreement is None
    assert retention.reported_retain_until == day(64, hour=12) + timedelta(hours=20)


def test_disagreement_names_difference(setup):
    job = job_on_day(setup, 36)
    JobOnCopy.objects.filter(copy=setup["offsite"], job_id=job.job_id).update(
        retain_until=day(87, hour=12)
    )

    retention = job_retention(job, NOW)

    offsite = entry(retention, setup["offsite"])
    assert offsite.verdict.disagrees is True
    assert offsite.disagreement.difference_days == pytest.approx(20.0)
    assert "20.0 days later" in offsite.disagreement.summary
    assert any("fewer fulls" in cause for cause in offsite.disagreement.causes)


def test_earlier_date_suggests_days_only(setup):
    job = job_on_day(setup, 58)
    on_copy(setup["primary"], job, retain_until=day(72, hour=12))

    retention = job_retention(job, NOW)

    primary = entry(retention, setup["primary"])
    assert primary.verdict.reason == "basic_cycles"
    assert primary.verdict.retain_until is None
    assert primary.disagreement.difference_days is None
    assert any("Days-only" in cause for cause in primary.disagreement.causes)


def test_tolerance_from_settings(setup):
    job = job_on_day(setup, 45)
    on_copy(setup["primary"], job, retain_until=day(64, hour=12) + timedelta(hours=20))
    RetentionSettings.objects.create(
        commcell=setup["commcell"], disagreement_tolerance_days=0.5
    )

    primary = entry(job_retention(job, NOW), setup["primary"])

    assert primary.verdict.disagrees is True
    assert primary.disagreement.difference_days == pytest.approx(20 / 24)


def test_manual_retention_from_user_row(setup):
    job = job_on_day(setup, 45)
    on_copy(setup["primary"], job, retained_by=USER, retain_until=day(90))

    primary = entry(job_retention(job, NOW), setup["primary"])

    assert primary.verdict.reason == "manual_retention"
    assert primary.verdict.retain_until == day(91, hour=12)
    assert primary.disagreement is None


def test_manual_date_ignored_unless_user(setup):
    job = job_on_day(setup, 45)
    on_copy(setup["primary"], job, retain_until=day(90))

    primary = entry(job_retention(job, NOW), setup["primary"])

    assert primary.verdict.reason == "basic_days"
    assert primary.disagreement is not None


def test_pinned_job_from_user_row(setup):
    job = job_on_day(setup, 45)
    on_copy(setup["primary"], job, retained_by=USER, retain_infinite=True)

    primary = entry(job_retention(job, NOW), setup["primary"])

    assert primary.verdict.reason == "infinite_retention"
    assert primary.verdict.retain_until is None
    assert "manually" in primary.verdict.sentence
    assert primary.disagreement is None


def test_infinite_report_disagrees(setup):
    job = job_on_day(setup, 45)
    on_copy(setup["primary"], job, retain_infinite=True)

    primary = entry(job_retention(job, NOW), setup["primary"])

    assert primary.verdict.reason == "basic_days"
    assert primary.disagreement.difference_days is None
    assert "forever" in primary.disagreement.summary


def test_waiting_for_aux_copy(setup):
    job = job_on_day(setup, 3)
    on_copy(setup["offsite"], job, copied_time=None)

    retention = job_retention(job, NOW)

    primary = entry(retention, setup["primary"])
    assert primary.verdict.reason == "waiting_aux_copy"
    assert "Offsite" in primary.verdict.sentence
    assert primary.verdict.rule_retain_until == day(22, hour=12)


def test_copied_job_not_waiting(setup):
    job = job_on_day(setup, 3)
    on_copy(setup["offsite"], job)

    primary = entry(job_retention(job, NOW), setup["primary"])

    assert primary.verdict.reason == "eligible"


@pytest.mark.parametrize(
    ("inactive_hold", "reason"),
    [(True, "waiting_aux_copy"), (False, "eligible")],
)
def test_inactive_copy_hold_setting(setup, inactive_hold, reason):
    job = job_on_day(setup, 3)
    on_copy(setup["tape"], job, copied_time=None)
    RetentionSettings.objects.create(
        commcell=setup["commcell"], inactive_copies_hold_jobs=inactive_hold
    )

    primary = entry(job_retention(job, NOW), setup["primary"])

    assert primary.verdict.reason == reason


def test_days_only_setting(setup):
    job = job_on_day(setup, 50)
    RetentionSettings.objects.create(
        commcell=setup["commcell"], days_only_retention=True
    )

    retention = job_retention(job, NOW)

    primary = entry(retention, setup["primary"])
    assert primary.verdict.reason == "basic_days"
    assert primary.verdict.retain_until == day(65, hour=12)
    assert "Days-only" in primary.verdict.sentence
    assert "Days-only retention is on: cycles are ignored." in retention.settings_in_use


def test_days_only_setting_dates_open_cycle(setup):
    job = job_on_day(setup, 58)
    RetentionSettings.objects.create(
        commcell=setup["commcell"], days_only_retention=True
    )

    primary = entry(job_retention(job, NOW), setup["primary"])

    assert primary.verdict.reason == "basic_days"
    assert primary.verdict.retain_until == day(73, hour=12)


def test_reported_time_zone_moves_aging_day(setup):
    commcell = setup["commcell"]
    commcell.commserve_time_zone = "(UTC-11:00) Coordinated Universal Time-11"
    commcell.save()
    job = job_on_day(setup, 45)
    job.commcell = commcell

    retention = job_retention(job, NOW)

    primary = entry(retention, setup["primary"])
    assert primary.verdict.retain_until == day(63, hour=23)
    assert retention.clock.utc_offset_minutes == -660
    assert "reported by the CommServe" in retention.clock.source


def test_settings_time_zone_wins(setup):
    commcell = setup["commcell"]
    commcell.commserve_time_zone = "(UTC+10:00) Canberra"
    commcell.save()
    RetentionSettings.objects.create(
        commcell=commcell, time_zone="Pacific/Pago_Pago", aging_time=time(12, 0)
    )
    job = job_on_day(setup, 45)
    job.commcell = commcell

    retention = job_retention(job, NOW)

    primary = entry(retention, setup["primary"])
    assert primary.verdict.retain_until == day(63, hour=23)
    assert "Pacific/Pago_Pago" in retention.clock.source


def test_settings_time_zone_follows_dst(setup):
    # New York moves from UTC-05:00 to UTC-04:00 on 2026-03-08, after NOW.
    RetentionSettings.objects.create(
        commcell=setup["commcell"],
        time_zone="America/New_York",
        days_only_retention=True,
        aging_time=time(12, 0),
    )

    retention = job_retention(job_on_day(setup, 55), NOW)

    primary = entry(retention, setup["primary"])
    assert retention.clock.utc_offset_minutes == -300
    assert primary.verdict.retain_until == day(70, hour=16)
    assert primary.verdict.retain_until.tzname() == "UTC-04:00"


def test_copy_without_rule(setup):
    setup["cloud"].retention_rule.delete()

    cloud = entry(job_retention(job_on_day(setup, 36), NOW), setup["cloud"])

    assert cloud.verdict is None
    assert "no retention rule" in cloud.missing_reason


def test_primary_without_rule_keeps_secondaries(setup):
    setup["primary"].retention_rule.delete()

    retention = job_retention(job_on_day(setup, 36), NOW)

    assert retention.verdict is None
    assert "no retention rule" in retention.missing_rule_reason
    assert entry(retention, setup["offsite"]).verdict is not None


@pytest.mark.parametrize("last_day", [20, 60])
def test_query_count_bounded(django_assert_num_queries, last_day):
    commcell = CommCellFactory(name=f"cs-queries-{last_day}")
    policy = StoragePolicyFactory(commcell=commcell)
    for precedence in (1, 2, 3):
        copy = StoragePolicyCopyFactory(
            commcell=commcell, storage_policy=policy, copy_precedence=precedence
        )
        RetentionRuleFactory(copy=copy)
    client = ClientFactory(commcell=commcell)
    jobs = add_jobs(
        commcell, policy, client, fulls_with_daily_incrementals(7, last_day)
    )
    for job in jobs:
        on_copy(copy, job, copied_time=None)
    job = jobs[-1]
    job.commcell = commcell

    # Settings, client flag, chain, copies, rows on copies, newest read of copies
    # without rows.
    with django_assert_num_queries(6):
        retention = job_retention(job, NOW)

    assert len(retention.copies) == 3


def test_extended_rule_from_stored_rule(setup):
    rule = setup["primary"].retention_rule
    rule.extended_rules = [
        {"slot": 1, "rule": "monthly_fulls", "end_days": 365, "grace_days": 0}
    ]
    rule.save()
    job = job_on_day(setup, 29)
    on_copy(
        setup["primary"],
        job,
        retained_by=JobOnCopy.RetainedBy.EXTENDED,
        retain_until=day(395, hour=12),
    )

    primary = entry(job_retention(job, NOW), setup["primary"])

    assert primary.verdict.reason == "extended_retention"
    assert primary.verdict.retain_until == day(395, hour=12)
    assert primary.disagreement is None


def test_aging_disabled_on_copy(setup):
    rule = setup["offsite"].retention_rule
    rule.data_aging_enabled = False
    rule.save()

    offsite = entry(job_retention(job_on_day(setup, 36), NOW), setup["offsite"])

    assert offsite.verdict.reason == "aging_disabled"
    assert offsite.verdict.retain_until is None


def test_running_job(setup):
    running = add_jobs(
        setup["commcell"],
        setup["policy"],
        setup["jobs"][0].client,
        [(day(61, hour=2), INCR, RUNNING)],
    )[0]

    primary = entry(job_retention(running, NOW), setup["primary"])

    assert primary.verdict.reason == "job_running"


def test_aged_on_secondary_copy(setup):
    job = job_on_day(setup, 36)
    JobOnCopy.objects.filter(copy=setup["offsite"], job_id=job.job_id).update(
        is_aged=True
    )

    retention = job_retention(job, NOW)

    assert entry(retention, setup["offsite"]).verdict.reason == "aged"
    assert entry(retention, setup["primary"]).verdict.reason == "eligible"
