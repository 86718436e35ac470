"""The collection tasks, run by a real Celery worker process on the Redis broker."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django_celery_beat.models import PeriodicTask

from apps.commcell import schedule, services, tasks
from apps.commcell.models import Client, SyncRun
from tests.factories import CommCellFactory

pytestmark = [pytest.mark.simulator]

REPOSITORY = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 90


@pytest.fixture(scope="module")
def worker_queue(tmp_path_factory):
    """Start a worker on a queue of its own, and return the queue name.

    The own queue keeps this worker away from tasks that other test runs put on the
    shared broker. The worker reads the test database through DATABASE_URL.
    """
    queue = f"cvanalytics-test-{uuid.uuid4().hex[:12]}"
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cvanalytics.settings_test",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
        "CVANALYTICS_LOG_LEVEL": "INFO",
    }
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cvanalytics",
                "worker",
                "--pool",
                "solo",
                "--queues",
                queue,
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=REPOSITORY,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    yield queue

    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    print(log_path.read_text(errors="replace")[-5000:])
    _delete_queue_keys(queue)


def _delete_queue_keys(queue: str) -> None:
    """Delete the broker keys kombu made for the queue (its list and bindings)."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    keys = list(broker.scan_iter(match=f"*{queue}*"))
    if keys:
        broker.delete(*keys)
    broker.close()


def wait_until_finished(run_id: int) -> SyncRun:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        run = SyncRun.objects.get(pk=run_id)
        if not run.is_active:
            return run
        time.sleep(0.25)
    raise AssertionError(f"run {run_id} did not finish within {WAIT_SECONDS} s")


def sim_commcell(simulator):
    return CommCellFactory(
        name="sim",
        base_url=simulator.base_url,
        username=simulator.username,
        secret=simulator.password,
        initial_job_days=7,
    )


@pytest.mark.django_db(transaction=True)
def test_worker_collects_queued_run(commserve_sim, worker_queue):
    commcell = sim_commcell(commserve_sim)
    run = services.start_sync(commcell, trigger="manual")

    tasks.collect_commcell.apply_async(args=[run.pk], queue=worker_queue)

    run = wait_until_finished(run.pk)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert Client.objects.filter(commcell=commcell).count() == commserve_sim.clients


@pytest.mark.django_db(transaction=True)
def test_worker_runs_scheduled_collection(commserve_sim, worker_queue):
    commcell = sim_commcell(commserve_sim)

    result = tasks.collect_scheduled.apply_async(
        kwargs={"commcell_id": commcell.pk}, queue=worker_queue
    )

    assert result.get(timeout=WAIT_SECONDS) == SyncRun.Status.SUCCEEDED
    run = SyncRun.objects.get(commcell=commcell)
    assert run.trigger == "schedule"
    assert run.celery_task_id == result.id


@pytest.mark.django_db(transaction=True)
def test_worker_skips_schedule_while_run_active(commserve_sim, worker_queue):
    commcell = sim_commcell(commserve_sim)
    active = services.start_sync(commcell, trigger="manual")

    result = tasks.collect_scheduled.apply_async(
        kwargs={"commcell_id": commcell.pk}, queue=worker_queue
    )

    assert result.get(timeout=WAIT_SECONDS) is None
    assert list(SyncRun.objects.filter(commcell=commcell)) == [active]


@pytest.mark.django_db
def test_schedule_not_created_for_interval_zero():
    commcell = CommCellFactory(collection_interval_minutes=0)

    task = schedule.sync_schedule(commcell)

    assert task is None
    assert not PeriodicTask.objects.filter(
        name=schedule.periodic_task_name(commcell)
    ).exists()


@pytest.mark.django_db
def test_schedule_follows_rename_by_primary_key():
    commcell = CommCellFactory(collection_interval_minutes=30)
    first = schedule.sync_schedule(commcell)
    commcell.name = "renamed"
    commcell.save()

    second = schedule.sync_schedule(commcell)

    assert second.pk == first.pk
    assert "renamed" in second.description


@pytest.mark.django_db
def test_schedule_reenabled_with_interval():
    commcell = CommCellFactory(collection_interval_minutes=30)
    schedule.sync_schedule(commcell)
    commcell.enabled = False
    schedule.sync_schedule(commcell)
    commcell.enabled = True

    task = schedule.sync_schedule(commcell)

    assert task.enabled is True
    assert task.expire_seconds == 30 * 60


def test_task_time_limits_match_settings():
    assert tasks.collect_commcell.time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert tasks.collect_commcell.soft_time_limit < tasks.collect_commcell.time_limit


@pytest.mark.django_db
def test_collect_task_drops_missing_run():
    assert tasks.collect_commcell(999_999) is None
