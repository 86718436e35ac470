import json
import sys

import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.views.debug import ExceptionReporter
from django_celery_beat.models import PeriodicTask

from apps.commcell.models import CommCell, SyncRun
from apps.commcell.schedule import SCHEDULED_TASK, periodic_task_name
from apps.core.models import AuditLog
from tests.factories import (
    ClientFactory,
    CommCellFactory,
    DDBStoreFactory,
    JobFactory,
    MediaAgentFactory,
    PlanFactory,
    StoragePolicyCopyFactory,
    StoragePoolFactory,
    SyncRunFactory,
)

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:commcell_commcell_add")
SECRET = "Pa55-word-never-shown"
URL_PASSWORD = "url-pa55-never-shown"
# Module constants, so the test's own frame in an error report contains no copy.
DEBUG_SECRET = "debug-page-pa55-never-shown"


def change_url(commcell: CommCell) -> str:
    return reverse("admin:commcell_commcell_change", args=[commcell.pk])


def form_data(**overrides) -> dict:
    data = {
        "name": "cs-prod",
        "base_url": "https://cs-prod.example.invalid/webconsole/api",
        "auth_type": "password",
        "username": "svc_cvanalytics",
        "secret": SECRET,
        "verify_tls": "on",
        "ca_bundle": "",
        "timeout_seconds": "60",
        "page_size": "1000",
        "initial_job_days": "90",
        "job_overlap_hours": "48",
        "collection_interval_minutes": "30",
        "copy_jobs_interval_hours": "24",
        "enabled": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_admin_create_encrypts_secret(admin_role_client):
    response = admin_role_client.post(ADD_URL, form_data())

    commcell = CommCell.objects.get(name="cs-prod")
    assert response.status_code == 302
    assert commcell.secret == SECRET
    assert SECRET not in commcell.secret_encrypted


def test_admin_create_requires_secret(admin_role_client):
    response = admin_role_client.post(ADD_URL, form_data(secret=""))

    assert response.status_code == 200
    assert "Enter the password or token" in response.content.decode()
    assert not CommCell.objects.exists()


def test_admin_change_page_never_shows_secret(admin_role_client):
    commcell = CommCellFactory(secret=SECRET)

    response = admin_role_client.get(change_url(commcell))

    content = response.content.decode()
    assert response.status_code == 200
    assert SECRET not in content
    assert commcell.secret_encrypted not in content
    assert 'name="secret"' in content
    assert 'type="password"' in content


def test_admin_blank_secret_keeps_stored(admin_role_client):
    commcell = CommCellFactory(name="cs-prod", secret=SECRET)

    admin_role_client.post(change_url(commcell), form_data(secret=""))

    commcell.refresh_from_db()
    assert commcell.secret == SECRET


def test_admin_new_secret_replaces_stored(admin_role_client):
    commcell = CommCellFactory(name="cs-prod", secret=SECRET)

    admin_role_client.post(change_url(commcell), form_data(secret="new-one"))

    commcell.refresh_from_db()
    assert commcell.secret == "new-one"


def test_admin_clear_removes_secret(admin_role_client):
    commcell = CommCellFactory(name="cs-prod", secret=SECRET)

    admin_role_client.post(
        change_url(commcell), form_data(secret="", clear_secret="on")
    )

    commcell.refresh_from_db()
    assert commcell.has_secret is False


def test_admin_clear_and_new_secret_rejected(admin_role_client):
    commcell = CommCellFactory(name="cs-prod", secret=SECRET)

    response = admin_role_client.post(
        change_url(commcell), form_data(secret="other", clear_secret="on")
    )

    commcell.refresh_from_db()
    assert response.status_code == 200
    assert commcell.secret == SECRET


def test_admin_rejects_plain_http_remote(admin_role_client):
    response = admin_role_client.post(
        ADD_URL, form_data(base_url="http://cs-prod.example.invalid/webconsole/api")
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "plain http" in content
    assert "https://cs-prod.example.invalid/webconsole/api" in content
    assert not CommCell.objects.exists()


def test_admin_accepts_plain_http_loopback(admin_role_client):
    response = admin_role_client.post(
        ADD_URL, form_data(base_url="http://127.0.0.1:8400/webconsole/api")
    )

    assert response.status_code == 302


def test_admin_audit_says_secret_changed(admin_role_client, admin_role_user):
    commcell = CommCellFactory(name="cs-prod", secret=SECRET)

    admin_role_client.post(change_url(commcell), form_data(secret="rotated-secret"))

    entry = AuditLog.objects.get(action="commcell.update")
    dumped = json.dumps([entry.before, entry.after])
    assert entry.actor == admin_role_user
    assert entry.after["secret"] == "changed"
    assert entry.before["collection_interval_minutes"] == 60
    assert entry.after["collection_interval_minutes"] == 30
    assert "rotated-secret" not in dumped
    assert SECRET not in dumped
    assert entry.request_id != ""


def test_admin_audit_says_secret_unchanged(admin_role_client):
    commcell = CommCellFactory(name="cs-prod", secret=SECRET)

    admin_role_client.post(change_url(commcell), form_data(secret=""))

    entry = AuditLog.objects.get(action="commcell.update")
    assert entry.after["secret"] == "unchanged"


def test_admin_create_audited(admin_role_client):
    admin_role_client.post(ADD_URL, form_data())

    entry = AuditLog.objects.get(action="commcell.create")
    assert entry.before is None
    assert entry.after["secret"] == "changed"
    assert SECRET not in json.dumps(entry.after)


def test_admin_save_creates_schedule(admin_role_client):
    admin_role_client.post(ADD_URL, form_data(collection_interval_minutes="30"))

    commcell = CommCell.objects.get(name="cs-prod")
    task = PeriodicTask.objects.get(name=periodic_task_name(commcell))
    assert task.enabled is True
    assert task.task == SCHEDULED_TASK
    assert task.interval.every == 30
    assert json.loads(task.kwargs) == {"commcell_id": commcell.pk}


def test_admin_interval_change_updates_schedule(admin_role_client):
    admin_role_client.post(ADD_URL, form_data(collection_interval_minutes="30"))
    commcell = CommCell.objects.get(name="cs-prod")

    admin_role_client.post(
        change_url(commcell), form_data(secret="", collection_interval_minutes="15")
    )

    task = PeriodicTask.objects.get(name=periodic_task_name(commcell))
    assert task.interval.every == 15
    assert PeriodicTask.objects.filter(task=SCHEDULED_TASK).count() == 1


@pytest.mark.parametrize(
    "overrides",
    [{"collection_interval_minutes": "0"}, {"enabled": None}],
    ids=["interval-zero", "disabled"],
)
def test_admin_schedule_disabled(admin_role_client, overrides):
    admin_role_client.post(ADD_URL, form_data())
    commcell = CommCell.objects.get(name="cs-prod")

    admin_role_client.post(change_url(commcell), form_data(secret="", **overrides))

    task = PeriodicTask.objects.get(name=periodic_task_name(commcell))
    assert task.enabled is False


def test_admin_delete_removes_schedule(admin_role_client):
    admin_role_client.post(ADD_URL, form_data())
    commcell = CommCell.objects.get(name="cs-prod")
    delete_url = reverse("admin:commcell_commcell_delete", args=[commcell.pk])

    admin_role_client.post(delete_url, {"post": "yes"})

    assert not CommCell.objects.exists()
    assert not PeriodicTask.objects.filter(task=SCHEDULED_TASK).exists()
    assert AuditLog.objects.filter(action="commcell.delete").count() == 1


def test_admin_list_shows_last_run_status(admin_role_client):
    commcell = CommCellFactory()
    SyncRunFactory(commcell=commcell, status=SyncRun.Status.PARTIAL)

    response = admin_role_client.get(reverse("admin:commcell_commcell_changelist"))

    assert response.status_code == 200
    assert "Partial" in response.content.decode()


def test_admin_collect_now_action(admin_role_client, admin_role_user):
    commcell = CommCellFactory()

    response = admin_role_client.post(
        reverse("admin:commcell_commcell_changelist"),
        {"action": "collect_now", "_selected_action": [commcell.pk]},
        follow=True,
    )

    run = SyncRun.objects.get(commcell=commcell)
    assert run.requested_by == admin_role_user
    assert "queued as" in response.content.decode()


def test_admin_collect_now_active_run_warns(admin_role_client):
    active = SyncRunFactory(status=SyncRun.Status.QUEUED)

    response = admin_role_client.post(
        reverse("admin:commcell_commcell_changelist"),
        {"action": "collect_now", "_selected_action": [active.commcell.pk]},
        follow=True,
    )

    assert "already has run" in response.content.decode()
    assert SyncRun.objects.filter(commcell=active.commcell).count() == 1


def test_admin_viewer_cannot_open(viewer_client):
    response = viewer_client.get(ADD_URL)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_syncrun_admin_read_only(admin_role_client):
    run = SyncRunFactory()

    change = admin_role_client.get(
        reverse("admin:commcell_syncrun_change", args=[run.pk])
    )
    add = admin_role_client.get(reverse("admin:commcell_syncrun_add"))

    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert add.status_code == 403


@pytest.mark.parametrize(
    ("factory", "url_name"),
    [
        (ClientFactory, "commcell_client"),
        (PlanFactory, "commcell_plan"),
        (StoragePolicyCopyFactory, "commcell_storagepolicycopy"),
        (JobFactory, "commcell_job"),
        (StoragePoolFactory, "storage_storagepool"),
        (MediaAgentFactory, "storage_mediaagent"),
        (DDBStoreFactory, "pruning_ddbstore"),
    ],
)
def test_inventory_admin_lists_and_searches(admin_role_client, factory, url_name):
    row = factory()
    list_url = reverse(f"admin:{url_name}_changelist")
    term = str(row.job_id) if url_name == "commcell_job" else row.name

    listing = admin_role_client.get(list_url, {"q": term})
    add = admin_role_client.get(reverse(f"admin:{url_name}_add"))
    change = admin_role_client.get(reverse(f"admin:{url_name}_change", args=[row.pk]))

    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    assert add.status_code == 403
    assert 'name="_save"' not in change.content.decode()


def test_job_admin_skips_full_count(admin_role_client):
    JobFactory()

    response = admin_role_client.get(
        reverse("admin:commcell_job_changelist"), {"q": "not-a-number"}
    )

    assert response.status_code == 200
    assert response.context["cl"].show_full_result_count is False


def test_admin_rejects_userinfo_in_url(admin_role_client):
    url = f"https://svc:{URL_PASSWORD}@cs-prod.example.invalid/webconsole/api"

    response = admin_role_client.post(ADD_URL, form_data(base_url=url))

    errors = response.context["adminform"].form.errors["base_url"]
    assert response.status_code == 200
    assert "own fields" in errors[0]
    assert URL_PASSWORD not in errors[0]
    assert not CommCell.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("page_size", "0"),
        ("timeout_seconds", "4"),
        ("initial_job_days", "3651"),
        ("job_overlap_hours", "721"),
        ("collection_interval_minutes", "10081"),
    ],
)
def test_admin_rejects_out_of_range(admin_role_client, field, value):
    response = admin_role_client.post(ADD_URL, form_data(**{field: value}))

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not CommCell.objects.exists()


