"""The retention.cycles analyzer on factory data, on PostgreSQL."""

from datetime import timedelta

import pytest

from apps.commcell.models import Job, JobOnCopy
from apps.core.analysis import run_analysis
from apps.core.findings import registered_analyzers
from apps.core.models import Finding
from apps.retention import sql as retention_sql
from apps.retention.analysis import ANALYZER_NAME, analyze_cycles
from apps.retention.models import (
    CopyRetentionSummary,
    FullBackupSuccess,
    RetentionSettings,
)
from tests.factories import (
    ClientFactory,
    RetentionRuleFactory,
    StoragePolicyCopyFactory,
)
from tests.retention.chains import NOW, add_chain, build_estate, make_plan
from tests.retention.sql.scenarios import DONE, FAILED, FULL, INCR, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate():
    return build_estate()


def findings_by_code(commcell, now=NOW) -> dict[str, list]:
    found: dict[str, list] = {}
    for item in analyze_cycles(commcell, now):
        found.setdefault(item.code, []).append(item)
    return found


def test_analyzer_is_registered():
    assert registered_analyzers()[ANALYZER_NAME] is analyze_cycles


def test_weekly_two_cycles_kept_about_twenty_days(estate):
    list(analyze_cycles(estate["commcell"], NOW))

    summary = CopyRetentionSummary.objects.get(copy=estate["weekly_rule"].copy)
    assert summary.median_full_interval_days == pytest.approx(7.0)
    assert 19.5 <= summary.effective_retention_days <= 21.5
    assert summary.retention_delay_days == pytest.approx(
        summary.effective_retention_days - 14
    )


def test_weekly_two_cycles_flagged_as_delay(estate):
    found = findings_by_code(estate["commcell"])

    delays = found["retention.cycle_delay"]
    assert [item.subject_id for item in delays] == [estate["weekly_rule"].copy_id]
    delay = delays[0]
    assert delay.evidence["retention_days"] == 14
    assert delay.evidence["retention_cycles"] == 2
    assert delay.evidence["full_interval_days"] == pytest.approx(7.0)
    assert delay.evidence["delay_percent"] > 30
    # With weekly fulls, 1 cycle keeps data as long as 2, so only more frequent
    # fulls or days-only retention bring it near 14 days.
    assert delay.recommendation.startswith(
        "At the measured full interval of 7.0 days, 2 cycles keep data about 20 days "
        "(+43%)."
    )
    assert "days-only retention, which keeps data 14 days" in delay.recommendation
    assert "true 14-day" not in delay.recommendation
    assert "14 days / 2 cycles" in delay.title


def test_days_only_plan_not_flagged(estate):
    found = findings_by_code(estate["commcell"])

    flagged = {item.subject_id for item in found["retention.cycle_delay"]}
    assert estate["clean_rule"].copy_id not in flagged


def test_failed_fulls_leave_open_cycle(estate):
    found = findings_by_code(estate["commcell"])

    opens = found["retention.open_cycle"]
    assert [(item.subject_type, item.subject_id) for item in opens] == [
        ("client", estate["beta"].pk)
    ]
    item = opens[0]
    assert "8 failed fulls since the last good full on 2026-01-01" in item.title
    assert item.evidence["chains"][0]["failed_fulls_since_last_full"] == 8
    assert item.severity == "high"


def test_open_cycle_without_any_good_full(estate):
    plan, _ = make_plan(estate["commcell"], "NoFull", days=5, cycles=1)
    gamma = ClientFactory(commcell=estate["commcell"], name="gamma")
    add_chain(
        plan,
        gamma,
        [(day(40), FULL, FAILED), (day(41), INCR, DONE), (day(48), FULL, FAILED)],
    )

    found = findings_by_code(estate["commcell"])

    item = next(
        item for item in found["retention.open_cycle"] if item.subject_id == gamma.pk
    )
    assert "2 failed fulls and no good full since 2026-02-09" in item.title


def test_low_full_success_flags_plan(estate):
    found = findings_by_code(estate["commcell"])

    low = found["retention.full_success_low"]
    assert [item.subject_id for item in low] == [estate["failing"].pk]
    item = low[0]
    # Days 31 to 60 of the failing chain contain four failed weekly fulls and no good one.
    assert item.evidence["failed"] == 4
    assert item.evidence["succeeded"] == 0
    assert item.evidence["success_percent"] == 0.0
    assert "0% of full backups" in item.title


