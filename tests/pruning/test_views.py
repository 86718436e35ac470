"""The pruning dashboard and the pool timeline pages: roles, content and JSON."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.pruning.models import PruningThresholds
from tests.factories import (
    CommCellFactory,
    DataAgingRunFactory,
    DDBPartitionFactory,
    DDBStoreFactory,
    LogEventFactory,
    LogFileFactory,
    MediaAgentFactory,
    StoragePoolFactory,
    StoragePoolSnapshotFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def layout():
    commcell = CommCellFactory(name="cell-a")
    pool = StoragePoolFactory(
        commcell=commcell, name="Disk<Pool>", storage_policy_cv_id=9
    )
    store = DDBStoreFactory(
        commcell=commcell,
        name="DDB-A",
        storage_policy_cv_id=9,
        pending_deletes=150_000,
    )
    agent = MediaAgentFactory(commcell=commcell, name="ma-down", online=False)
    DDBPartitionFactory(store=store, media_agent=agent)
    return {"commcell": commcell, "pool": pool, "store": store, "agent": agent}


def dashboard_url(**params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("pruning:dashboard") + (f"?{query}" if query else "")


@pytest.mark.parametrize(
    ("client_name", "status"),
    [("viewer_client", 200), ("admin_role_client", 200), ("no_role_client", 403)],
)
def test_dashboard_roles(request, layout, client_name, status):
    client = request.getfixturevalue(client_name)

    response = client.get(dashboard_url())

    assert response.status_code == status


def test_dashboard_anonymous_redirects(client, layout):
    response = client.get(dashboard_url())

    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_dashboard_shows_blocked_pool(viewer_client, layout):
    response = viewer_client.get(dashboard_url())

    body = response.content.decode()
    assert "MediaAgent ma-down offline: pruning blocked for 1 pool" in body
    assert "DDB-A" in body
    assert "Disk&lt;Pool&gt;" in body
    assert "Disk<Pool>" not in body.split("pruning-summary-data")[0]
    assert 'class="badge sev-critical">critical<' in body


def test_dashboard_one_day_threshold_singular(viewer_client, layout):
    thresholds = PruningThresholds.current()
    thresholds.no_activity_days = 1
    thresholds.save()

    text = viewer_client.get(dashboard_url()).content.decode()

    assert "Activity in 1 day<" in text
    assert "1 days" not in text


def test_dashboard_json(viewer_client, layout):
    response = viewer_client.get(
        dashboard_url(commcell=layout["commcell"].pk, format="json")
    )

    summary = response.json()["summary"]
    assert response.status_code == 200
    assert summary["commcell"]["name"] == "cell-a"
    assert summary["media_agents"]["offline"] == 1
    assert summary["ddb_stores"]["rows"][0]["pending_status"] == "critical"


def test_dashboard_invalid_commcell(viewer_client, layout):
    response = viewer_client.get(dashboard_url(commcell="abc"))

    assert response.status_code == 400
    assert "CommCell &quot;abc&quot;" in response.content.decode()


def test_dashboard_invalid_commcell_json(viewer_client, layout):
    response = viewer_client.get(dashboard_url(commcell=999999, format="json"))

    assert response.status_code == 400
    assert "999999" in response.json()["errors"][0]


def test_dashboard_without_commcell(viewer_client):
    response = viewer_client.get(dashboard_url())

    assert response.status_code == 200
    assert "No CommCell collected yet" in response.content.decode()


def test_dashboard_htmx_fragment(viewer_client, layout):
    response = viewer_client.get(dashboard_url(), headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "pruning-counts" in body


def timeline_url(pool, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    url = reverse("pruning:pool-timeline", args=[pool.pk])
    return url + (f"?{query}" if query else "")


@pytest.mark.parametrize(
    ("client_name", "status"),
    [("viewer_client", 200), ("admin_role_client", 200), ("no_role_client", 403)],
)
def test_timeline_roles(request, layout, client_name, status):
    client = request.getfixturevalue(client_name)

    response = client.get(timeline_url(layout["pool"]))

    assert response.status_code == status


def test_timeline_unknown_pool(viewer_client):
    response = viewer_client.get(reverse("pruning:pool-timeline", args=[999999]))

    assert response.status_code == 404


def test_timeline_json_has_three_series(viewer_client, layout):
    now = timezone.now()
    pool, store = layout["pool"], layout["store"]
    StoragePoolSnapshotFactory(
        pool=pool, collected_at=now - timedelta(days=2), free_space_mb=1000
    )
    StoragePoolSnapshotFactory(
        pool=pool, collected_at=now - timedelta(days=1), free_space_mb=900
    )
    StoragePoolSnapshotFactory(
        pool=pool, collected_at=now - timedelta(days=20), free_space_mb=5
    )
    DataAgingRunFactory(commcell=pool.commcell, start_time=now - timedelta(days=1))
    log_file = LogFileFactory(commcell=pool.commcell)
    LogEventFactory(
        log_file=log_file,
        commcell=pool.commcell,
        ddb_store=store,
        occurred_at=now - timedelta(hours=3),
        category="physical_prune",
    )
    LogEventFactory(
        log_file=log_file,
        commcell=pool.commcell,
        occurred_at=now - timedelta(hours=2),
        category="info",
    )

    response = viewer_client.get(timeline_url(pool, days=7, format="json"))

    data = response.json()
    assert response.status_code == 200
    assert [point["free_space_mb"] for point in data["free_space"]] == [1000, 900]
    assert [event["category"] for event in data["events"]] == ["physical_prune"]
    assert len(data["aging_runs"]) == 1
    assert data["range"]["days"] == 7


def test_timeline_falls_back_to_current_free_space(viewer_client, layout):
    response = viewer_client.get(timeline_url(layout["pool"], format="json"))

    points = response.json()["free_space"]
    assert [point["free_space_mb"] for point in points] == [
        layout["pool"].free_space_mb
    ]


@pytest.mark.parametrize("days", ["5", "abc", "-1"])
def test_timeline_invalid_range(viewer_client, layout, days):
    response = viewer_client.get(timeline_url(layout["pool"], days=days))

    body = response.content.decode()
    assert response.status_code == 400
    assert f"Time range &quot;{days}&quot;" in body


def test_timeline_page_lists_aging_runs(viewer_client, layout):
    run = DataAgingRunFactory(
        commcell=layout["commcell"], start_time=timezone.now() - timedelta(days=1)
    )

    response = viewer_client.get(timeline_url(layout["pool"], days=7))

    assert str(run.job_id) in response.content.decode()
