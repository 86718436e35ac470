"""Validation shared by the CommCell API, the admin form and add_commcell."""

import json
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory, override_settings
from django.views.debug import ExceptionReporter
from django_celery_beat.models import PeriodicTask
from rest_framework.test import force_authenticate

from apps.commcell.api import CommCellViewSet
from apps.commcell.models import CommCell, base_url_error, ca_bundle_error
from apps.commcell.schedule import periodic_task_name
from tests.factories import CommCellFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/commcells/"
SECRET = "Url-Pa55-never-shown"
DEBUG_SECRET = "debug-page-secret-1234"
USERINFO_URL = f"https://svc:{SECRET}@cs.example.invalid/webconsole/api"


def payload(**overrides: object) -> dict[str, object]:
    values = {
        "name": "cs-new",
        "base_url": "https://127.0.0.1:8443/webconsole/api",
        "auth_type": "password",
        "username": "svc_reader",
        "secret": "api-secret-4711",
        "collection_interval_minutes": 30,
    }
    values.update(overrides)
    return values


def post(client, **overrides: object):
    return client.post(LIST_URL, payload(**overrides), content_type="application/json")


def patch(client, commcell: CommCell, **values: object):
    return client.patch(
        f"{LIST_URL}{commcell.pk}/", values, content_type="application/json"
    )


def test_base_url_error_rejects_userinfo():
    error = base_url_error(USERINFO_URL)

    assert "user name and password in their own fields" in error
    assert SECRET not in error
    assert "https://cs.example.invalid/webconsole/api" in error


def test_base_url_error_rejects_user_only():
    error = base_url_error("https://svc@cs.example.invalid/api")

    assert "user name or password" in error


def test_ca_bundle_error_names_missing_file(tmp_path):
    missing = tmp_path / "missing.pem"

    assert str(missing) in ca_bundle_error(str(missing))


def test_ca_bundle_error_rejects_directory(tmp_path):
    assert "is not a file" in ca_bundle_error(str(tmp_path))


def test_ca_bundle_error_accepts_file(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")

    assert ca_bundle_error(str(bundle)) == ""


def test_api_create_rejects_userinfo(admin_role_client):
    response = post(admin_role_client, base_url=USERINFO_URL)

    assert response.status_code == 400
    assert "own fields" in response.json()["base_url"][0]
    assert SECRET not in response.content.decode()
    assert not CommCell.objects.exists()


def test_api_update_rejects_userinfo(admin_role_client):
    commcell = CommCellFactory()

    response = patch(admin_role_client, commcell, base_url=USERINFO_URL)

    commcell.refresh_from_db()
    assert response.status_code == 400
    assert SECRET not in commcell.base_url


def test_add_commcell_rejects_userinfo(monkeypatch):
    monkeypatch.setenv("CV_TEST_PASSWORD", "env-secret")

    with pytest.raises(CommandError, match="own fields") as raised:
        call_command(
            "add_commcell",
            "cs-cli",
            url=USERINFO_URL,
            username="svc",
            password_env="CV_TEST_PASSWORD",
        )

    assert SECRET not in str(raised.value)
    assert not CommCell.objects.exists()


def test_api_hides_stored_userinfo(viewer_client):
    commcell = CommCellFactory(base_url=USERINFO_URL)

    response = viewer_client.get(f"{LIST_URL}{commcell.pk}/")

    assert response.json()["base_url"] == "https://cs.example.invalid/webconsole/api"
    assert SECRET not in response.content.decode()


def test_api_create_rejects_remote_http(admin_role_client):
    response = post(admin_role_client, base_url="http://cs.example.invalid/api")

    assert response.status_code == 400
    assert "plain http" in response.json()["base_url"][0]


def test_api_update_rejects_remote_http(admin_role_client):
    commcell = CommCellFactory()

    response = patch(admin_role_client, commcell, base_url="http://cs.example.invalid/")

    commcell.refresh_from_db()
    assert response.status_code == 400
    assert commcell.base_url.startswith("https://")


def test_api_create_rejects_missing_ca_bundle(admin_role_client, tmp_path):
    missing = str(tmp_path / "missing.pem")

    response = post(admin_role_client, ca_bundle=missing)

    assert response.status_code == 400
    assert missing in response.json()["ca_bundle"][0]


def test_api_update_rejects_missing_ca_bundle(admin_role_client, tmp_path):
    commcell = CommCellFactory()

    response = patch(admin_role_client, commcell, ca_bundle=str(tmp_path / "x.pem"))

    commcell.refresh_from_db()
    assert response.status_code == 400
    assert commcell.ca_bundle == ""


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("page_size", 0),
        ("page_size", 5001),
        ("timeout_seconds", 0),
        ("timeout_seconds", 4),
        ("timeout_seconds", 3601),
        ("initial_job_days", 0),
        ("initial_job_days", 3651),
        ("job_overlap_hours", 721),
        ("collection_interval_minutes", 10081),
    ],
)
def test_api_create_rejects_out_of_range(admin_role_client, field, value):
    response = post(admin_role_client, **{field: value})

    assert response.status_code == 400
    assert field in response.json()
    assert not CommCell.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("page_size", 1),
        ("page_size", 5000),
        ("timeout_seconds", 5),
        ("timeout_seconds", 3600),
        ("initial_job_days", 3650),
        ("job_overlap_hours", 0),
        ("job_overlap_hours", 720),
        ("collection_interval_minutes", 0),
        ("collection_interval_minutes", 10080),
    ],
)
def test_api_create_accepts_range_limits(admin_role_client, field, value):
    response = post(admin_role_client, **{field: value})

    assert response.status_code == 201


