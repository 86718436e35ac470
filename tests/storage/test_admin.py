"""Storage settings in the admin: one row each, validated, audited."""

import pytest

from apps.core.models import AuditLog
from apps.storage.models import SnapshotRetention, StorageThresholds

pytestmark = pytest.mark.django_db

RETENTION_URL = "/admin/storage/snapshotretention/1/change/"
THRESHOLDS_URL = "/admin/storage/storagethresholds/1/change/"


def test_retention_rejects_keep_all_not_below_keep(admin_role_client):
    response = admin_role_client.post(
        RETENTION_URL, {"keep_all_days": 400, "keep_days": 300}
    )

    assert response.status_code == 200
    assert "Must be larger than the 400 days" in response.content.decode()
    assert SnapshotRetention.load().keep_all_days == 30


def test_retention_change_is_audited(admin_role_client):
    response = admin_role_client.post(
        RETENTION_URL, {"keep_all_days": 14, "keep_days": 365}
    )

    assert response.status_code == 302
    assert SnapshotRetention.load().keep_days == 365
    entry = AuditLog.objects.get(action="storage.snapshot_retention.update")
    assert entry.before["keep_days"] == 730
    assert entry.after["keep_days"] == 365


def test_thresholds_reject_unordered(admin_role_client):
    response = admin_role_client.post(
        THRESHOLDS_URL,
        {
            "critical_below": 25,
            "warning_below": 20,
            "low_below": 30,
            "full_soon_days": 30,
        },
    )

    assert response.status_code == 200
    assert "must be larger than the critical threshold 25" in response.content.decode()
    assert StorageThresholds.load().critical_below == 10


def test_settings_cannot_be_added_or_deleted(admin_role_client):
    assert (
        admin_role_client.get("/admin/storage/storagethresholds/add/").status_code
        == 403
    )
    delete = admin_role_client.get("/admin/storage/snapshotretention/1/delete/")
    assert delete.status_code == 403


def test_viewer_cannot_open_settings(viewer_client):
    response = viewer_client.get(THRESHOLDS_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_retention_rejects_days_past_limit(admin_role_client):
    response = admin_role_client.post(
        RETENTION_URL, {"keep_all_days": 30, "keep_days": 100_000}
    )

    assert response.status_code == 200
    assert "less than or equal to 36500" in response.content.decode()
    assert SnapshotRetention.load().keep_days == 730


def test_thresholds_invalid_number_names_value(admin_role_client):
    response = admin_role_client.post(
        THRESHOLDS_URL,
        {
            "critical_below": "ten",
            "warning_below": 20,
            "low_below": 30,
            "full_soon_days": "3.5",
        },
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "&quot;ten&quot; is not a valid number: enter digits" in text
    assert "&quot;3.5&quot; is not a valid whole number: enter digits only" in text


def test_retention_limit_error_names_value(admin_role_client):
    response = admin_role_client.post(
        RETENTION_URL, {"keep_all_days": -1, "keep_days": 300}
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "&quot;-1&quot;: Ensure this value is greater than or equal to 0." in text
