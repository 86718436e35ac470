import json

import pytest
from rest_framework.test import APIRequestFactory

from apps.commcell.api import CommCellSerializer
from apps.commcell.models import CommCell, SyncRun
from apps.core.models import AuditLog
from tests.api.helpers import HOSTILE_NAME
from tests.factories import CommCellFactory, SyncRunFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/commcells/"
SECRET = "Pa$$w0rd-do-not-show"
NEW_SECRET = "rotated-token-4711"


def detail_url(commcell: CommCell) -> str:
    return f"{LIST_URL}{commcell.pk}/"


def new_commcell_payload(**overrides: object) -> dict[str, object]:
    payload = {
        "name": "cs-new",
        "base_url": "https://127.0.0.1:8443/webconsole/api",
        "auth_type": "password",
        "username": "svc_reader",
        "secret": SECRET,
        "collection_interval_minutes": 30,
    }
    payload.update(overrides)
    return payload


def assert_no_secret(response, commcell: CommCell) -> None:
    commcell.refresh_from_db()
    body = response.content.decode()
    assert SECRET not in body
    assert NEW_SECRET not in body
    assert "secret_encrypted" not in body
    assert commcell.secret_encrypted not in body


def test_commcell_list_fields(viewer_client):
    commcell = CommCellFactory(name="cs01", secret=SECRET)

    row = viewer_client.get(LIST_URL).json()["results"][0]

    assert row["name"] == "cs01"
    assert row["has_secret"] is True
    assert row["collection_interval_minutes"] == commcell.collection_interval_minutes
    assert row["last_run"] is None
    assert "secret" not in row


def test_commcell_list_last_run(viewer_client):
    commcell = CommCellFactory()
    SyncRunFactory(commcell=commcell, status=SyncRun.Status.FAILED)
    newest = SyncRunFactory(commcell=commcell, status=SyncRun.Status.SUCCEEDED)

    row = viewer_client.get(LIST_URL).json()["results"][0]

    assert row["last_run"]["id"] == newest.pk
    assert row["last_run"]["status"] == "succeeded"


def test_commcell_list_filters_by_enabled(viewer_client):
    CommCellFactory(name="on")
    CommCellFactory(name="off", enabled=False)

    rows = viewer_client.get(LIST_URL, {"enabled": "false"}).json()["results"]

    assert [row["name"] for row in rows] == ["off"]


def test_commcell_list_paginates(viewer_client):
    for number in range(3):
        CommCellFactory(name=f"cs{number}")

    payload = viewer_client.get(LIST_URL, {"page_size": 2}).json()

    assert payload["count"] == 3
    assert len(payload["results"]) == 2
    assert payload["next"] is not None


def test_commcell_list_query_count(viewer_client, django_assert_max_num_queries):
    for number in range(15):
        commcell = CommCellFactory(name=f"cs{number:02d}")
        SyncRunFactory(commcell=commcell)

    with django_assert_max_num_queries(6):
        response = viewer_client.get(LIST_URL)

    assert len(response.json()["results"]) == 15


def test_commcell_hostile_name_is_plain_json(viewer_client):
    commcell = CommCellFactory(name=HOSTILE_NAME)

    response = viewer_client.get(detail_url(commcell))

    assert response["Content-Type"] == "application/json"
    assert response.json()["name"] == HOSTILE_NAME


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_commcell_write_rejected_for_viewer(viewer_client, method):
    commcell = CommCellFactory()
    url = LIST_URL if method == "post" else detail_url(commcell)

    response = getattr(viewer_client, method)(
        url, new_commcell_payload(), content_type="application/json"
    )

    assert response.status_code == 403
    assert CommCell.objects.count() == 1


def test_commcell_list_rejects_no_role(no_role_client):
    assert no_role_client.get(LIST_URL).status_code == 403


def test_commcell_list_rejects_anonymous(anonymous_client):
    assert anonymous_client.get(LIST_URL).status_code == 401


def test_commcell_delete_not_offered(admin_role_client):
    commcell = CommCellFactory()

    response = admin_role_client.delete(detail_url(commcell))

    assert response.status_code == 405
    assert CommCell.objects.filter(pk=commcell.pk).exists()


def test_commcell_create_by_admin(admin_role_client):
    response = admin_role_client.post(
        LIST_URL, new_commcell_payload(), content_type="application/json"
    )

    assert response.status_code == 201
    commcell = CommCell.objects.get(name="cs-new")
    assert commcell.secret == SECRET
    assert response.json()["has_secret"] is True
    assert_no_secret(response, commcell)


def test_commcell_create_audited_without_secret(admin_role_client, admin_role_user):
    admin_role_client.post(
        LIST_URL, new_commcell_payload(), content_type="application/json"
    )

    commcell = CommCell.objects.get(name="cs-new")
    entry = AuditLog.objects.get(action="commcell.create")
    stored = json.dumps([entry.before, entry.after])
    assert entry.actor == admin_role_user
    assert entry.object_id == str(commcell.pk)
    assert entry.after["secret_changed"] is True
    assert entry.after["base_url"] == "https://127.0.0.1:8443/webconsole/api"
    assert SECRET not in stored
    assert commcell.secret_encrypted not in stored
    assert entry.request_id != ""


