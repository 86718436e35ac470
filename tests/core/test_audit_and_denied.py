import pytest
from django.urls import reverse

from apps.core import audit
from tests.factories import CommCellFactory

pytestmark = pytest.mark.django_db


def test_audit_admin_lists_rows(admin_role_client, admin_role_user):
    audit.record(actor=admin_role_user, action="commcell.create")

    response = admin_role_client.get(reverse("admin:core_auditlog_changelist"))

    assert response.status_code == 200
    assert "commcell.create" in response.content.decode()


def test_audit_admin_rows_read_only(admin_role_client, admin_role_user):
    entry = audit.record(actor=admin_role_user, action="commcell.create")

    response = admin_role_client.post(
        reverse("admin:core_auditlog_delete", args=[entry.pk]), {"post": "yes"}
    )

    assert response.status_code == 403


def test_forbidden_page_names_viewer_role(viewer_client):
    commcell = CommCellFactory()

    response = viewer_client.post(reverse("commcell:collect-now", args=[commcell.pk]))

    assert response.status_code == 403
    assert "your account has the viewer role" in response.content.decode()


def test_forbidden_page_without_role(no_role_client):
    response = no_role_client.get(reverse("retention:dashboard"))

    assert response.status_code == 403
    assert "Your account has no cvanalytics role" in response.content.decode()
