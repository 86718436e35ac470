"""Celery tasks that collect a CommCell. The work itself is in `collector` and `services`."""

import logging
from typing import Any

from celery import Task, shared_task
from celery.signals import task_failure
from django.conf import settings

from . import collector, services
from .models import SyncRun

logger = logging.getLogger(__name__)

# Celery kills the task at the hard limit. The soft limit comes a minute earlier, so
# the run can record why it stopped.
TIME_LIMIT = settings.CELERY_TASK_TIME_LIMIT
SOFT_TIME_LIMIT = max(TIME_LIMIT - 60, 1)


@shared_task(time_limit=TIME_LIMIT, soft_time_limit=SOFT_TIME_LIMIT)
def collect_commcell(run_id: int) -> str | None:
    """Collect a queued run and return its final status."""
    try:
        return collector.run_collection(run_id).status
    except SyncRun.DoesNotExist:
        # For example a message left on the broker by a database that was reset.
        logger.warning(
            "Sync run %s does not exist; its collection task is dropped", run_id
        )
        return None


@shared_task(bind=True, time_limit=TIME_LIMIT, soft_time_limit=SOFT_TIME_LIMIT)
def collect_scheduled(self: Task, commcell_id: int) -> str | None:
    """Start and collect a scheduled run, unless one is active or the CommCell is off."""
    run = services.start_scheduled_sync(commcell_id, celery_task_id=self.request.id)
    if run is None:
        return None
    return collector.run_collection(run.pk).status


COLLECTION_TASKS = {collect_commcell.name, collect_scheduled.name}


@task_failure.connect
def fail_run_of_failed_task(
    sender: Any = None,
    task_id: str = "",
    exception: BaseException | None = None,
    args: Any = None,
    **kwargs: Any,
) -> None:
    """Mark the run failed when its task fails outside the collector's handling.

    Celery sends task_failure also from the parent worker process when the child
    running the task died (WorkerLostError) or hit the hard time limit.
    """
    if getattr(sender, "name", None) not in COLLECTION_TASKS:
        return

    # collect_commcell gets the run id; a scheduled run is found by its task id.
    run_id = None
    if sender.name == collect_commcell.name and args:
        run_id = args[0]
    run = services.fail_lost_task(task_id or "", run_id, exception)
    if run is not None:
        logger.error(
            "CommCell %s run %s failed with its Celery task %s: %r",
            run.commcell.name,
            run.pk,
            task_id,
            exception,
        )
