"""API of measured cadences, the cycle and backup success analyzers, jobs and plans."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from apps.commcell.models import JobOnCopy
from apps.retention import api
from apps.retention.analysis import analyze_cycles
from tests.factories import (
    PlanFactory,
    RetentionRuleFactory,
    StoragePolicyCopyFactory,
)
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
    assert rows[0]["recommendation"].startswith(
        "At the measured full interval of 7.0 days, 2 cycles keep data about 20 days"
    )


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


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"page": "abc"},
            "Invalid page 'abc': the page must be a positive whole number, such as 1.",
        ),
        (
            {"page": "0"},
            "Invalid page '0': the page must be a positive whole number, such as 1.",
        ),
        (
            {"page": "-1"},
            "Invalid page '-1': the page must be a positive whole number, such as 1.",
        ),
        (
            {"page_size": "100000"},
            "Invalid page size '100000': a plan's waiting jobs come in pages of 50",
        ),
        ({"page_size": "abc"}, "Invalid page size 'abc'"),
        (
            {"ordering": "nope"},
            "Invalid ordering 'nope': this list has a fixed order.",
        ),
    ],
)
def test_plan_retention_rejects_bad_query(viewer_client, estate, query, message):
    plan = estate["failing"]

    response = viewer_client.get(reverse("plan-retention", args=[plan.pk]), query)

    (param,) = query
    assert response.status_code == 400
    assert list(response.json()) == [param]
    assert response.json()[param][0].startswith(message)


def test_plan_retention_second_page(viewer_client, estate):
    plan = estate["failing"]

    response = viewer_client.get(
        reverse("plan-retention", args=[plan.pk]), {"page": "2", "page_size": "50"}
    )

    body = response.json()
    assert response.status_code == 200
    assert body["waiting_page"] == 2
    assert body["waiting_total"] == 60
    assert len(body["waiting_jobs"]) == 10


@pytest.mark.parametrize("with_policy", [True, False])
def test_plan_retention_without_waiting_jobs(viewer_client, with_policy):
    plan = PlanFactory() if with_policy else PlanFactory(storage_policy=None)
    url = reverse("plan-retention", args=[plan.pk])

    first = viewer_client.get(url)
    second = viewer_client.get(url, {"page": "2"})

    assert first.status_code == 200
    assert first.json()["waiting_total"] == 0
    assert second.status_code == 404
    assert second.json()["detail"] == "Invalid page 2: That page contains no results."


def test_plan_retention_past_last_page(viewer_client, estate):
    plan = estate["failing"]

    response = viewer_client.get(
        reverse("plan-retention", args=[plan.pk]), {"page": "3"}
    )

    assert response.status_code == 404
    assert response.json()["detail"] == (
        "Invalid page 3: That page contains no results."
    )


@pytest.fixture
def copies_estate(monkeypatch):
    data = build_estate()
    policy = data["weekly"].storage_policy
    offsite = StoragePolicyCopyFactory(
        commcell=data["commcell"],
        storage_policy=policy,
        name="Offsite",
        copy_precedence=2,
    )
    RetentionRuleFactory(copy=offsite, retention_days=90, retention_cycles=1)
    cloud = StoragePolicyCopyFactory(
        commcell=data["commcell"],
        storage_policy=policy,
        name="Cloud",
        copy_precedence=3,
    )
    JobOnCopy.objects.bulk_create(
        JobOnCopy(
            commcell=data["commcell"], copy=offsite, job_id=job.job_id, collected_at=NOW
        )
        for job in data["weekly_jobs"]
        if job.level == "full"
    )
    list(analyze_cycles(data["commcell"], NOW))
    monkeypatch.setattr(api, "timezone", SimpleNamespace(now=lambda: NOW))
    return {**data, "offsite": offsite, "cloud": cloud}


def test_copy_summaries_copy_dimension(viewer_client, copies_estate):
    response = viewer_client.get(reverse("retention-copy-summary-list"))

    rows = {row["copy"]["id"]: row for row in response.json()["results"]}
    offsite = rows[copies_estate["offsite"].pk]
    assert offsite["copy_precedence"] == 2
    assert offsite["job_source"] == "copy_jobs"
    assert offsite["median_full_only_interval_days"] == pytest.approx(7.0)
    assert offsite["median_synthetic_full_interval_days"] is None
    assert offsite["reported_job_count"] == offsite["job_count"]
    assert offsite["disagreeing_job_count"] == 0
    cloud = rows[copies_estate["cloud"].pk]
    assert cloud["job_source"] == "not_collected"
    assert cloud["job_count"] == 0


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"copy_kind": "secondary"}, {"Offsite", "Cloud"}),
        ({"copy_name": "offs"}, {"Offsite"}),
    ],
)
def test_copy_summaries_filter_by_copy(viewer_client, copies_estate, params, names):
    response = viewer_client.get(reverse("retention-copy-summary-list"), params)

    rows = response.json()["results"]
    assert {row["copy"]["name"] for row in rows} == names


def test_copy_summaries_primary_filter(viewer_client, copies_estate):
    response = viewer_client.get(
        reverse("retention-copy-summary-list"), {"copy_kind": "primary"}
    )

    rows = response.json()["results"]
    assert len(rows) == 3
    assert {row["copy_precedence"] for row in rows} == {1}


def test_copy_summaries_invalid_copy_kind(viewer_client, copies_estate):
    response = viewer_client.get(
        reverse("retention-copy-summary-list"), {"copy_kind": "tertiary"}
    )

    assert response.status_code == 400
    assert "copy_kind" in response.json()


def test_chain_cadences_filter_by_copy(viewer_client, copies_estate):
    offsite = copies_estate["offsite"]

    response = viewer_client.get(
        reverse("retention-chain-cadence-list"), {"copy": offsite.pk}
    )

    rows = response.json()["results"]
    assert len(rows) == 1
    assert rows[0]["copy"] == offsite.pk
    assert rows[0]["median_full_only_interval_days"] == pytest.approx(7.0)
    assert rows[0]["reported_job_count"] == rows[0]["job_count"]