def test_commcell_update_secret_audited(admin_role_client):
    commcell = CommCellFactory(secret=SECRET)

    response = admin_role_client.patch(
        detail_url(commcell), {"secret": NEW_SECRET}, content_type="application/json"
    )

    assert response.status_code == 200
    commcell.refresh_from_db()
    assert commcell.secret == NEW_SECRET
    entry = AuditLog.objects.get(action="commcell.update")
    stored = json.dumps([entry.before, entry.after])
    assert entry.after["secret_changed"] is True
    assert NEW_SECRET not in stored
    assert SECRET not in stored
    assert commcell.secret_encrypted not in stored
    assert_no_secret(response, commcell)


def test_commcell_update_keeps_secret(admin_role_client):
    commcell = CommCellFactory(secret=SECRET)

    response = admin_role_client.patch(
        detail_url(commcell),
        {"collection_interval_minutes": 15, "enabled": False},
        content_type="application/json",
    )

    assert response.status_code == 200
    commcell.refresh_from_db()
    assert commcell.secret == SECRET
    assert commcell.collection_interval_minutes == 15
    entry = AuditLog.objects.get(action="commcell.update")
    assert entry.before["collection_interval_minutes"] == 60
    assert entry.after["collection_interval_minutes"] == 15
    assert entry.after["secret_changed"] is False


def test_commcell_full_update_by_admin(admin_role_client):
    commcell = CommCellFactory(secret=SECRET)

    response = admin_role_client.put(
        detail_url(commcell),
        new_commcell_payload(name="renamed", secret=NEW_SECRET),
        content_type="application/json",
    )

    assert response.status_code == 200
    commcell.refresh_from_db()
    assert commcell.name == "renamed"
    assert_no_secret(response, commcell)


def test_commcell_create_requires_secret(admin_role_client):
    payload = new_commcell_payload()
    del payload["secret"]

    response = admin_role_client.post(
        LIST_URL, payload, content_type="application/json"
    )

    assert response.status_code == 400
    assert "secret" in response.json()
    assert not CommCell.objects.exists()


def test_commcell_update_rejects_empty_secret(admin_role_client):
    commcell = CommCellFactory(secret=SECRET)

    response = admin_role_client.patch(
        detail_url(commcell), {"secret": ""}, content_type="application/json"
    )

    assert response.status_code == 400
    commcell.refresh_from_db()
    assert commcell.secret == SECRET
    assert_no_secret(response, commcell)


def test_commcell_create_rejects_bad_url(admin_role_client):
    payload = new_commcell_payload(base_url="ftp://cs.example.invalid/api")

    response = admin_role_client.post(
        LIST_URL, payload, content_type="application/json"
    )

    assert response.status_code == 400
    assert "ftp://cs.example.invalid/api" in response.json()["base_url"][0]
    assert SECRET not in response.content.decode()


def test_commcell_create_requires_username(admin_role_client):
    payload = new_commcell_payload(username="")

    response = admin_role_client.post(
        LIST_URL, payload, content_type="application/json"
    )

    assert response.status_code == 400
    assert "username" in response.json()


def test_commcell_create_rejects_duplicate_name(admin_role_client):
    CommCellFactory(name="cs-new")

    response = admin_role_client.post(
        LIST_URL, new_commcell_payload(), content_type="application/json"
    )

    assert response.status_code == 400
    assert "already exists" in response.json()["name"][0]
    assert CommCell.objects.count() == 1


def test_commcell_create_keeps_hostile_name(admin_role_client):
    response = admin_role_client.post(
        LIST_URL,
        new_commcell_payload(name=HOSTILE_NAME),
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["name"] == HOSTILE_NAME
    assert CommCell.objects.get().name == HOSTILE_NAME


def test_commcell_ignores_read_only_fields(admin_role_client):
    commcell = CommCellFactory(secret=SECRET)
    ciphertext = commcell.secret_encrypted

    admin_role_client.patch(
        detail_url(commcell),
        {"secret_encrypted": "forged", "commserve_version": "99"},
        content_type="application/json",
    )

    commcell.refresh_from_db()
    assert commcell.secret_encrypted == ciphertext
    assert commcell.commserve_version == ""


def test_commcell_responses_never_hold_secret(viewer_client, admin_role_client):
    commcell = CommCellFactory(secret=SECRET)
    responses = [
        viewer_client.get(LIST_URL),
        viewer_client.get(detail_url(commcell)),
        admin_role_client.get(LIST_URL),
        admin_role_client.get(detail_url(commcell), {"format": "json"}),
        admin_role_client.options(LIST_URL),
        admin_role_client.options(detail_url(commcell)),
        admin_role_client.get(detail_url(commcell), HTTP_ACCEPT="text/html"),
        admin_role_client.get(LIST_URL, HTTP_ACCEPT="text/html"),
    ]

    for response in responses:
        assert_no_secret(response, commcell)


def test_commcell_browsable_api_escapes_name(admin_role_client):
    commcell = CommCellFactory(name=HOSTILE_NAME)

    response = admin_role_client.get(detail_url(commcell), HTTP_ACCEPT="text/html")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_commcell_update_keeps_collected_fields(admin_role_user):
    commcell = CommCellFactory(secret=SECRET)
    loaded = CommCell.objects.get(pk=commcell.pk)
    # A collection finishes between loading the CommCell and saving the change.
    CommCell.objects.filter(pk=commcell.pk).update(commserve_version="11.40.12")
    request = APIRequestFactory().patch(detail_url(commcell))
    request.user = admin_role_user
    serializer = CommCellSerializer(
        loaded, data={"enabled": False}, partial=True, context={"request": request}
    )

    assert serializer.is_valid(), serializer.errors
    serializer.save()

    commcell.refresh_from_db()
    assert commcell.commserve_version == "11.40.12"
    assert commcell.enabled is False
