"""Effective retention, cycle and backup success analyzers, job and plan pages."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse

from apps.commcell.models import JobOnCopy
from apps.core.analysis import run_analysis
from apps.retention import views
from apps.retention.analysis import ANALYZER_NAME, analyze_cycles
from apps.retention.job_retention import job_retention
from apps.retention.models import CopyRetentionSummary, RetentionSettings
from tests.factories import (
    JobFactory,
    RetentionRuleFactory,
    StoragePolicyCopyFactory,
)
from tests.retention.chains import NOW, build_estate
from tests.retention.sql.scenarios import day

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def estate():
    data = build_estate()
    list(analyze_cycles(data["commcell"], NOW))
    return data


@pytest.fixture
def at_now(monkeypatch):
    """Serve the pages as of NOW, because the estate's jobs date from early 2026."""
    monkeypatch.setattr(views, "timezone", SimpleNamespace(now=lambda: NOW))


PAGES = [
    "retention:copy-list",
    "retention:cycle-analyzer",
    "retention:backup-success",
]


@pytest.mark.parametrize("name", PAGES)
def test_page_rejects_user_without_role(no_role_client, name):
    assert no_role_client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_page_sends_anonymous_to_login(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_page_empty_before_analysis(viewer_client, name):
    response = viewer_client.get(reverse(name))

    assert response.status_code == 200
    assert b'id="analyzer-no-match"' in response.content


def test_copy_list_states_delay_sentence(viewer_client, estate):
    response = viewer_client.get(reverse("retention:copy-list"))

    text = response.content.decode()
    kept = CopyRetentionSummary.objects.get(
        copy=estate["weekly_rule"].copy
    ).effective_retention_days
    percent = (kept - 14) * 100 / 14
    assert (
        f"14 days / 2 cycles, fulls every 7.0 days: data kept {kept:.1f} days, "
        f"+{percent:.0f}%"
    ) in text
    assert "30 days / days only, fulls every 7.0 days: data kept 30." in text
    assert (
        "Data aging runs daily at 12:00 UTC (no CommServe time zone is known)." in text
    )
    assert "minutes" not in text


def test_copy_list_names_unknown_cycles(viewer_client, estate):
    rule = estate["clean_rule"]
    rule.cycles_reported = False
    rule.save()

    response = viewer_client.get(reverse("retention:copy-list"))

    assert "not reported (assumed 1)" in response.content.decode()


def test_copy_list_htmx_filter_returns_fragment(viewer_client, estate):
    response = viewer_client.get(
        reverse("retention:copy-list"), {"delayed": "true"}, **HTMX
    )

    text = response.content.decode()
    assert "<html" not in text
    assert "Weekly" in text
    assert "Clean" not in text


def test_copy_list_sorts_by_delay(viewer_client, estate):
    response = viewer_client.get(reverse("retention:copy-list"), {"sort": "delay"})

    text = response.content.decode()
    assert text.index("Weekly") < text.index("Clean")


def test_copy_list_invalid_sort_names_value(viewer_client, estate):
    response = viewer_client.get(reverse("retention:copy-list"), {"sort": "size"})

    text = response.content.decode()
    assert "Sort by &quot;size&quot;" in text
    assert "Weekly" not in text


def test_cycle_analyzer_flags_weekly_plan(viewer_client, estate):
    response = viewer_client.get(reverse("retention:cycle-analyzer"))

    text = response.content.decode()
    assert "2 cycles keep data about 20 days (+43%)" in text
    assert "true 14-day" not in text
    assert text.count("data-flagged") == 1
    assert "8 failed fulls since the last good full on 2026-01-01" in text


def test_cycle_analyzer_plan_filter(viewer_client, estate):
    response = viewer_client.get(
        reverse("retention:cycle-analyzer"), {"plan_name": "clean"}, **HTMX
    )

    text = response.content.decode()
    assert "Clean" in text
    assert "Weekly" not in text
    assert "beta / sub1" not in text


def test_cycle_analyzer_flagged_filter(viewer_client, estate):
    response = viewer_client.get(
        reverse("retention:cycle-analyzer"), {"flagged": "true"}
    )

    rows = response.context["rows"]
    assert [row["summary"].plan.name for row in rows] == ["Weekly"]


@pytest.fixture
def copies(estate):
    policy = estate["weekly"].storage_policy
    offsite = StoragePolicyCopyFactory(
        commcell=estate["commcell"],
        storage_policy=policy,
        name="Offsite",
        copy_precedence=2,
    )
    RetentionRuleFactory(copy=offsite, retention_days=90, retention_cycles=1)
    cloud = StoragePolicyCopyFactory(
        commcell=estate["commcell"],
        storage_policy=policy,
        name="Cloud",
        copy_precedence=3,
    )
    RetentionRuleFactory(copy=cloud, retention_days=30, retention_cycles=1)
    jobs = estate["weekly_jobs"][:3]
    JobOnCopy.objects.bulk_create(
        JobOnCopy(
            commcell=estate["commcell"],
            copy=offsite,
            job_id=job.job_id,
            retain_until=NOW + timedelta(days=300),
            collected_at=NOW,
        )
        for job in jobs
    )
    list(analyze_cycles(estate["commcell"], NOW))
    return {"offsite": offsite, "cloud": cloud}


def test_copy_list_shows_copy_precedence(viewer_client, estate, copies):
    response = viewer_client.get(reverse("retention:copy-list"))

    text = response.content.decode()
    assert "precedence 2" in text
    assert "job list not collected" in text
    assert "Fulls alone / synthetic fulls alone" in text


def test_copy_list_filters_by_copy_kind(viewer_client, estate, copies):
    response = viewer_client.get(
        reverse("retention:copy-list"), {"copy_kind": "secondary"}
    )

    text = response.content.decode()
    assert "/ Offsite" in text
    assert "/ Cloud" in text
    assert "/ Primary" not in text


def test_cycle_analyzer_shows_disagreement(viewer_client, estate, copies):
    response = viewer_client.get(
        reverse("retention:cycle-analyzer"), {"copy_name": "offsite"}
    )

    text = response.content.decode()
    assert "3 of 3 compared CommServe retain-until dates differ" in text
    assert reverse("retention:job-detail", args=[estate["weekly_jobs"][0].pk]) in text


def test_cycle_analyzer_names_settings(viewer_client, estate):
    RetentionSettings.objects.create(
        commcell=estate["commcell"], days_only_retention=True, time_zone="Europe/Berlin"
    )

    response = viewer_client.get(reverse("retention:cycle-analyzer"))

    text = response.content.decode()
    assert "Days-only retention is on: cycles are ignored." in text
    assert "Europe/Berlin time (UTC+0" in text
    assert "follows daylight saving time, set in the retention settings" in text


def test_backup_success_flags_failing_plan(viewer_client, estate):
    response = viewer_client.get(reverse("retention:backup-success"))

    text = response.content.decode()
    assert "Plans where a cycle change would not help" in text
    assert "4 failed fulls keep 1 cycle open" in text
    rows = response.context["rows"]
    failing = next(row for row in rows if row.plan_name == "Failing")
    assert failing.flagged
    assert failing.success_percent == 0.0
    weekly = next(row for row in rows if row.plan_name == "Weekly")
    assert not weekly.flagged


def test_job_detail_dates_job(viewer_client, estate, at_now):
    job = estate["weekly_jobs"][42]

    response = viewer_client.get(reverse("retention:job-detail", args=[job.pk]))

    text = response.content.decode()
    assert response.status_code == 200
    assert 'data-reason="basic_days"' in text
    assert "Basic retention days</td>" in text
    assert ">basic_days<" not in text
    assert "not collected" in text
    assert f'href="{reverse("retention:job-detail", args=[job.pk])}"' in text


def test_job_retention_reason_and_date(estate):
    job = estate["weekly_jobs"][42]

    retention = job_retention(job, NOW)

    assert retention.verdict.reason == "basic_days"
    assert retention.verdict.retain_until == day(64, hour=12)
    assert [cycle.index for cycle in retention.cycles] == [4, 5, 6, 7, 8]
    assert retention.chain_job_count == 60


def test_job_retention_open_cycle_kept(estate):
    job = estate["failing_jobs"][30]

    retention = job_retention(job, NOW)

    assert retention.verdict.reason == "basic_cycles"
    assert retention.verdict.retain_until is None


def test_job_detail_without_rule(viewer_client, estate):
    job = JobFactory(commcell=estate["commcell"], storage_policy=None)

    response = viewer_client.get(reverse("retention:job-detail", args=[job.pk]))

    assert b"no storage policy" in response.content


def test_job_detail_unknown_job(viewer_client):
    response = viewer_client.get(reverse("retention:job-detail", args=[999_999]))

    assert response.status_code == 404


def test_plan_detail_lists_parts(viewer_client, estate, at_now):
    plan = estate["weekly"]
    run_analysis(estate["commcell"], now=NOW, analyzers={ANALYZER_NAME: analyze_cycles})

    response = viewer_client.get(reverse("retention:plan-detail", args=[plan.pk]))

    text = response.content.decode()
    assert response.status_code == 200
    assert "alpha" in text
    assert "Primary" in text
    assert "keeps data 2" in text
    waiting = response.context["waiting"]
    assert waiting.total > 0
    first = waiting.rows[0]["job"]
    assert reverse("retention:job-detail", args=[first.pk]) in text


def test_plan_detail_pages_waiting_jobs(viewer_client, estate, at_now):
    plan = estate["weekly"]

    response = viewer_client.get(
        reverse("retention:plan-detail", args=[plan.pk]), {"page": "99"}
    )

    waiting = response.context["waiting"]
    assert waiting.number == waiting.num_pages
    assert waiting.rows


def test_plan_detail_dates_in_commserve_time(viewer_client, estate, at_now):
    plan = estate["weekly"]
    RetentionSettings.objects.create(
        commcell=plan.commcell, time_zone="America/New_York"
    )

    response = viewer_client.get(reverse("retention:plan-detail", args=[plan.pk]))

    table = response.content.decode().split('id="waiting-jobs"', 1)[1]
    # New York is UTC-05:00 in winter and UTC-04:00 in summer.
    assert "UTC-0" in table
    assert "UTC</td>" not in table
