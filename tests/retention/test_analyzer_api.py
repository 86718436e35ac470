"""API of measured cadences, the cycle and backup success analyzers, jobs and plans."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from apps.retention import api
from apps.retention.analysis import analyze_cycles
from tests.retention.chains import NOW, build_estate
from tests.retention.sql.scenarios import day

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate(monkeypatch):
    data = build_estate()
    list(analyze_cycles(data["commcell"], NOW))
    monkeypatch.setattr(api, "timezone", SimpleNamespace(now=lambda: NOW))
    return data


LIST_URLS = [
    "retention-copy-summary-list",
    "retention-chain-cadence-list",
    "retention-cycle-analyzer",
    "retention-backup-success",
]


@pytest.mark.parametrize("name", LIST_URLS)
def test_list_rejects_user_without_role(no_role_client, name):
    assert no_role_client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", LIST_URLS)
def test_list_rejects_anonymous(client, name):
    assert client.get(reverse(name)).status_code in (401, 403)


def test_copy_summaries_list_delay(viewer_client, estate):
    response = viewer_client.get(reverse("retention-copy-summary-list"))

    rows = response.json()["results"]
    weekly = next(row for row in rows if row["plan"]["name"] == "Weekly")
    assert weekly["retention_days"] == 14
    assert weekly["median_full_interval_days"] == pytest.approx(7.0)
    assert weekly["delay_percent"] > 30
    assert rows[0]["plan"]["name"] == "Weekly"


def test_chain_cadences_filter_open(viewer_client, estate):
    response = viewer_client.get(
        reverse("retention-chain-cadence-list"), {"open_cycle_flagged": "true"}
    )

    rows = response.json()["results"]
    assert [row["client_name"] for row in rows] == ["beta"]
    assert rows[0]["failed_fulls_since_last_full"] == 8


def test_cycle_analyzer_rows(viewer_client, estate):
    response = viewer_client.get(
        reverse("retention-cycle-analyzer"), {"flagged": "true"}
    )

    rows = response.json()["results"]
    assert len(rows) == 1
    assert rows[0]["flagged"] is True
    assert rows[0]["recommendation"].startswith("Reduce to 1 cycle")


def test_cycle_analyzer_invalid_commcell(viewer_client, estate):
    response = viewer_client.get(reverse("retention-cycle-analyzer"), {"commcell": "x"})

    assert response.status_code == 400
    assert "commcell" in response.json()


def test_backup_success_rows(viewer_client, estate):
    response = viewer_client.get(
        reverse("retention-backup-success"), {"flagged": "true"}
    )

    rows = response.json()["results"]
    assert [(row["plan_name"], row["client_name"]) for row in rows] == [
        ("Failing", "beta")
    ]
    assert rows[0]["failed"] == 4
    assert rows[0]["blocked_cycles"][0]["failed_fulls_since_last_full"] == 8


@pytest.mark.parametrize("value", ["0", "99999999999999999999"])
def test_backup_success_invalid_commcell(viewer_client, estate, value):
    response = viewer_client.get(
        reverse("retention-backup-success"), {"commcell": value}
    )

    assert response.status_code == 400
    assert "commcell" in response.json()


def test_job_retention(viewer_client, estate):
    job = estate["weekly_jobs"][42]

    response = viewer_client.get(reverse("job-retention", args=[job.pk]))

    body = response.json()
    assert body["verdict"]["reason"] == "basic_days"
    assert body["verdict"]["retain_until"].startswith(
        day(64, hour=12).strftime("%Y-%m-%dT%H:%M")
    )
    assert body["reported_retain_until"] is None
    assert body["chain_job_count"] == 60


def test_job_retention_unknown_job(viewer_client, estate):
    response = viewer_client.get(reverse("job-retention", args=[999_999]))

    assert response.status_code == 404


def test_plan_retention(viewer_client, estate):
    plan = estate["failing"]

    response = viewer_client.get(reverse("plan-retention", args=[plan.pk]))

    body = response.json()
    assert body["plan"]["name"] == "Failing"
    assert [row["client_name"] for row in body["clients"]] == ["beta"]
    assert body["copies"][0]["retention_days"] == 7
    assert body["waiting_total"] == 60
    assert len(body["waiting_jobs"]) == 50


def test_plan_retention_rejects_bad_page(viewer_client, estate):
    plan = estate["failing"]

    response = viewer_client.get(
        reverse("plan-retention", args=[plan.pk]), {"page": "0"}
    )

    assert response.status_code == 400
    assert "page" in response.json()
