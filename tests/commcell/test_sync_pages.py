from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.commcell.models import SyncRun
from tests.factories import CommCellFactory, SyncRunFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("commcell:syncrun-list")
HOSTILE = '<script>alert("x")</script>'


def detail_url(run: SyncRun) -> str:
    return reverse("commcell:syncrun-detail", args=[run.pk])


def collect_url(commcell) -> str:
    return reverse("commcell:collect-now", args=[commcell.pk])


def finished_run(**kwargs) -> SyncRun:
    started = timezone.now() - timedelta(minutes=3)
    defaults = {
        "status": SyncRun.Status.SUCCEEDED,
        "started_at": started,
        "finished_at": started + timedelta(seconds=75),
        "counts": {"clients": 12, "jobs": 3400},
        "progress": {
            "clients": {"done": 12, "total": 12},
            "jobs": {"done": 3400, "total": 3400},
        },
    }
    return SyncRunFactory(**{**defaults, **kwargs})


def running_run(**kwargs) -> SyncRun:
    defaults = {
        "status": SyncRun.Status.RUNNING,
        "started_at": timezone.now() - timedelta(seconds=30),
        "current_step": "jobs",
        "progress": {
            "clients": {"done": 12, "total": 12},
            "jobs": {"done": 2000, "total": 5000},
        },
        "counts": {"clients": 12},
    }
    return SyncRunFactory(**{**defaults, **kwargs})


@pytest.mark.parametrize("url_name", ["list", "detail"])
def test_pages_anonymous_redirects_to_login(client, url_name):
    url = LIST_URL if url_name == "list" else detail_url(finished_run())

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url_name", ["list", "detail"])
def test_pages_no_role_forbidden(no_role_client, url_name):
    url = LIST_URL if url_name == "list" else detail_url(finished_run())

    response = no_role_client.get(url)

    assert response.status_code == 403