def test_full_success_rows_stored(estate):
    list(analyze_cycles(estate["commcell"], NOW))

    rows = {
        (row.plan_name, row.client_name): row
        for row in FullBackupSuccess.objects.filter(commcell=estate["commcell"])
    }
    assert set(rows) == {("Weekly", "alpha"), ("Failing", "beta"), ("Clean", "alpha")}
    failing = rows[("Failing", "beta")]
    assert failing.fulls == 4
    assert failing.failed == 4
    assert failing.succeeded == 0
    assert failing.blocked_chains == 1
    assert failing.window_start == NOW - timedelta(days=30)
    assert rows[("Weekly", "alpha")].succeeded == 4
    assert rows[("Weekly", "alpha")].blocked_chains == 0


def test_data_quality_names_values(estate):
    commcell = estate["commcell"]
    weekly_jobs = estate["weekly_jobs"]
    Job.objects.filter(pk=weekly_jobs[3].pk).update(end_time=None)
    Job.objects.filter(pk=weekly_jobs[4].pk).update(media_bytes=-512)
    bad_rule = estate["clean_rule"]
    bad_rule.retention_days = -7
    bad_rule.save()
    idle = StoragePolicyCopyFactory(commcell=commcell, name="Idle primary")

    found = findings_by_code(commcell)

    by_subject = {
        (item.subject_type, item.subject_id): item
        for item in found["retention.data_quality"]
    }
    policy_item = by_subject[("storage_policy", estate["weekly"].storage_policy_id)]
    assert f"job {weekly_jobs[3].job_id}: outcome completed" in policy_item.title
    assert f"job {weekly_jobs[4].job_id}: media size -512 bytes" in policy_item.title
    rule_item = by_subject[("copy", bad_rule.copy_id)]
    assert "Retention days -7 is invalid" in rule_item.title
    idle_item = by_subject[("copy", idle.pk)]
    assert "no jobs" in idle_item.title
    assert idle_item.evidence["problems"] == [{"kind": "no_jobs", "job_count": 0}]


def test_data_quality_negative_size_in_binary_units(estate):
    job = estate["weekly_jobs"][4]
    Job.objects.filter(pk=job.pk).update(media_bytes=-3 * 1024**3 - 5)

    found = findings_by_code(estate["commcell"])

    by_subject = {
        (item.subject_type, item.subject_id): item
        for item in found["retention.data_quality"]
    }
    item = by_subject[("storage_policy", estate["weekly"].storage_policy_id)]
    problem = item.evidence["problems"][0]
    assert f"job {job.job_id}: media size -3.0 GiB" in item.title
    assert problem["kind"] == "negative_size"
    assert problem["sizes"] == [
        {
            "job_id": job.job_id,
            "application_bytes": job.application_bytes,
            "media_bytes": -3 * 1024**3 - 5,
        }
    ]


def test_running_job_without_end_is_not_data_quality(estate):
    Job.objects.filter(pk=estate["weekly_jobs"][-1].pk).update(
        end_time=None, outcome=Job.Outcome.RUNNING
    )

    found = findings_by_code(estate["commcell"])

    assert "retention.data_quality" not in found


def test_analysis_run_stores_cycle_findings(estate):
    run = run_analysis(
        estate["commcell"], now=NOW, analyzers={ANALYZER_NAME: analyze_cycles}
    )

    assert run.status == "succeeded"
    codes = set(
        Finding.objects.filter(
            commcell=estate["commcell"], resolved_at__isnull=True
        ).values_list("code", flat=True)
    )
    assert codes == {
        "retention.cycle_delay",
        "retention.open_cycle",
        "retention.full_success_low",
    }


def test_fixed_fulls_resolve_findings(estate):
    run_analysis(estate["commcell"], now=NOW, analyzers={ANALYZER_NAME: analyze_cycles})
    Job.objects.filter(commcell=estate["commcell"], outcome="failed").update(
        outcome="completed"
    )

    run_analysis(estate["commcell"], now=NOW, analyzers={ANALYZER_NAME: analyze_cycles})

    open_codes = set(
        Finding.objects.filter(
            commcell=estate["commcell"], resolved_at__isnull=True
        ).values_list("code", flat=True)
    )
    assert "retention.open_cycle" not in open_codes
    assert "retention.full_success_low" not in open_codes


def list_jobs_on_copy(copy, jobs, **fields):
    JobOnCopy.objects.bulk_create(
        JobOnCopy(
            commcell=copy.commcell,
            copy=copy,
            job_id=job.job_id,
            collected_at=NOW,
            **fields,
        )
        for job in jobs
    )


