"""The job page and the job retention API: one row per copy beside the CommServe's."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from apps.retention import api, views
from apps.retention.models import RetentionSettings
from tests.factories import JobFactory
from tests.retention.sql.scenarios import day
from tests.retention.test_job_copies import NOW, build_copies, on_copy

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def at_now(monkeypatch):
    """Serve the page and the API as of NOW, because the jobs date from early 2026."""
    clock = SimpleNamespace(now=lambda: NOW)
    monkeypatch.setattr(views, "timezone", clock)
    monkeypatch.setattr(api, "timezone", clock)


@pytest.fixture
def disagreeing(at_now):
    """Job of day 43: agrees on the primary copy, disagrees by 20 days on Offsite."""
    setup = build_copies()
    job = setup["jobs"][42]
    on_copy(setup["primary"], job, retain_until=day(64, hour=12))
    setup["offsite"].jobs_on_copy.filter(job_id=job.job_id).update(
        retain_until=day(94, hour=12), retained_by_text="Basic Retention"
    )
    return {**setup, "job": job}


def page(client, job):
    return client.get(reverse("retention:job-detail", args=[job.pk]))


def test_page_row_per_copy(viewer_client, disagreeing):
    response = page(viewer_client, disagreeing["job"])

    text = response.content.decode()
    assert response.status_code == 200
    assert text.count("data-copy=") == 3
    assert f'data-copy="{disagreeing["tape"].pk}"' not in text
    assert 'data-reason="basic_days"' in text
    assert "2026-03-05 12:00 UTC" in text


def test_page_flags_disagreement(viewer_client, disagreeing):
    text = page(viewer_client, disagreeing["job"]).content.decode()

    assert text.count("data-disagrees") == 1
    assert "<span data-difference-days>20.0</span> days" in text
    assert "2026-04-04 12:00 UTC" in text
    assert "count fewer fulls" in text


def test_page_shows_agreement(viewer_client, disagreeing):
    text = page(viewer_client, disagreeing["job"]).content.decode()

    assert text.count("data-agrees") == 1
    assert "agrees</span> within 1 day" in text


def test_page_names_copy_never_read(viewer_client, disagreeing):
    text = page(viewer_client, disagreeing["job"]).content.decode()

    assert "not collected: the copy's job list was never read" in text


def test_page_names_last_read_date(viewer_client, disagreeing):
    job = disagreeing["jobs"][43]

    text = page(viewer_client, job).content.decode()

    assert "last read 2026-03-02 06:00 UTC, does not list this job" in text


def test_page_names_settings_in_use(viewer_client, disagreeing):
    commcell = disagreeing["commcell"]
    commcell.commserve_time_zone = "(UTC-05:00) Eastern Time (US & Canada)"
    commcell.save()
    RetentionSettings.objects.create(commcell=commcell, days_only_retention=True)

    text = page(viewer_client, disagreeing["job"]).content.decode()

    assert "Days-only retention is on: cycles are ignored." in text
    assert "days only (retention settings)" in text
    assert "(UTC-05:00, from the CommServe&#x27;s time zone name" in text


def test_page_escapes_hostile_names(viewer_client, disagreeing):
    offsite = disagreeing["offsite"]
    offsite.name = HOSTILE
    offsite.save()
    offsite.jobs_on_copy.update(retained_by_text=HOSTILE, retention_reason=HOSTILE)

    text = page(viewer_client, disagreeing["job"]).content.decode()

    assert HOSTILE not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text


def test_page_without_policy(viewer_client, disagreeing):
    job = JobFactory(commcell=disagreeing["commcell"], storage_policy=None)

    text = page(viewer_client, job).content.decode()

    assert "no storage policy" in text
    assert "data-copy=" not in text


def test_page_sends_anonymous_to_login(client, disagreeing):
    response = page(client, disagreeing["job"])

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_page_rejects_user_without_role(no_role_client, disagreeing):
    assert page(no_role_client, disagreeing["job"]).status_code == 403


def api_get(client, job):
    return client.get(reverse("job-retention", args=[job.pk]))


def test_api_lists_copies(viewer_client, disagreeing):
    body = api_get(viewer_client, disagreeing["job"]).json()

    names = [item["copy"]["name"] for item in body["copies"]]
    assert names == ["Primary", "Offsite", "Cloud"]
    primary, offsite, cloud = body["copies"]
    assert primary["primary"] is True
    assert primary["disagrees"] is False
    assert offsite["disagrees"] is True
    assert offsite["difference_days"] == pytest.approx(20.0)
    assert offsite["reported"]["retain_until"] == "2026-04-04T12:00:00Z"
    assert offsite["disagreement_causes"]
    assert cloud["verdict"] is None
    assert cloud["jobs_read_at"] is None
    assert cloud["reported"] is None
    assert "never read" in cloud["missing_reason"]


def test_page_names_copy_selection(viewer_client, disagreeing):
    offsite = disagreeing["offsite"]
    offsite.job_selection = 4
    offsite.save()
    incremental = disagreeing["jobs"][43]

    text = page(viewer_client, incremental).content.decode()

    assert "Not selected by this copy (weekly fulls only)" in text


def test_api_keeps_primary_fields(viewer_client, disagreeing):
    body = api_get(viewer_client, disagreeing["job"]).json()

    assert body["copy_id"] == disagreeing["primary"].pk
    assert body["verdict"]["reason"] == "basic_days"
    assert body["verdict"]["retain_until"] == "2026-03-05T12:00:00Z"
    assert body["reported_retain_until"] == "2026-03-05T12:00:00Z"
    assert body["chain_job_count"] == 60
    assert body["aging_clock"]["source"] == "UTC: no time zone known"


def test_api_rejects_anonymous(client, disagreeing):
    assert api_get(client, disagreeing["job"]).status_code in (401, 403)


def test_api_rejects_user_without_role(no_role_client, disagreeing):
    assert api_get(no_role_client, disagreeing["job"]).status_code == 403


def test_page_dates_follow_dst(viewer_client, at_now):
    setup = build_copies()
    RetentionSettings.objects.create(
        commcell=setup["commcell"],
        time_zone="America/New_York",
        days_only_retention=True,
    )

    text = page(viewer_client, setup["jobs"][54]).content.decode()

    assert "2026-03-11 12:00 UTC-04:00" in text
    assert "offset of America/New_York on that date" in text
    assert "America/New_York time (UTC-0" in text
    assert "follows daylight saving time" in text


def test_page_no_reported_date_not_compared(viewer_client, disagreeing):
    job = disagreeing["job"]
    disagreeing["primary"].jobs_on_copy.filter(job_id=job.job_id).update(
        retain_until=None
    )

    text = page(viewer_client, job).content.decode()

    assert text.count("data-agrees") == 0
    assert (
        "not compared: the CommServe gives no date</span>, while the rules give one"
        in (text)
    )


def test_page_counts_cycles_in_words(viewer_client, disagreeing):
    text = page(viewer_client, disagreeing["job"]).content.decode()

    assert "2 cycles" in text
    assert "1 cycle," in text
    assert "1 cycles" not in text


def test_page_shows_media_size_in_binary_units(viewer_client, disagreeing):
    job = disagreeing["job"]
    job.media_bytes = 797_638_286_288
    job.save(update_fields=["media_bytes"])

    text = page(viewer_client, job).content.decode()

    assert "742.9 GiB" in text
    assert "797638286288" not in text


def test_page_shows_one_day_in_singular(viewer_client, disagreeing):
    rule = disagreeing["primary"].retention_rule
    rule.retention_days = 1
    rule.save(update_fields=["retention_days"])

    text = page(viewer_client, disagreeing["job"]).content.decode()

    assert "1 day," in text
    assert "1 days" not in text
