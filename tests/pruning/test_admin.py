"""Admin pages of the pruning thresholds: admins change them, with an audit row."""

import pytest

from apps.core.models import AuditLog
from apps.pruning.models import PruningThresholds

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/pruning/pruningthresholds/add/"
CHANGE_URL = "/admin/pruning/pruningthresholds/1/change/"


def form(**overrides) -> dict:
    values = {
        "pending_deletes_warning": "20000",
        "pending_deletes_critical": "200000",
        "no_activity_days": "5",
    }
    values.update(overrides)
    return values


def test_admin_saves_thresholds_with_audit(admin_role_client):
    response = admin_role_client.post(ADD_URL, form())

    stored = PruningThresholds.current()
    audit = AuditLog.objects.get(action="pruning.thresholds.update")
    assert response.status_code == 302
    assert stored.pk == 1
    assert stored.pending_deletes_warning == 20_000
    assert stored.no_activity_days == 5
    assert audit.before["no_activity_days"] == 7
    assert audit.after["no_activity_days"] == 5


def test_admin_add_hidden_once_saved(admin_role_client):
    PruningThresholds().save()

    response = admin_role_client.get(ADD_URL)

    assert response.status_code == 403


def test_admin_rejects_critical_below_warning(admin_role_client):
    PruningThresholds().save()

    response = admin_role_client.post(CHANGE_URL, form(pending_deletes_critical="1000"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "must be above the warning value" in body
    assert PruningThresholds.current().pending_deletes_critical == 100_000
    assert not AuditLog.objects.filter(action="pruning.thresholds.update").exists()


def test_admin_rejects_zero_days(admin_role_client):
    response = admin_role_client.post(ADD_URL, form(no_activity_days="0"))

    assert response.status_code == 200
    assert not PruningThresholds.objects.exists()


def test_viewer_cannot_open_thresholds_admin(viewer_client):
    PruningThresholds().save()

    response = viewer_client.get(CHANGE_URL)

    assert response.status_code in (302, 403)
    assert PruningThresholds.current().no_activity_days == 7


def test_admin_invalid_warning_skips_cross_check(admin_role_client):
    PruningThresholds().save()

    response = admin_role_client.post(
        CHANGE_URL,
        form(pending_deletes_warning="many", pending_deletes_critical="5000"),
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "&quot;many&quot; is not a valid whole number" in body
    assert "must be above the warning value" not in body
    assert PruningThresholds.current().pending_deletes_critical == 100_000


def test_admin_rejects_zero_warning(admin_role_client):
    response = admin_role_client.post(ADD_URL, form(pending_deletes_warning="0"))

    assert response.status_code == 200
    assert "greater than or equal to 1" in response.content.decode()
    assert not PruningThresholds.objects.exists()


def test_admin_error_names_typed_value(admin_role_client):
    response = admin_role_client.post(ADD_URL, form(no_activity_days="7.5"))

    errors = response.context["adminform"].form.errors["no_activity_days"]
    assert errors == [
        '"7.5" is not a valid whole number: enter digits only, such as 30.'
    ]
    assert not PruningThresholds.objects.exists()
