from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.commcell import services, tasks
from apps.commcell.models import SyncRun
from cvanalytics.celery import app as celery_app
from tests.factories import CommCellFactory, SyncRunFactory

pytestmark = pytest.mark.django_db


def test_start_sync_creates_queued_run(admin_role_user):
    commcell = CommCellFactory()

    run = services.start_sync(commcell, trigger="manual", requested_by=admin_role_user)

    assert run.status == SyncRun.Status.QUEUED
    assert run.trigger == "manual"
    assert run.requested_by == admin_role_user


def test_start_sync_rejects_second_active_run():
    commcell = CommCellFactory()
    first = services.start_sync(commcell, trigger="manual")

    with pytest.raises(services.SyncAlreadyRunning) as caught:
        services.start_sync(commcell, trigger="schedule")

    assert caught.value.active_run == first
    assert f"run {first.pk}" in str(caught.value)
    assert SyncRun.objects.filter(commcell=commcell).count() == 1


def test_start_sync_allows_other_commcell():
    services.start_sync(CommCellFactory(), trigger="manual")

    run = services.start_sync(CommCellFactory(), trigger="manual")

    assert run.status == SyncRun.Status.QUEUED


def test_start_sync_after_finished_run():
    commcell = CommCellFactory()
    SyncRunFactory(commcell=commcell, status=SyncRun.Status.FAILED)

    run = services.start_sync(commcell, trigger="manual")

    assert run.status == SyncRun.Status.QUEUED


def test_start_sync_fails_run_past_time_limit(settings):
    commcell = CommCellFactory()
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    stale = SyncRunFactory(
        commcell=commcell, status=SyncRun.Status.RUNNING, started_at=long_ago
    )

    run = services.start_sync(commcell, trigger="manual")

    stale.refresh_from_db()
    assert run.status == SyncRun.Status.QUEUED
    assert stale.status == SyncRun.Status.FAILED
    assert stale.finished_at is not None
    assert "worker stopped" in stale.errors[0]["message"]


def test_start_sync_keeps_recent_running_run():
    commcell = CommCellFactory()
    SyncRunFactory(
        commcell=commcell,
        status=SyncRun.Status.RUNNING,
        started_at=timezone.now() - timedelta(minutes=5),
    )

    with pytest.raises(services.SyncAlreadyRunning):
        services.start_sync(commcell, trigger="manual")


def test_start_sync_fails_queued_run_never_picked_up(settings):
    commcell = CommCellFactory()
    stale = SyncRunFactory(commcell=commcell, status=SyncRun.Status.QUEUED)
    SyncRun.objects.filter(pk=stale.pk).update(
        created_at=timezone.now()
        - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    )

    services.start_sync(commcell, trigger="manual")

    stale.refresh_from_db()
    assert stale.status == SyncRun.Status.FAILED
    assert "no worker picked it up" in stale.errors[0]["message"]


@pytest.fixture
def eager_celery():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_enqueue_sync_sends_task(eager_celery, django_capture_on_commit_callbacks):
    # Without a stored secret the eager task fails before any request.
    commcell = CommCellFactory(secret="")

    with django_capture_on_commit_callbacks(execute=True):
        run = services.enqueue_sync(commcell, trigger="api")

    run.refresh_from_db()
    assert run.celery_task_id != ""
    assert run.status == SyncRun.Status.FAILED
    assert run.trigger == "api"


def test_enqueue_sync_broker_down_fails_run(
    monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379.")

    monkeypatch.setattr(tasks.collect_commcell, "apply_async", refuse)
    commcell = CommCellFactory()

    with django_capture_on_commit_callbacks(execute=True):
        run = services.enqueue_sync(commcell, trigger="manual")

    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert "CELERY_BROKER_URL" in run.errors[0]["message"]


def test_start_scheduled_sync_skips_active_run():
    commcell = CommCellFactory()
    services.start_sync(commcell, trigger="manual")

    run = services.start_scheduled_sync(commcell.pk, celery_task_id="abc")

    assert run is None


def test_start_scheduled_sync_skips_disabled():
    commcell = CommCellFactory(enabled=False)

    run = services.start_scheduled_sync(commcell.pk)

    assert run is None


def test_start_scheduled_sync_skips_missing_commcell():
    run = services.start_scheduled_sync(999_999)

    assert run is None


def test_start_scheduled_sync_creates_schedule_run():
    commcell = CommCellFactory()

    run = services.start_scheduled_sync(commcell.pk, celery_task_id="task-1")

    run.refresh_from_db()
    assert run.trigger == "schedule"
    assert run.celery_task_id == "task-1"