def test_admin_error_names_typed_value(admin_role_client):
    response = admin_role_client.post(ADD_URL, form_data(timeout_seconds="6o"))

    errors = response.context["adminform"].form.errors["timeout_seconds"]
    assert errors == [
        '"6o" is not a valid whole number: enter digits only, such as 30.'
    ]
    assert not CommCell.objects.exists()


def test_admin_secret_error_hides_secret(admin_role_client):
    response = admin_role_client.post(ADD_URL, form_data(secret=f"{SECRET}\x00"))

    errors = response.context["adminform"].form.errors["secret"]
    assert errors[0] == "Null characters are not allowed."
    assert SECRET not in response.content.decode()


def test_admin_rejects_directory_as_ca_bundle(admin_role_client, tmp_path):
    response = admin_role_client.post(ADD_URL, form_data(ca_bundle=str(tmp_path)))

    errors = response.context["adminform"].form.errors["ca_bundle"]
    assert str(tmp_path) in errors[0]
    assert not CommCell.objects.exists()


@override_settings(DEBUG=True, ENCRYPTION_KEYS=["not-a-fernet-key"])
def test_admin_debug_page_hides_secret(admin_role_user):
    request = RequestFactory().post(ADD_URL, form_data(secret=DEBUG_SECRET))
    request.user = admin_role_user
    request._dont_enforce_csrf_checks = True
    model_admin = admin.site._registry[CommCell]

    try:
        model_admin.add_view(request)
    except ImproperlyConfigured:
        exc_info = sys.exc_info()

    html = ExceptionReporter(request, *exc_info).get_traceback_html()
    assert "changeform_view" in html
    assert DEBUG_SECRET not in html


