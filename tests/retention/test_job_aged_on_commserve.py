"""Jobs the CommServe has aged: flagged aged, or left out of the primary's job list.

The copies are those of ``test_job_copies``. The primary copy's job list, read on day
61 at 06:00, lists the jobs of days 22 to 60, so the jobs of days 1 to 21 have aged.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse

from apps.commcell.models import JobOnCopy
from apps.retention import views
from apps.retention.engine import JobVerdict, Reason
from apps.retention.job_retention import job_retention, kept_at
from tests.retention.sql.scenarios import DONE, FAILED, FULL, INCR, add_jobs, day
from tests.retention.test_job_copies import (
    NOW,
    READ_AT,
    build_copies,
    entry,
    on_copy,
)

pytestmark = pytest.mark.django_db

FIRST_LISTED_DAY = 22


@pytest.fixture
def setup():
    setup = build_copies()
    for job in setup["jobs"][FIRST_LISTED_DAY - 1 :]:
        on_copy(setup["primary"], job)
    return setup


def add_job(setup, start, level=INCR, outcome=DONE, end=None):
    client = setup["jobs"][0].client
    job = add_jobs(
        setup["commcell"], setup["policy"], client, [(start, level, outcome)]
    )[0]
    if end is not None:
        job.end_time = end
        job.save(update_fields=["end_time"])
    return job


def primary_verdict(setup, job):
    return entry(job_retention(job, NOW), setup["primary"])


def test_unlisted_job_aged_on_commserve(setup):
    primary = primary_verdict(setup, setup["jobs"][9])

    assert primary.verdict.reason == "aged"
    assert primary.verdict.retain_until is None
    assert primary.reason_label == "aged on the CommServe"
    assert "no longer lists this job" in primary.verdict.sentence
    assert "2026-03-02 06:00 UTC" in primary.verdict.sentence
    assert primary.not_listed_note == ""


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


def test_recent_job_not_listed_yet(setup):
    job = add_job(
        setup, READ_AT - timedelta(minutes=22), end=READ_AT - timedelta(seconds=7)
    )

    primary = primary_verdict(setup, job)

    assert primary.verdict.reason == "basic_cycles"
    assert primary.not_listed_note.startswith("Not listed yet:")
    assert "read at 2026-03-02 06:00:00 UTC, shortly after" in primary.not_listed_note
    assert "ended at 2026-03-02 05:59:53 UTC" in primary.not_listed_note


def test_kept_job_not_listed_yet(setup):
    job = add_job(setup, day(61, hour=2))

    primary = primary_verdict(setup, job)

    assert primary.verdict.reason == "basic_cycles"
    assert "while the retention rules still kept the job" in primary.not_listed_note


def test_flagged_job_still_aged(setup):
    job = add_job(setup, day(61, hour=2))
    job.is_aged = True
    job.save(update_fields=["is_aged"])

    primary = primary_verdict(setup, job)

    assert primary.verdict.reason == "aged"
    assert primary.not_listed_note == ""


def test_late_job_leaves_old_jobs_aged(setup):
    add_job(setup, READ_AT - timedelta(minutes=22), end=READ_AT - timedelta(seconds=7))

    primary = primary_verdict(setup, setup["jobs"][9])

    assert primary.verdict.reason == "aged"
    assert "no longer lists this job" in primary.verdict.sentence


def test_page_says_not_listed_yet(viewer_client, setup, monkeypatch):
    monkeypatch.setattr(views, "timezone", SimpleNamespace(now=lambda: NOW))
    job = add_job(
        setup, READ_AT - timedelta(minutes=22), end=READ_AT - timedelta(seconds=7)
    )

    response = viewer_client.get(reverse("retention:job-detail", args=[job.pk]))

    text = response.content.decode()
    row = text.split(f'data-copy="{setup["primary"].pk}"')[1].split("</tr>")[0]
    assert response.status_code == 200
    assert "Aged on the CommServe" not in row
    assert "no longer lists this job" not in row
    assert "Not listed yet: the copy&#x27;s job list was read at" in row


def test_secondary_copy_not_yet_copied(setup):
    full = add_job(
        setup,
        READ_AT - timedelta(minutes=22),
        level=FULL,
        end=READ_AT - timedelta(seconds=7),
    )

    offsite = entry(job_retention(full, NOW), setup["offsite"])

    assert offsite.missing_reason.startswith("Not listed yet: not yet copied.")
    assert "shortly after the job ended" in offsite.missing_reason
    assert "aged" not in offsite.missing_reason


def test_secondary_job_ended_after_read(setup):
    full = add_job(setup, day(61, hour=7), level=FULL)

    offsite = entry(job_retention(full, NOW), setup["offsite"])

    assert offsite.missing_reason.startswith("Not listed yet: not yet copied.")
    assert "before the job ended" in offsite.missing_reason


def test_secondary_old_full_aged_or_uncopied(setup):
    full = setup["jobs"][35]
    setup["offsite"].jobs_on_copy.filter(job_id=full.job_id).delete()

    offsite = entry(job_retention(full, NOW), setup["offsite"])

    assert offsite.missing_reason.startswith("Not listed: aged or not yet copied.")


@pytest.mark.parametrize(
    ("reason", "retain_until", "kept"),
    [
        (Reason.ELIGIBLE, READ_AT - timedelta(hours=1), False),
        (Reason.ELIGIBLE, READ_AT + timedelta(hours=1), True),
        (Reason.BASIC_DAYS, READ_AT + timedelta(days=3), True),
        (Reason.BASIC_CYCLES, None, True),
        (Reason.AGED, None, False),
    ],
)
def test_kept_at_read(reason, retain_until, kept):
    verdict = JobVerdict(1, 0, retain_until, retain_until, reason, "", 0)

    assert kept_at(verdict, READ_AT) is kept
