"""The thresholds that decide which copies get a disagreement finding of their own."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.commcell.models import JobOnCopy
from apps.core.analysis import run_analysis
from apps.core.models import Finding
from apps.retention import sql as retention_sql
from apps.retention.analysis import ANALYZER_NAME, analyze_cycles
from apps.retention.assumptions import describe
from apps.retention.disagreement import (
    counted,
    disagreement_reaches_threshold,
    disagreement_severity,
)
from apps.retention.models import RetentionSettings
from tests.factories import CommCellFactory
from tests.retention.chains import NOW, build_estate

DISAGREEMENT = "retention.reported_disagreement"
BELOW = "retention.reported_disagreement_below_threshold"


@pytest.mark.parametrize(
    ("disagreeing", "compared", "expected"),
    [
        (0, 100, False),
        (9, 901, False),  # 9 jobs and 0.999%: below both
        (10, 100_000, True),  # the job count alone
        (9, 100_000, False),
        (1, 100, True),  # exactly 1%
        (1, 101, False),
        (5, 1843, False),
        (1, 1, True),
        (1, 0, True),
    ],
)
def test_threshold_defaults(disagreeing, compared, expected):
    settings = RetentionSettings()

    assert disagreement_reaches_threshold(disagreeing, compared, settings) is expected


def test_threshold_zero_percent_reports_any_job():
    settings = RetentionSettings(disagreement_min_percent=0.0)

    assert disagreement_reaches_threshold(1, 1_000_000, settings) is True
    assert disagreement_reaches_threshold(0, 1_000_000, settings) is False


def test_threshold_one_job_reports_any_job():
    settings = RetentionSettings(disagreement_min_jobs=1)

    assert disagreement_reaches_threshold(1, 1_000_000, settings) is True


@pytest.mark.parametrize(
    ("disagreeing", "compared", "expected"),
    [
        (10, 20, "high"),  # the job count and exactly half
        (10, 21, "medium"),
        (9, 9, "medium"),  # every job, but fewer than the job count
        (1, 100, "medium"),
    ],
)
def test_severity_high_for_half_of_jobs(disagreeing, compared, expected):
    settings = RetentionSettings()

    assert disagreement_severity(disagreeing, compared, settings) == expected


def test_describe_names_thresholds():
    settings = RetentionSettings(disagreement_min_jobs=25)

    assert describe(settings) == [
        "A copy gets a disagreement finding when at least 25 of its compared jobs "
        "or 1% of them disagree with the CommServe."
    ]


def test_describe_separates_thousands():
    settings = RetentionSettings(disagreement_min_jobs=1_000_000)

    (line,) = describe(settings)

    assert "at least 1,000,000 of its compared jobs" in line


@pytest.mark.parametrize(
    ("count", "text"),
    [(1, "1 job"), (999, "999 jobs"), (1_000_000, "1,000,000 jobs")],
)
def test_counted_separates_thousands(count, text):
    assert counted(count, "job") == text


def test_describe_omits_default_thresholds():
    assert describe(RetentionSettings()) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("disagreement_min_jobs", 0),
        ("disagreement_min_percent", -0.5),
        ("disagreement_min_percent", 100.5),
    ],
)
def test_settings_reject_out_of_range_thresholds(field, value):
    settings = RetentionSettings(commcell=CommCellFactory(), **{field: value})

    with pytest.raises(ValidationError) as error:
        settings.full_clean()
    assert field in error.value.message_dict


@pytest.fixture
def estate(db):
    return build_estate()


def list_forty_jobs_one_disagreeing(estate) -> list:
    """List 40 jobs of the weekly copy with the computed dates, then move one date.

    So 1 of 40 compared jobs (2.5%) disagrees.
    """
    commcell = estate["commcell"]
    computed = {
        row.job_id: row.retain_until
        for row in retention_sql.job_eligibility(commcell_id=commcell.pk, now=NOW)
        if row.retain_until is not None
    }
    jobs = [job for job in estate["weekly_jobs"] if job.job_id in computed][:40]
    assert len(jobs) == 40

    copy = estate["weekly_rule"].copy
    JobOnCopy.objects.bulk_create(
        JobOnCopy(
            commcell=commcell,
            copy=copy,
            job_id=job.job_id,
            retained_by=JobOnCopy.RetainedBy.BASIC,
            retain_until=computed[job.job_id],
            collected_at=NOW,
        )
        for job in jobs
    )
    JobOnCopy.objects.filter(copy=copy, job_id=jobs[0].job_id).update(
        retain_until=NOW + timedelta(days=200)
    )
    return jobs


def findings_by_code(commcell) -> dict[str, list]:
    found: dict[str, list] = {}
    for item in analyze_cycles(commcell, NOW):
        found.setdefault(item.code, []).append(item)
    return found


def test_copy_at_percent_threshold_gets_finding(estate):
    list_forty_jobs_one_disagreeing(estate)
    RetentionSettings.objects.create(
        commcell=estate["commcell"], disagreement_min_percent=2.5
    )

    found = findings_by_code(estate["commcell"])

    (finding,) = found[DISAGREEMENT]
    assert finding.evidence["disagreeing_jobs"] == 1
    assert finding.evidence["compared_jobs"] == 40
    assert finding.severity == "medium"
    assert BELOW not in found


def test_copy_below_threshold_counted_on_commcell(estate):
    jobs = list_forty_jobs_one_disagreeing(estate)
    RetentionSettings.objects.create(
        commcell=estate["commcell"], disagreement_min_percent=2.6
    )
    commcell = estate["commcell"]

    found = findings_by_code(commcell)

    assert DISAGREEMENT not in found
    (finding,) = found[BELOW]
    assert finding.severity == "info"
    assert finding.subject_type == "commcell"
    assert finding.subject_id == commcell.pk
    assert finding.title == (
        "1 copy has CommServe retain-until dates that differ from the computed ones "
        "for 1 job in all, each below the finding threshold of 10 jobs or 2.6% of "
        "the compared jobs."
    )
    assert "copies page" in finding.recommendation
    assert finding.evidence["copies"] == 1
    assert finding.evidence["disagreeing_jobs"] == 1
    assert finding.evidence["copies_url"] == (
        f"{reverse('retention:copy-list')}?commcell={commcell.pk}"
    )
    (example,) = finding.evidence["examples"]
    assert example["compared_jobs"] == 40
    assert example["example_job_url"] == f"/jobs/{jobs[0].pk}/"
    # The finding pages link the first example job.
    assert finding.evidence["example_job_url"] == f"/jobs/{jobs[0].pk}/"
    assert finding.evidence["example_job_id"] == jobs[0].job_id


def test_below_threshold_finding_resolves_once_reported(estate):
    list_forty_jobs_one_disagreeing(estate)
    commcell = estate["commcell"]
    settings = RetentionSettings.objects.create(
        commcell=commcell, disagreement_min_percent=2.6
    )
    run_analysis(commcell, now=NOW, analyzers={ANALYZER_NAME: analyze_cycles})
    settings.disagreement_min_jobs = 1
    settings.save()

    run_analysis(commcell, now=NOW, analyzers={ANALYZER_NAME: analyze_cycles})

    below = Finding.objects.get(commcell=commcell, code=BELOW)
    assert below.resolved_at is not None
    copy_finding = Finding.objects.get(commcell=commcell, code=DISAGREEMENT)
    assert copy_finding.resolved_at is None


def test_many_disagreeing_jobs_give_high_finding(estate):
    jobs = list_forty_jobs_one_disagreeing(estate)
    copy = estate["weekly_rule"].copy
    moved = [job.job_id for job in jobs[:20]]
    JobOnCopy.objects.filter(copy=copy, job_id__in=moved).update(
        retain_until=NOW + timedelta(days=200)
    )

    (finding,) = findings_by_code(estate["commcell"])[DISAGREEMENT]

    assert finding.evidence["disagreeing_jobs"] == 20
    assert finding.severity == "high"


def test_finding_page_links_example_job(viewer_client, estate):
    jobs = list_forty_jobs_one_disagreeing(estate)
    commcell = estate["commcell"]
    run_analysis(commcell, now=NOW, analyzers={ANALYZER_NAME: analyze_cycles})
    finding = Finding.objects.get(commcell=commcell, code=DISAGREEMENT)

    response = viewer_client.get(reverse("core:finding-detail", args=[finding.pk]))

    text = response.content.decode()
    url = reverse("retention:job-detail", args=[jobs[0].pk])
    assert f'<a href="{url}" data-example-job>Open job {jobs[0].job_id}</a>' in text
    assert f'<td><a href="{url}">{url}</a></td>' in text
    assert f"page of job {jobs[0].job_id} ({url})" in finding.recommendation


def test_finding_texts_separate_thousands(estate):
    list_forty_jobs_one_disagreeing(estate)
    RetentionSettings.objects.create(
        commcell=estate["commcell"],
        disagreement_min_jobs=1_000_000,
        disagreement_min_percent=2.5,
    )

    (finding,) = findings_by_code(estate["commcell"])[DISAGREEMENT]

    assert "at least 1,000,000 of its compared jobs" in finding.recommendation


def test_below_threshold_title_separates_thousands(estate):
    list_forty_jobs_one_disagreeing(estate)
    RetentionSettings.objects.create(
        commcell=estate["commcell"],
        disagreement_min_jobs=1_000_000,
        disagreement_min_percent=2.6,
    )

    (finding,) = findings_by_code(estate["commcell"])[BELOW]

    assert "threshold of 1,000,000 jobs or 2.6%" in finding.title
