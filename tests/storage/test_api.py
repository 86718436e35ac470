"""Storage API: snapshots, summary, forecast, predictor and thresholds, by role."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.models import AuditLog
from apps.storage.models import StorageThresholds
from tests.factories import MediaAgentSnapshotFactory

pytestmark = pytest.mark.django_db


def test_pool_snapshots_filter_by_pool_and_time(viewer_client, storage_data):
    pool = storage_data["filling"]
    since = (timezone.now() - timedelta(days=10, hours=1)).isoformat()

    response = viewer_client.get(
        "/api/storage-pool-snapshots/", {"pool": pool.pk, "collected_after": since}
    )

    data = response.json()
    assert response.status_code == 200
    assert data["count"] == 11
    assert data["results"][0]["pool"] == pool.pk
    assert data["results"][-1]["free_percent"] == 5.0


def test_pool_snapshots_reject_bad_time(viewer_client, storage_data):
    response = viewer_client.get(
        "/api/storage-pool-snapshots/", {"collected_after": "yesterday"}
    )

    assert response.status_code == 400
    assert "collected_after" in response.json()


def test_media_agent_snapshots(viewer_client):
    snapshot = MediaAgentSnapshotFactory(online=False, offline_reason="Maintenance")

    data = viewer_client.get(
        "/api/media-agent-snapshots/", {"media_agent": snapshot.media_agent_id}
    ).json()

    assert data["count"] == 1
    assert data["results"][0]["online"] is False
    assert data["results"][0]["offline_reason"] == "Maintenance"


def test_summary_matches_dashboard(viewer_client, storage_data):
    api = viewer_client.get("/api/storage/summary/", {"status": "critical"}).json()
    page = viewer_client.get(
        "/dashboard/storage", {"status": "critical", "format": "json"}
    ).json()

    assert api == page
    assert api["count"] == 1


def test_summary_rejects_bad_status(viewer_client):
    response = viewer_client.get("/api/storage/summary/", {"status": "full"})

    assert response.status_code == 400


def test_forecast(viewer_client, storage_data):
    pool = storage_data["filling"]

    data = viewer_client.get(f"/api/storage-pools/{pool.pk}/forecast/").json()

    assert data["status"] == "filling"
    assert data["rate_gb_per_day"] == pytest.approx(10.0)
    assert data["days_until_full"] == pytest.approx(4.883, abs=0.01)
    assert "Theil–Sen" in data["method"]


def test_forecast_unknown_pool(viewer_client):
    assert viewer_client.get("/api/storage-pools/999999/forecast/").status_code == 404


def test_predictor_get_and_post_agree(viewer_client, storage_data):
    url = f"/api/storage-pools/{storage_data['filling'].pk}/prediction/"

    by_get = viewer_client.get(url, {"rate_gb_per_day": 2.5}).json()
    by_post = viewer_client.post(
        url, {"rate_gb_per_day": 2.5}, content_type="application/json"
    ).json()

    assert by_get["days_until_full"] == pytest.approx(19.5, abs=0.1)
    assert by_get["days_until_full"] == by_post["days_until_full"]
    assert by_get["rate_source"] == "typed"


def test_predictor_measured_rate(viewer_client, storage_data):
    url = f"/api/storage-pools/{storage_data['filling'].pk}/prediction/"

    data = viewer_client.get(url).json()

    assert data["rate_source"] == "measured"
    assert data["rate_gb_per_day"] == pytest.approx(10.0)


def test_predictor_tiny_rate_is_years_away(viewer_client, storage_data):
    url = f"/api/storage-pools/{storage_data['filling'].pk}/prediction/"

    response = viewer_client.get(url, {"rate_gb_per_day": "0.0000001"})

    assert response.status_code == 200
    data = response.json()
    assert data["full_on"] is None
    assert "more than" in data["message"]
    assert "does not fill" not in data["message"]


def test_predictor_rejects_bad_rate(viewer_client, storage_data):
    url = f"/api/storage-pools/{storage_data['filling'].pk}/prediction/"

    response = viewer_client.get(url, {"rate_gb_per_day": "fast"})

    assert response.status_code == 400
    assert "rate_gb_per_day" in response.json()


def test_thresholds_viewer_reads_not_writes(viewer_client):
    assert viewer_client.get("/api/storage/thresholds/").json()["critical_below"] == 10

    response = viewer_client.patch(
        "/api/storage/thresholds/",
        {"critical_below": 5},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert StorageThresholds.load().critical_below == 10


def test_thresholds_admin_writes_with_audit(admin_role_client):
    response = admin_role_client.patch(
        "/api/storage/thresholds/",
        {"critical_below": 5, "warning_below": 12},
        content_type="application/json",
    )

    assert response.status_code == 200
    thresholds = StorageThresholds.load()
    assert thresholds.critical_below == 5
    assert thresholds.warning_below == 12
    entry = AuditLog.objects.get(action="storage.thresholds.update")
    assert entry.before["critical_below"] == 10
    assert entry.after["critical_below"] == 5


def test_thresholds_must_increase(admin_role_client):
    response = admin_role_client.patch(
        "/api/storage/thresholds/",
        {"warning_below": 35},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "larger than the warning threshold 35" in response.json()["low_below"][0]
    assert StorageThresholds.load().warning_below == 20


def test_no_role_cannot_read(no_role_client):
    assert no_role_client.get("/api/storage/summary/").status_code == 403
    assert no_role_client.get("/api/storage-pool-snapshots/").status_code == 403