def test_list_shows_runs(viewer_client):
    run = finished_run()

    response = viewer_client.get(LIST_URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert detail_url(run) in content
    assert run.commcell.name in content
    assert "1 min 15 s" in content
    assert "Jobs 3400" in content


def test_list_filters_by_commcell(viewer_client):
    shown = finished_run(commcell=CommCellFactory(name="alpha"))
    hidden = finished_run(commcell=CommCellFactory(name="beta"))

    response = viewer_client.get(LIST_URL, {"commcell": shown.commcell.pk})

    runs = list(response.context["page"].object_list)
    assert runs == [shown]
    assert hidden not in runs


def test_list_ignores_invalid_commcell_filter(viewer_client):
    finished_run()

    response = viewer_client.get(LIST_URL, {"commcell": "abc"})

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 1


def test_list_viewer_sees_no_collect_button(viewer_client):
    commcell = CommCellFactory()

    response = viewer_client.get(LIST_URL)

    assert collect_url(commcell) not in response.content.decode()


def test_list_admin_sees_collect_button(admin_role_client):
    commcell = CommCellFactory()

    response = admin_role_client.get(LIST_URL)

    assert collect_url(commcell) in response.content.decode()


def test_list_escapes_hostile_names(viewer_client):
    finished_run(commcell=CommCellFactory(name=HOSTILE))

    response = viewer_client.get(LIST_URL)

    content = response.content.decode()
    assert HOSTILE not in content
    assert "&lt;script&gt;" in content


def test_collect_now_viewer_forbidden(viewer_client):
    commcell = CommCellFactory()

    response = viewer_client.post(collect_url(commcell))

    assert response.status_code == 403
    assert not SyncRun.objects.filter(commcell=commcell).exists()


def test_collect_now_anonymous_redirects(client):
    commcell = CommCellFactory()

    response = client.post(collect_url(commcell))

    assert response.status_code == 302
    assert not SyncRun.objects.filter(commcell=commcell).exists()


def test_collect_now_get_not_allowed(admin_role_client):
    response = admin_role_client.get(collect_url(CommCellFactory()))

    assert response.status_code == 405


def test_collect_now_admin_queues_run(admin_role_client, admin_role_user):
    commcell = CommCellFactory()

    response = admin_role_client.post(collect_url(commcell))

    run = SyncRun.objects.get(commcell=commcell)
    assert response.status_code == 302
    assert response["Location"] == detail_url(run)
    assert run.status == SyncRun.Status.QUEUED
    assert run.requested_by == admin_role_user


def test_collect_now_requires_csrf_token(admin_role_user):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(admin_role_user)
    commcell = CommCellFactory()

    response = csrf_client.post(collect_url(commcell))

    assert response.status_code == 403
    assert not SyncRun.objects.filter(commcell=commcell).exists()


def test_collect_now_active_run_message(admin_role_client):
    active = running_run()

    response = admin_role_client.post(collect_url(active.commcell), follow=True)

    content = response.content.decode()
    assert response.redirect_chain[-1][0] == detail_url(active)
    assert f"already has run {active.pk} queued or running" in content
    assert SyncRun.objects.filter(commcell=active.commcell).count() == 1


def test_detail_shows_progress_and_counts(viewer_client):
    run = finished_run()

    response = viewer_client.get(detail_url(run))

    content = response.content.decode()
    assert response.status_code == 200
    assert "3400 / 3400" in content
    assert "Succeeded" in content
    assert "1 min 15 s" in content


def test_detail_active_run_polls(viewer_client):
    run = running_run()

    response = viewer_client.get(detail_url(run))

    content = response.content.decode()
    assert 'hx-trigger="every 2s"' in content
    assert f'hx-get="{detail_url(run)}"' in content
    assert "2000 / 5000" in content
    assert "Current step: Jobs" in content
    assert 'http-equiv="refresh"' in content


def test_detail_finished_run_does_not_poll(viewer_client):
    run = finished_run()

    response = viewer_client.get(detail_url(run))

    content = response.content.decode()
    assert "hx-trigger" not in content
    assert 'http-equiv="refresh"' not in content


def test_detail_htmx_returns_partial(viewer_client):
    run = running_run()

    response = viewer_client.get(detail_url(run), headers={"HX-Request": "true"})

    content = response.content.decode()
    assert content.lstrip().startswith('<div id="syncrun-status"')
    assert "<html" not in content
    assert 'hx-trigger="every 2s"' in content


def test_detail_htmx_partial_of_ended_run_stops_polling(viewer_client):
    run = running_run()
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.PARTIAL, finished_at=timezone.now()
    )

    response = viewer_client.get(detail_url(run), headers={"HX-Request": "true"})

    content = response.content.decode()
    assert content.lstrip().startswith('<div id="syncrun-status"')
    assert "hx-get" not in content
    assert "hx-trigger" not in content


def test_detail_errors_rendered_as_text(viewer_client):
    run = finished_run(
        status=SyncRun.Status.PARTIAL,
        commcell=CommCellFactory(name=HOSTILE),
        errors=[{"step": "clients", "message": f"Clients failed: bad name {HOSTILE}"}],
    )

    response = viewer_client.get(detail_url(run))

    content = response.content.decode()
    assert HOSTILE not in content
    assert "Clients failed: bad name &lt;script&gt;" in content


def test_detail_marks_failed_step(viewer_client):
    run = finished_run(
        status=SyncRun.Status.PARTIAL,
        errors=[{"step": "jobs", "message": "Jobs failed: HTTP 500."}],
        counts={"clients": 12},
    )

    response = viewer_client.get(detail_url(run))

    steps = {row["key"]: row["state"] for row in response.context["steps"]}
    assert steps["jobs"] == "failed"
    assert steps["clients"] == "done"
    assert steps["plans"] == "not run"


def test_detail_unknown_run_404(viewer_client):
    response = viewer_client.get(reverse("commcell:syncrun-detail", args=[999_999]))

    assert response.status_code == 404
