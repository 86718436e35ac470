"""The storage dashboard, a pool's page and the predictor, for each role."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.storage.models import StorageThresholds
from tests.factories import StoragePoolSnapshotFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/dashboard/storage"


def test_url_names():
    assert reverse("storage:dashboard") == DASHBOARD
    assert reverse("storage:pool-detail", args=[7]) == "/storage/pools/7/"
    assert reverse("storage:predictor") == "/tools/storage-predictor"


@pytest.mark.parametrize(
    "path", [DASHBOARD, "/tools/storage-predictor", "/storage/pools/1/"]
)
def test_pages_need_a_role(client, no_role_client, path):
    assert client.get(path).status_code == 302
    assert no_role_client.get(path).status_code == 403


def test_dashboard_shows_counts_and_actions(viewer_client, storage_data):
    response = viewer_client.get(DASHBOARD)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-status="critical">1<' in body
    assert 'data-status="not_reported">1<' in body
    assert "1 pool critically low: manual pruning recommended" in body
    assert "Pool FillingPool at 5.00% free: act now" in body
    assert 'id="storage-summary-data"' in body
    assert "Pool FillingPool full in about 5 days" in body
    assert "at 10.0 GiB/day: prune or add capacity" in body
    assert "Theil–Sen" in body


def test_dashboard_empty_state(viewer_client):
    response = viewer_client.get(DASHBOARD)

    assert b'id="storage-empty"' in response.content


def test_dashboard_json(viewer_client, storage_data):
    data = viewer_client.get(DASHBOARD, {"format": "json"}).json()

    assert data["count"] == 3
    assert data["fullest"][0]["name"] == "FillingPool"
    assert data["fullest"][0]["rate_gb_per_day"] == pytest.approx(10.0)
    assert data["fullest"][0]["days_until_full"] == pytest.approx(4.9)
    assert data["fullest"][1]["forecast_status"] == "too_few_points"
    assert data["totals"]["pools_reporting"] == 2


def test_dashboard_filters_by_status_for_htmx(viewer_client, storage_data):
    response = viewer_client.get(
        DASHBOARD, {"status": ["critical", "ok"]}, HTTP_HX_REQUEST="true"
    )

    body = response.content.decode()
    assert "<html" not in body
    assert "FillingPool" in body
    assert "RoomyPool" in body
    assert "CloudPool" not in body


def test_dashboard_filters_by_commcell_and_type(viewer_client, storage_data):
    commcell = storage_data["filling"].commcell
    data = viewer_client.get(
        DASHBOARD, {"format": "json", "commcell": commcell.pk, "storage_type": 2}
    ).json()

    assert [pool["name"] for pool in data["pools"]] == ["CloudPool"]


def test_dashboard_status_follows_thresholds(viewer_client, storage_data):
    StorageThresholds.objects.filter(pk=1).update(
        critical_below=4, warning_below=6, low_below=8
    )

    data = viewer_client.get(DASHBOARD, {"format": "json", "status": "warning"}).json()

    assert [pool["name"] for pool in data["pools"]] == ["FillingPool"]


def test_dashboard_rejects_bad_status(viewer_client, storage_data):
    response = viewer_client.get(DASHBOARD, {"format": "json", "status": "bogus"})

    assert response.status_code == 400
    assert 'Status "bogus"' in response.json()["errors"][0]


def test_dashboard_bad_filter_shows_error(viewer_client, storage_data):
    response = viewer_client.get(DASHBOARD, {"commcell": "abc"})

    assert response.status_code == 200
    assert b'id="storage-filter-errors"' in response.content


def test_sizes_use_binary_units(viewer_client, storage_data):
    pool = storage_data["filling"]

    dashboard = viewer_client.get(DASHBOARD).content.decode()
    detail = viewer_client.get(f"/storage/pools/{pool.pk}/").content.decode()

    assert "976.6 GiB" in dashboard
    assert "976.6 GiB" in detail
    assert " GB<" not in dashboard
    assert " TB<" not in dashboard
    assert " GB<" not in detail


def test_pool_page_shows_forecast(viewer_client, storage_data):
    pool = storage_data["filling"]

    response = viewer_client.get(f"/storage/pools/{pool.pk}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="pool-fill-rate">10.00 GiB/day' in body
    assert "Theil–Sen" in body
    assert "Gold" in body
    assert "Elsewhere" not in body


def test_pool_page_unknown_pool(viewer_client):
    assert viewer_client.get("/storage/pools/999999/").status_code == 404


def test_pool_history_json(viewer_client, storage_data):
    pool = storage_data["filling"]
    StoragePoolSnapshotFactory(
        pool=pool,
        collected_at=timezone.now() - timedelta(days=3, hours=5),
        total_capacity_mb=-1,
        free_space_mb=-1,
        capacity_reported=False,
    )

    data = viewer_client.get(f"/storage/pools/{pool.pk}/", {"format": "json"}).json()

    history = data["history"]
    assert history["bucket"] == "day"
    assert len(history["points"]) == 30
    assert history["points"][-1]["free_min_gb"] == pytest.approx(48.83, 0.01)
    assert history["points"][-1]["free_percent"] == 5.0
    assert history["not_reported"] == 1


def test_pool_history_json_hourly_when_short(viewer_client):
    pool = StoragePoolSnapshotFactory().pool
    StoragePoolSnapshotFactory(
        pool=pool, collected_at=datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    )

    data = viewer_client.get(f"/storage/pools/{pool.pk}/", {"format": "json"}).json()

    assert data["history"]["bucket"] == "hour"
    assert [point["time"] for point in data["history"]["points"]] == [
        "2026-11-01T02:00Z",
        "2026-11-01T05:00Z",
    ]


def test_pool_history_json_rejects_bad_days(viewer_client, storage_data):
    pool = storage_data["filling"]

    response = viewer_client.get(
        f"/storage/pools/{pool.pk}/", {"format": "json", "days": "x"}
    )

    assert response.status_code == 400
    assert 'days "x" is invalid' in response.json()["errors"][0]


def test_predictor_uses_measured_rate(viewer_client, storage_data):
    pool = storage_data["filling"]

    response = viewer_client.get("/tools/storage-predictor", {"pool": pool.pk})

    body = response.content.decode()
    assert "The projection uses the measured rate." in body
    assert "At 10.00 GiB/day the pool is full in about 5 days" in body
    assert "Gold" in body


def test_predictor_typed_rate_json(viewer_client, storage_data):
    pool = storage_data["filling"]

    data = viewer_client.get(
        "/tools/storage-predictor",
        {"pool": pool.pk, "rate_gb_per_day": "50000", "format": "json"},
    ).json()

    assert data["rate_source"] == "typed"
    assert data["days_until_full"] == pytest.approx(0.0, abs=0.01)


def test_predictor_tiny_rate_page(viewer_client, storage_data):
    pool = storage_data["filling"]

    response = viewer_client.get(
        "/tools/storage-predictor", {"pool": pool.pk, "rate_gb_per_day": "0.0000001"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "At 1e-07 GiB/day the pool fills in more than" in body
    assert "does not fill" not in body


def test_predictor_rejects_negative_rate(viewer_client, storage_data):
    pool = storage_data["filling"]

    response = viewer_client.get(
        "/tools/storage-predictor", {"pool": pool.pk, "rate_gb_per_day": "-3"}
    )

    assert b'id="predictor-errors"' in response.content
    assert b'Fill rate (GiB/day) "-3": Ensure' in response.content


def test_predictor_cloud_pool_has_no_projection(viewer_client, storage_data):
    pool = storage_data["cloud"]

    data = viewer_client.get(
        "/tools/storage-predictor", {"pool": pool.pk, "format": "json"}
    ).json()

    assert data["projection"] == []
    assert data["message"] == "The pool does not report its capacity."


def test_predictor_json_needs_pool(viewer_client):
    response = viewer_client.get("/tools/storage-predictor", {"format": "json"})

    assert response.status_code == 400
    assert response.json()["errors"] == [
        "Storage pool is missing: add pool=<id> to the query."
    ]