def test_reported_disagreement_finding(estate):
    copy = estate["weekly_rule"].copy
    jobs = estate["weekly_jobs"][:3]
    list_jobs_on_copy(
        copy,
        jobs,
        retained_by=JobOnCopy.RetainedBy.BASIC,
        retain_until=NOW + timedelta(days=200),
    )

    found = findings_by_code(estate["commcell"])

    (finding,) = found["retention.reported_disagreement"]
    assert finding.severity == "medium"
    assert finding.subject_type == "copy"
    assert finding.subject_id == copy.pk
    assert finding.evidence["reported_jobs"] == 3
    assert finding.evidence["disagreeing_jobs"] == 3
    assert finding.evidence["max_difference_days"] > 150
    example = Job.objects.get(pk=finding.evidence["example_job_pk"])
    assert example.job_id == finding.evidence["example_job_id"]
    assert f"/jobs/{example.pk}/" in finding.recommendation
    assert "every retention setting has its default" in finding.recommendation


def test_disagreement_recommendation_names_settings(estate):
    copy = estate["weekly_rule"].copy
    list_jobs_on_copy(
        copy,
        estate["weekly_jobs"][:1],
        retained_by=JobOnCopy.RetainedBy.BASIC,
        retain_until=NOW + timedelta(days=200),
    )
    RetentionSettings.objects.create(
        commcell=estate["commcell"], days_only_retention=True
    )

    (finding,) = findings_by_code(estate["commcell"])["retention.reported_disagreement"]

    assert "Days-only retention is on" in finding.recommendation


def test_disagreement_resolves_when_dates_agree(estate):
    commcell = estate["commcell"]
    copy = estate["weekly_rule"].copy
    list_jobs_on_copy(
        copy,
        estate["weekly_jobs"][:2],
        retained_by=JobOnCopy.RetainedBy.BASIC,
        retain_until=NOW + timedelta(days=200),
    )
    run_analysis(commcell, now=NOW, analyzers={ANALYZER_NAME: analyze_cycles})
    computed = {
        row.job_id: row.retain_until
        for row in retention_sql.job_eligibility(commcell_id=commcell.pk, now=NOW)
    }
    for row in JobOnCopy.objects.filter(copy=copy):
        row.retain_until = computed[row.job_id]
        row.save()

    run_analysis(commcell, now=NOW, analyzers={ANALYZER_NAME: analyze_cycles})

    finding = Finding.objects.get(
        commcell=commcell, code="retention.reported_disagreement"
    )
    assert finding.resolved_at is not None


def test_secondary_copy_summaries_stored(estate):
    policy = estate["weekly"].storage_policy
    listed = StoragePolicyCopyFactory(
        commcell=estate["commcell"],
        storage_policy=policy,
        name="Offsite",
        copy_precedence=2,
    )
    RetentionRuleFactory(copy=listed, retention_days=90, retention_cycles=1)
    missing = StoragePolicyCopyFactory(
        commcell=estate["commcell"],
        storage_policy=policy,
        name="Cloud",
        copy_precedence=3,
    )
    fulls = [job for job in estate["weekly_jobs"] if job.level == FULL]
    list_jobs_on_copy(listed, fulls)

    analyze_cycles_list = list(analyze_cycles(estate["commcell"], NOW))

    listed_summary = CopyRetentionSummary.objects.get(copy=listed)
    assert listed_summary.job_source == "copy_jobs"
    assert listed_summary.job_count == len(fulls)
    assert listed_summary.retention_days == 90
    missing_summary = CopyRetentionSummary.objects.get(copy=missing)
    assert missing_summary.job_source == "not_collected"
    assert missing_summary.job_count == 0
    assert all(item.subject_id != missing.pk for item in analyze_cycles_list)


def test_days_only_blocks_no_cycle(estate):
    RetentionSettings.objects.create(
        commcell=estate["commcell"], days_only_retention=True
    )

    found = findings_by_code(estate["commcell"])

    failing = FullBackupSuccess.objects.get(
        commcell=estate["commcell"], plan_name="Failing"
    )
    assert failing.failed == 4
    assert failing.blocked_chains == 0
    low = found["retention.full_success_low"][0]
    assert "under days-only retention they do not keep data" in low.recommendation
    assert "keeps its cycle open" not in low.recommendation
