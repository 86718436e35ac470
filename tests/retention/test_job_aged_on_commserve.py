"""Jobs the CommServe has aged: flagged aged, or left out of the primary's job list.

The copies are those of ``test_job_copies``. The primary copy's job list, read on day
61 at 06:00, lists the jobs of days 22 to 60, so the jobs of days 1 to 21 have aged.
"""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from apps.commcell.models import JobOnCopy
from apps.retention import views
from apps.retention.job_retention import job_retention
from tests.retention.sql.scenarios import DONE, FAILED, FULL, INCR, add_jobs, day
from tests.retention.test_job_copies import NOW, build_copies, entry, on_copy

pytestmark = pytest.mark.django_db

FIRST_LISTED_DAY = 22


@pytest.fixture
def setup():
    setup = build_copies()
    for job in setup["jobs"][FIRST_LISTED_DAY - 1 :]:
        on_copy(setup["primary"], job)
    return setup


def add_job(setup, start, level=INCR, outcome=DONE):
    client = setup["jobs"][0].client
    return add_jobs(
        setup["commcell"], setup["policy"], client, [(start, level, outcome)]
    )[0]


def primary_verdict(setup, job):
    return entry(job_retention(job, NOW), setup["primary"])


def test_unlisted_job_aged_on_commserve(setup):
    primary = primary_verdict(setup, setup["jobs"][9])

    assert primary.verdict.reason == "aged"
    assert primary.verdict.retain_until is None
    assert primary.reason_label == "aged on the CommServe"
    assert "no longer lists this job" in primary.verdict.sentence
    assert "2026-03-02 06:00 UTC" in primary.verdict.sentence


def test_listed_job_keeps_rule_verdict(setup):
    primary = primary_verdict(setup, setup["jobs"][FIRST_LISTED_DAY - 1])

    assert primary.verdict.reason == "eligible"
    assert primary.verdict.retain_until is not None


def test_same_job_eligible_without_read(setup):
    JobOnCopy.objects.filter(copy=setup["primary"]).delete()

    primary = primary_verdict(setup, setup["jobs"][9])

    assert primary.verdict.reason == "eligible"


def test_unlisted_failed_job_not_aged(setup):
    failed = add_job(setup, day(10, hour=23), level=FULL, outcome=FAILED)

    primary = primary_verdict(setup, failed)

    assert primary.verdict.reason != "aged"


def test_job_ended_after_read_not_aged(setup):
    late = add_job(setup, day(61, hour=7))

    primary = primary_verdict(setup, late)

    assert primary.verdict.reason != "aged"


def test_aged_row_on_primary(setup):
    job = setup["jobs"][FIRST_LISTED_DAY - 1]
    JobOnCopy.objects.filter(copy=setup["primary"], job_id=job.job_id).update(
        is_aged=True
    )

    primary = primary_verdict(setup, job)

    assert primary.verdict.reason == "aged"
    assert primary.reason_label == "aged on the CommServe"
    assert primary.verdict.sentence == "Data aging has already aged this job."


def test_aged_jobs_still_count_cycles(setup):
    listed = primary_verdict(setup, setup["jobs"][FIRST_LISTED_DAY - 1])
    JobOnCopy.objects.filter(copy=setup["primary"]).delete()
    unread = primary_verdict(setup, setup["jobs"][FIRST_LISTED_DAY - 1])

    assert listed.verdict.cycle_index == unread.verdict.cycle_index
    assert listed.verdict.retain_until == unread.verdict.retain_until


def test_page_says_aged_not_eligible(viewer_client, setup, monkeypatch):
    monkeypatch.setattr(views, "timezone", SimpleNamespace(now=lambda: NOW))
    job = setup["jobs"][9]

    response = viewer_client.get(reverse("retention:job-detail", args=[job.pk]))

    text = response.content.decode()
    row = text.split(f'data-copy="{setup["primary"].pk}"')[1].split("</tr>")[0]
    assert response.status_code == 200
    assert "Aged on the CommServe</strong>" in row
    assert "Eligible to age" not in row
