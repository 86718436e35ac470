"""Runs whose worker died or never came: failed by Celery signals, age, or an admin."""

from datetime import timedelta

import pytest
from billiard.exceptions import WorkerLostError
from celery.signals import task_failure
from django.contrib.admin.sites import site
from django.urls import reverse
from django.utils import timezone

from apps.commcell import services, tasks
from apps.commcell.models import SyncRun
from apps.core.models import AuditLog
from tests.factories import CommCellFactory, SyncRunFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:commcell_syncrun_changelist"


def send_failure(task, task_id: str, args: list) -> None:
    task_failure.send(
        sender=task,
        task_id=task_id,
        exception=WorkerLostError("Worker exited prematurely: signal 9 (SIGKILL)."),
        args=args,
        kwargs={},
        traceback=None,
        einfo=None,
    )


def test_lost_worker_fails_running_run():
    run = SyncRunFactory(status=SyncRun.Status.RUNNING, started_at=timezone.now())

    send_failure(tasks.collect_commcell, "task-1", [run.pk])

    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert run.finished_at is not None
    assert "WorkerLostError" in run.errors[-1]["message"]
    assert "task-1" in run.errors[-1]["message"]


def test_lost_worker_fails_scheduled_run_by_task_id():
    run = SyncRunFactory(status=SyncRun.Status.QUEUED, celery_task_id="beat-7")

    send_failure(tasks.collect_scheduled, "beat-7", [run.commcell.pk])

    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED


def test_failure_signal_keeps_finished_run():
    run = SyncRunFactory(status=SyncRun.Status.SUCCEEDED)

    send_failure(tasks.collect_commcell, "task-2", [run.pk])

    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.errors == []


def test_failure_signal_ignores_other_tasks():
    run = SyncRunFactory(status=SyncRun.Status.RUNNING, celery_task_id="other")

    send_failure(object(), "other", [run.pk])

    run.refresh_from_db()
    assert run.status == SyncRun.Status.RUNNING


def test_old_queued_run_is_stale():
    commcell = CommCellFactory()
    old = SyncRunFactory(commcell=commcell, status=SyncRun.Status.QUEUED)
    SyncRun.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - services.QUEUED_STALE_AFTER - timedelta(minutes=1)
    )

    new = services.start_sync(commcell, trigger="manual")

    old.refresh_from_db()
    assert new.status == SyncRun.Status.QUEUED
    assert old.status == SyncRun.Status.FAILED
    assert "no worker picked it up" in old.errors[-1]["message"]
    assert "./run worker" in old.errors[-1]["message"]
    assert "celery -A cvanalytics worker -B" in old.errors[-1]["message"]


def test_recent_queued_run_blocks_start():
    commcell = CommCellFactory()
    SyncRunFactory(commcell=commcell, status=SyncRun.Status.QUEUED)

    with pytest.raises(services.SyncAlreadyRunning):
        services.start_sync(commcell, trigger="manual")


def test_admin_marks_stuck_run_failed(admin_role_client, admin_role_user):
    run = SyncRunFactory(status=SyncRun.Status.RUNNING, started_at=timezone.now())

    response = admin_role_client.post(
        reverse(CHANGELIST),
        {"action": "mark_failed", "_selected_action": [run.pk]},
        follow=True,
    )

    run.refresh_from_db()
    entry = AuditLog.objects.get(action="syncrun.mark_failed")
    assert response.status_code == 200
    assert run.status == SyncRun.Status.FAILED
    assert admin_role_user.username in run.errors[-1]["message"]
    assert entry.actor == admin_role_user
    assert entry.before == {"status": "running"}


def test_admin_mark_failed_skips_finished_run(admin_role_client):
    run = SyncRunFactory(status=SyncRun.Status.PARTIAL)

    response = admin_role_client.post(
        reverse(CHANGELIST),
        {"action": "mark_failed", "_selected_action": [run.pk]},
        follow=True,
    )

    run.refresh_from_db()
    assert run.status == SyncRun.Status.PARTIAL
    assert "was not changed" in response.content.decode()
    assert not AuditLog.objects.filter(action="syncrun.mark_failed").exists()


def test_mark_failed_action_needs_admin_role(rf, viewer_user):
    request = rf.get(reverse(CHANGELIST))
    request.user = viewer_user
    model_admin = site._registry[SyncRun]

    assert "mark_failed" not in model_admin.get_actions(request)
