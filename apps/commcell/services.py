"""Start collection runs: one active run per CommCell, queued for a Celery worker."""

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import KombuError

from .models import CommCell, SyncRun

logger = logging.getLogger(__name__)


class SyncAlreadyRunning(Exception):
    """A CommCell already has a queued or running collection."""

    def __init__(self, commcell: CommCell, active_run: SyncRun | None) -> None:
        self.commcell = commcell
        self.active_run = active_run
        run_text = f"run {active_run.pk}" if active_run else "a run"
        super().__init__(
            f"CommCell {commcell.name} already has {run_text} queued or running. "
            "Wait for it to finish before starting another."
        )


def stale_after() -> timedelta:
    """Return the age past which an active run can no longer be alive.

    Celery kills a collection task at CELERY_TASK_TIME_LIMIT, so a run still marked
    active after that long lost its worker or its queue message.
    """
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def fail_stale_runs(commcell: CommCell) -> int:
    """Mark the CommCell's active runs older than the task time limit as failed."""
    cutoff = timezone.now() - stale_after()
    limit = int(stale_after().total_seconds())
    failed = 0

    stale_running = SyncRun.objects.filter(
        commcell=commcell, status=SyncRun.Status.RUNNING, started_at__lt=cutoff
    )
    stale_queued = SyncRun.objects.filter(
        commcell=commcell, status=SyncRun.Status.QUEUED, created_at__lt=cutoff
    )
    for run in [*stale_running, *stale_queued]:
        message = _stale_message(run, limit)
        run.status = SyncRun.Status.FAILED
        run.finished_at = timezone.now()
        run.current_step = ""
        run.errors = [*run.errors, {"step": "worker", "message": message}]
        run.save(update_fields=["status", "finished_at", "current_step", "errors"])
        logger.warning("CommCell %s run %s: %s", commcell.name, run.pk, message)
        failed += 1
    return failed


def _stale_message(run: SyncRun, limit: int) -> str:
    if run.status == SyncRun.Status.RUNNING:
        return (
            f"The run was still marked running {limit} seconds (the Celery task time "
            "limit) after it started, so its worker stopped without finishing it. "
            "Check the Celery worker log for the cause."
        )
    return (
        f"The run was still queued {limit} seconds (the Celery task time limit) after "
        "it was requested, so no worker picked it up. Check that a Celery worker is "
        "running and uses the same broker (CELERY_BROKER_URL)."
    )


def start_sync(
    commcell: CommCell, *, trigger: str, requested_by: Any = None
) -> SyncRun:
    """Create a queued run for the CommCell, or raise SyncAlreadyRunning."""
    fail_stale_runs(commcell)
    user = requested_by if getattr(requested_by, "pk", None) else None

    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                commcell=commcell, trigger=trigger, requested_by=user
            )
    except IntegrityError as exc:
        active = active_run(commcell)
        raise SyncAlreadyRunning(commcell, active) from exc

    logger.info(
        "CommCell %s run %s queued (trigger %s, requested by %s)",
        commcell.name,
        run.pk,
        trigger,
        getattr(user, "username", "system"),
    )
    return run


def start_scheduled_sync(
    commcell_id: int, *, celery_task_id: str = ""
) -> SyncRun | None:
    """Create a run for a beat trigger, or return None when it is skipped.

    A scheduled run is skipped, with a log line, when the CommCell was deleted or
    disabled or already has an active run.
    """
    commcell = CommCell.objects.filter(pk=commcell_id).first()
    if commcell is None:
        logger.warning(
            "Scheduled collection skipped: CommCell id %s does not exist. Remove its "
            "periodic task in the admin",
            commcell_id,
        )
        return None
    if not commcell.enabled:
        logger.info(
            "CommCell %s: scheduled collection skipped, disabled", commcell.name
        )
        return None

    try:
        run = start_sync(commcell, trigger="schedule")
    except SyncAlreadyRunning as exc:
        logger.info("CommCell %s: scheduled collection skipped: %s", commcell.name, exc)
        return None

    SyncRun.objects.filter(pk=run.pk).update(celery_task_id=celery_task_id or "")
    return run


def enqueue_sync(
    commcell: CommCell, *, trigger: str = "manual", requested_by: Any = None
) -> SyncRun:
    """Create a queued run and send the Celery task that collects it."""
    from .tasks import collect_commcell

    run = start_sync(commcell, trigger=trigger, requested_by=requested_by)
    transaction.on_commit(lambda: _send_task(collect_commcell, run))
    return run


def _send_task(task: Any, run: SyncRun) -> None:
    # The id is stored before sending, so a fast worker cannot finish the run first.
    task_id = uuid.uuid4().hex
    SyncRun.objects.filter(pk=run.pk).update(celery_task_id=task_id)
    try:
        task.apply_async(args=[run.pk], task_id=task_id)
    except (KombuError, OSError) as exc:
        _fail_unsent(run, exc)
        return

    logger.info(
        "CommCell %s run %s sent to Celery as task %s",
        run.commcell.name,
        run.pk,
        task_id,
    )


def _fail_unsent(run: SyncRun, exc: Exception) -> None:
    message = (
        f"The run could not be sent to the Celery broker ({exc}). Check that the "
        "broker in CELERY_BROKER_URL is running and reachable, then collect again."
    )
    SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.QUEUED).update(
        status=SyncRun.Status.FAILED,
        finished_at=timezone.now(),
        errors=[{"step": "queue", "message": message}],
    )
    logger.exception(
        "CommCell %s run %s could not be sent to Celery", run.commcell.name, run.pk
    )


def active_run(commcell: CommCell) -> SyncRun | None:
    return (
        SyncRun.objects.filter(commcell=commcell, status__in=SyncRun.ACTIVE_STATUSES)
        .order_by("-created_at")
        .first()
    )
