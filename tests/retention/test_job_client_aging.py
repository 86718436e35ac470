"""Jobs of a client whose data aging is disabled, on the job page and its API.

The copies are those of ``test_job_copies``: the primary copy (14 days, 2 cycles) and
"Offsite" (30 days, 1 cycle, fulls only), whose job list lists the client's fulls.
"""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from apps.commcell.models import Client, JobOnCopy
from apps.retention import api, views
from apps.retention.job_retention import job_retention
from tests.factories import ClientFactory
from tests.retention.sql.scenarios import add_jobs, day, fulls_with_daily_incrementals
from tests.retention.test_job_copies import NOW, build_copies, entry, on_copy

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_now(monkeypatch):
    """Serve the page and the API as of NOW, because the jobs date from early 2026."""
    clock = SimpleNamespace(now=lambda: NOW)
    monkeypatch.setattr(views, "timezone", clock)
    monkeypatch.setattr(api, "timezone", clock)


@pytest.fixture
def setup():
    setup = build_copies()
    Client.objects.filter(pk=setup["jobs"][0].client_id).update(
        data_aging_enabled=False
    )
    return setup


def full_of_day(setup, number: int):
    """Return the full of ``number`` (1, 8, ..., 57), which Offsite lists."""
    return setup["jobs"][number - 1]


def test_client_aging_off_on_every_copy(setup):
    retention = job_retention(full_of_day(setup, 29), NOW)

    primary = entry(retention, setup["primary"])
    offsite = entry(retention, setup["offsite"])
    for copy in (primary, offsite):
        assert copy.verdict.reason == "aging_disabled"
        assert copy.verdict.retain_until is None
        assert copy.reason_label == "data aging disabled on the client"
        assert "disabled on the client" in copy.verdict.sentence
    assert primary.verdict.rule_retain_until == day(50, hour=12)
    assert retention.reason_label == "data aging disabled on the client"


def test_client_aging_off_whole_chain(setup):
    retention = job_retention(full_of_day(setup, 57), NOW)

    reasons = {verdict.reason for verdict in retention.result.verdicts}
    assert reasons == {"aging_disabled"}


def test_client_and_copy_aging_off(setup):
    rule = setup["offsite"].retention_rule
    rule.data_aging_enabled = False
    rule.save()

    offsite = entry(job_retention(full_of_day(setup, 29), NOW), setup["offsite"])

    assert offsite.reason_label == "data aging disabled on the client"
    assert "also disabled on the copy" in offsite.verdict.sentence


def test_copy_aging_off_keeps_copy_label(setup):
    Client.objects.update(data_aging_enabled=True)
    rule = setup["offsite"].retention_rule
    rule.data_aging_enabled = False
    rule.save()

    offsite = entry(job_retention(full_of_day(setup, 29), NOW), setup["offsite"])

    assert offsite.reason_label == "data aging disabled"
    assert "disabled on the copy" in offsite.verdict.sentence


def test_other_client_still_ages(setup):
    other = ClientFactory(commcell=setup["commcell"], name="beta")
    jobs = add_jobs(
        setup["commcell"], setup["policy"], other, fulls_with_daily_incrementals(7, 60)
    )

    primary = entry(job_retention(jobs[28], NOW), setup["primary"])

    assert primary.verdict.reason == "eligible"


def test_client_aging_off_agrees_with_infinite(setup):
    job = full_of_day(setup, 29)
    JobOnCopy.objects.filter(copy=setup["offsite"], job_id=job.job_id).update(
        retain_infinite=True,
        retain_until=None,
        retention_reason="Data aging is disabled on the client",
    )

    offsite = entry(job_retention(job, NOW), setup["offsite"])

    assert offsite.disagreement is None


def test_stale_flag_disagreement_names_reason(setup):
    Client.objects.update(data_aging_enabled=True)
    job = full_of_day(setup, 29)
    JobOnCopy.objects.filter(copy=setup["offsite"], job_id=job.job_id).update(
        retain_infinite=True,
        retain_until=None,
        retention_reason="Data aging is disabled on the client",
    )

    offsite = entry(job_retention(job, NOW), setup["offsite"])

    causes = offsite.disagreement.causes
    stated = 'The CommServe gives the reason "Data aging is disabled on the client".'
    assert causes[0] == stated
    assert any("disabled on the client or the copy" in cause for cause in causes)


def test_page_names_client_aging(viewer_client, setup, at_now):
    job = full_of_day(setup, 29)
    on_copy(setup["primary"], job, retain_infinite=True)

    response = viewer_client.get(reverse("retention:job-detail", args=[job.pk]))

    text = response.content.decode()
    assert response.status_code == 200
    assert text.count("Data aging disabled on the client</strong>") == 2
    assert "Eligible to age" not in text


def test_api_names_client_aging(viewer_client, setup, at_now):
    job = full_of_day(setup, 29)

    response = viewer_client.get(reverse("job-retention", args=[job.pk]))

    body = response.json()
    assert response.status_code == 200
    assert body["reason_label"] == "data aging disabled on the client"
    assert body["verdict"]["reason"] == "aging_disabled"
    assert [copy["reason_label"] for copy in body["copies"][:2]] == [
        "data aging disabled on the client"
    ] * 2
