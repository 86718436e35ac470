"""REST API of DDB snapshots, data aging runs, thresholds, summary and timeline."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from apps.core.models import AuditLog
from apps.pruning.models import PruningThresholds
from tests.factories import (
    CommCellFactory,
    DataAgingRunFactory,
    DDBStoreFactory,
    DDBStoreSnapshotFactory,
    StoragePoolFactory,
)

pytestmark = pytest.mark.django_db

THRESHOLDS_URL = "/api/pruning/thresholds/"


def test_snapshots_list_filtered_by_store(viewer_client):
    store = DDBStoreFactory()
    other = DDBStoreFactory(commcell=store.commcell)
    DDBStoreSnapshotFactory(store=store, pending_deletes=5)
    DDBStoreSnapshotFactory(store=store, pending_deletes=None)
    DDBStoreSnapshotFactory(store=other)

    response = viewer_client.get(f"/api/ddb-store-snapshots/?store={store.pk}")

    rows = response.json()["results"]
    assert response.status_code == 200
    assert [row["pending_deletes"] for row in rows] == [5, None]
    assert rows[0]["store_name"] == store.name


def test_snapshots_time_filter(viewer_client):
    store = DDBStoreFactory()
    DDBStoreSnapshotFactory(store=store, collected_at=datetime(2026, 11, 1, tzinfo=UTC))
    DDBStoreSnapshotFactory(
        store=store, collected_at=datetime(2026, 11, 10, tzinfo=UTC)
    )

    response = viewer_client.get(
        "/api/ddb-store-snapshots/?collected_after=2026-11-05T00:00:00Z"
    )

    assert [row["collected_at"] for row in response.json()["results"]] == [
        "2026-11-10T00:00:00Z"
    ]


def test_snapshots_need_role(no_role_client, client):
    assert no_role_client.get("/api/ddb-store-snapshots/").status_code == 403
    assert client.get("/api/ddb-store-snapshots/").status_code in (401, 403)


def test_aging_runs_newest_first(viewer_client):
    commcell = CommCellFactory()
    old = DataAgingRunFactory(
        commcell=commcell, start_time=datetime(2026, 11, 1, 12, tzinfo=UTC)
    )
    new = DataAgingRunFactory(
        commcell=commcell, start_time=datetime(2026, 11, 2, 12, tzinfo=UTC)
    )

    response = viewer_client.get(f"/api/data-aging-runs/?commcell={commcell.pk}")

    rows = response.json()["results"]
    assert [row["job_id"] for row in rows] == [new.job_id, old.job_id]
    assert rows[0]["jobs_aged"] is None


def test_aging_runs_outcome_filter(viewer_client):
    DataAgingRunFactory(outcome="failed", status="Failed")
    DataAgingRunFactory()

    response = viewer_client.get("/api/data-aging-runs/?outcome=failed")

    assert [row["status"] for row in response.json()["results"]] == ["Failed"]


def test_aging_runs_bad_outcome(viewer_client):
    response = viewer_client.get("/api/data-aging-runs/?outcome=maybe")

    assert response.status_code == 400
    assert "outcome" in response.json()


def test_aging_runs_read_only(admin_role_client):
    response = admin_role_client.post("/api/data-aging-runs/", {})

    assert response.status_code == 405


def test_thresholds_default_for_viewer(viewer_client):
    response = viewer_client.get(THRESHOLDS_URL)

    assert response.status_code == 200
    assert response.json()["pending_deletes_warning"] == 10_000
    assert response.json()["pending_deletes_critical"] == 100_000
    assert response.json()["no_activity_days"] == 7


def put_json(client, url, body, method="put"):
    sender = getattr(client, method)
    return sender(url, data=json.dumps(body), content_type="application/json")


def test_viewer_cannot_change_thresholds(viewer_client):
    response = put_json(viewer_client, THRESHOLDS_URL, {"no_activity_days": 3}, "patch")

    assert response.status_code == 403
    assert PruningThresholds.objects.count() == 0


def test_admin_changes_thresholds_with_audit(admin_role_client):
    response = put_json(
        admin_role_client,
        THRESHOLDS_URL,
        {
            "pending_deletes_warning": 500,
            "pending_deletes_critical": 5000,
            "no_activity_days": 3,
        },
    )

    stored = PruningThresholds.current()
    audit = AuditLog.objects.get(action="pruning.thresholds.update")
    assert response.status_code == 200
    assert stored.pending_deletes_warning == 500
    assert stored.no_activity_days == 3
    assert audit.before["pending_deletes_warning"] == 10_000
    assert audit.after["pending_deletes_warning"] == 500


def test_thresholds_critical_must_exceed_warning(admin_role_client):
    PruningThresholds(pending_deletes_warning=100, pending_deletes_critical=200).save()

    response = put_json(
        admin_role_client, THRESHOLDS_URL, {"pending_deletes_critical": 100}, "patch"
    )

    assert response.status_code == 400
    assert "must be above the warning value" in str(response.json())
    assert PruningThresholds.current().pending_deletes_critical == 200
    assert not AuditLog.objects.filter(action="pruning.thresholds.update").exists()


@pytest.mark.parametrize(
    "body",
    [
        {"no_activity_days": 0},
        {"no_activity_days": "x"},
        {"pending_deletes_warning": -1},
    ],
)
def test_thresholds_reject_invalid_values(admin_role_client, body):
    response = put_json(admin_role_client, THRESHOLDS_URL, body, "patch")

    assert response.status_code == 400
    assert list(body)[0] in response.json()


def test_summary_for_commcell(viewer_client):
    store = DDBStoreFactory(pending_deletes=10_000)

    response = viewer_client.get(f"/api/pruning/summary/?commcell={store.commcell_id}")

    data = response.json()
    assert response.status_code == 200
    assert data["ddb_stores"]["rows"][0]["pending_status"] == "warning"
    assert "success_rates" in data


@pytest.mark.parametrize(("value", "status"), [("", 400), ("x", 400), ("999999", 404)])
def test_summary_bad_commcell(viewer_client, value, status):
    response = viewer_client.get(f"/api/pruning/summary/?commcell={value}")

    assert response.status_code == status


def test_summary_defaults_to_first_commcell(viewer_client):
    CommCellFactory(name="zulu")
    CommCellFactory(name="alpha")

    response = viewer_client.get("/api/pruning/summary/")

    assert response.status_code == 200
    assert response.json()["commcell"]["name"] == "alpha"


def test_summary_without_commcells(viewer_client):
    response = viewer_client.get("/api/pruning/summary/")

    assert response.status_code == 404
    assert "No CommCell exists yet" in response.json()["detail"]


def test_timeline_api(viewer_client):
    pool = StoragePoolFactory()
    DataAgingRunFactory(
        commcell=pool.commcell, start_time=timezone.now() - timedelta(days=2)
    )

    response = viewer_client.get(f"/api/pruning/pools/{pool.pk}/timeline/?days=7")

    data = response.json()
    assert response.status_code == 200
    assert data["pool"]["id"] == pool.pk
    assert len(data["aging_runs"]) == 1


def test_timeline_api_bad_days(viewer_client):
    pool = StoragePoolFactory()

    response = viewer_client.get(f"/api/pruning/pools/{pool.pk}/timeline/?days=8")

    assert response.status_code == 400
    assert "use one of 1, 7, 14, 30, 90" in str(response.json()["days"])
