import pytest
from django.test import Client

from apps.commcell.models import SyncRun
from tests.factories import CommCellFactory, SyncRunFactory

pytestmark = pytest.mark.django_db

SECRET = "collect-secret-123"


def collect_url(commcell) -> str:
    return f"/api/commcells/{commcell.pk}/collect/"


def test_collect_queues_run(admin_role_client, admin_role_user):
    commcell = CommCellFactory(secret=SECRET)

    response = admin_role_client.post(collect_url(commcell))

    assert response.status_code == 202
    run = SyncRun.objects.get(commcell=commcell)
    assert response.json()["id"] == run.pk
    assert response.json()["status"] == "queued"
    assert run.trigger == "api"
    assert run.requested_by == admin_role_user


def test_collect_sends_task_after_commit(
    admin_role_client, django_capture_on_commit_callbacks
):
    commcell = CommCellFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        admin_role_client.post(collect_url(commcell))

    assert len(callbacks) == 1


def test_collect_conflict_while_active(admin_role_client):
    commcell = CommCellFactory()
    active = SyncRunFactory(commcell=commcell, status=SyncRun.Status.RUNNING)

    response = admin_role_client.post(collect_url(commcell))

    assert response.status_code == 409
    assert response.json()["active_run"] == active.pk
    assert commcell.name in response.json()["detail"]
    assert SyncRun.objects.filter(commcell=commcell).count() == 1


def test_collect_twice_conflicts(admin_role_client):
    commcell = CommCellFactory()

    first = admin_role_client.post(collect_url(commcell))
    second = admin_role_client.post(collect_url(commcell))

    assert first.status_code == 202
    assert second.status_code == 409


def test_collect_rejects_viewer(viewer_client):
    commcell = CommCellFactory()

    response = viewer_client.post(collect_url(commcell))

    assert response.status_code == 403
    assert not SyncRun.objects.exists()


def test_collect_rejects_anonymous(anonymous_client):
    commcell = CommCellFactory()

    response = anonymous_client.post(collect_url(commcell))

    assert response.status_code == 401
    assert not SyncRun.objects.exists()


def test_collect_get_not_allowed(admin_role_client):
    commcell = CommCellFactory()

    assert admin_role_client.get(collect_url(commcell)).status_code == 405


def test_collect_unknown_commcell(admin_role_client):
    assert admin_role_client.post("/api/commcells/999999/collect/").status_code == 404


def test_collect_response_hides_secret(admin_role_client):
    commcell = CommCellFactory(secret=SECRET)

    response = admin_role_client.post(collect_url(commcell))

    assert SECRET not in response.content.decode()
    assert commcell.secret_encrypted not in response.content.decode()


def test_collect_with_admin_token(client, admin_token):
    commcell = CommCellFactory()

    response = client.post(
        collect_url(commcell), HTTP_AUTHORIZATION=f"Token {admin_token}"
    )

    assert response.status_code == 202


def test_collect_rejects_viewer_token(client, viewer_token):
    commcell = CommCellFactory()

    response = client.post(
        collect_url(commcell), HTTP_AUTHORIZATION=f"Token {viewer_token}"
    )

    assert response.status_code == 403


def test_collect_session_needs_csrf_token(admin_role_user):
    commcell = CommCellFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_role_user)

    response = browser.post(collect_url(commcell))

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