def test_api_update_rejects_zero_page_size(admin_role_client):
    commcell = CommCellFactory(page_size=500)

    response = patch(admin_role_client, commcell, page_size=0)

    commcell.refresh_from_db()
    assert response.status_code == 400
    assert commcell.page_size == 500


def test_api_update_checks_stored_values(admin_role_client):
    commcell = CommCellFactory(auth_type=CommCell.AuthType.TOKEN, username="")

    response = patch(admin_role_client, commcell, auth_type="password")

    assert response.status_code == 400
    assert "username" in response.json()


def test_api_create_schedules_collection(admin_role_client):
    response = post(admin_role_client, collection_interval_minutes=45)

    commcell = CommCell.objects.get(pk=response.json()["id"])
    task = PeriodicTask.objects.get(name=periodic_task_name(commcell))
    assert task.enabled is True
    assert task.interval.every == 45
    assert json.loads(task.kwargs) == {"commcell_id": commcell.pk}


def test_api_update_changes_schedule(admin_role_client):
    commcell = CommCell.objects.get(pk=post(admin_role_client).json()["id"])

    patch(admin_role_client, commcell, collection_interval_minutes=15)

    task = PeriodicTask.objects.get(name=periodic_task_name(commcell))
    assert task.interval.every == 15


def test_api_disable_disables_schedule(admin_role_client):
    commcell = CommCell.objects.get(pk=post(admin_role_client).json()["id"])

    patch(admin_role_client, commcell, enabled=False)

    task = PeriodicTask.objects.get(name=periodic_task_name(commcell))
    assert task.enabled is False


@override_settings(DEBUG=True, ENCRYPTION_KEYS=["not-a-fernet-key"])
def test_api_debug_page_hides_secret(admin_role_user):
    # The secret is a module constant, so this test's own frame contains no copy.
    request = RequestFactory().post(
        LIST_URL, payload(secret=DEBUG_SECRET), content_type="application/json"
    )
    force_authenticate(request, user=admin_role_user)
    view = CommCellViewSet.as_view({"post": "create"})

    try:
        view(request)
    except Exception:
        exc_info = sys.exc_info()

    html = ExceptionReporter(request, *exc_info).get_traceback_html()
    assert exc_info[0] is ImproperlyConfigured
    assert "perform_create" in html
    assert DEBUG_SECRET not in html