def test_admin_forget_identity_action(admin_role_client):
    commcell = CommCellFactory(commserve_cv_id=2, commserve_identity_name="cs01")

    admin_role_client.post(
        reverse("admin:commcell_commcell_changelist"),
        {"action": "forget_commserve_identity", "_selected_action": [commcell.pk]},
    )

    commcell.refresh_from_db()
    entry = AuditLog.objects.get(action="commcell.forget_identity")
    assert commcell.commserve_cv_id is None
    assert commcell.commserve_identity_name == ""
    assert entry.before == {"commserve_cv_id": 2, "commserve_identity_name": "cs01"}


def test_admin_rejects_script_url_once(admin_role_client):
    response = admin_role_client.post(
        ADD_URL, form_data(base_url="javascript:alert(1)")
    )

    errors = response.context["adminform"].form.errors["base_url"]
    assert response.status_code == 200
    assert len(errors) == 1, errors
    assert '"javascript:alert(1)"' in errors[0]
    assert "  " not in errors[0]
    assert not CommCell.objects.exists()


def test_admin_rejects_ftp_url_naming_it(admin_role_client):
    response = admin_role_client.post(
        ADD_URL, form_data(base_url="ftp://cs-prod.example.invalid/api")
    )

    errors = response.context["adminform"].form.errors["base_url"]
    assert errors == [
        '"ftp://cs-prod.example.invalid/api" is not an http or https URL. Enter the '
        "https URL of the REST API, such as "
        "https://commserve.example.com/webconsole/api."
    ]
    assert not CommCell.objects.exists()
