"""Start collection runs: one active run per CommCell, queued for a Celery worker."""

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import KombuError

from apps.core import audit

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


# A run still queued this long after it was requested was not picked up by a worker:
# an idle worker claims a queued run within seconds.
QUEUED_STALE_AFTER = timedelta(minutes=30)

WORKER_HINT = (
    "Start a Celery worker with `./run worker` or "
    "`celery -A cvanalytics worker -B`, and check that it uses the same broker "
    "(CELERY_BROKER_URL)."
)


def stale_after() -> timedelta:
    """Return the age past which an active run can no longer be alive.

    Celery kills a collection task at CELERY_TASK_TIME_LIMIT, so a run still marked
    active after that long lost its worker or its queue message.
    """
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def fail_stale_runs(commcell: CommCell) -> int:
    """Mark the CommCell's runs that can no longer be alive as failed.

    A running run is stale after the task time limit, and a queued one after
    QUEUED_STALE_AFTER.
    """
    now = timezone.now()
    limit = int(stale_after().total_seconds())
    queued_minutes = int(QUEUED_STALE_AFTER.total_seconds() // 60)

    stale_running = SyncRun.objects.filter(
        commcell=commcell,
        status=SyncRun.Status.RUNNING,
        started_at__lt=now - stale_after(),
    )
    stale_queued = SyncRun.objects.filter(
        commcell=commcell,
        status=SyncRun.Status.QUEUED,
        created_at__lt=now - QUEUED_STALE_AFTER,
    )
    failed = 0
    for run in stale_running:
        failed += fail_run(run, _stale_running_message(limit))
    for run in stale_queued:
        failed += fail_run(run, _stale_queued_message(queued_minutes))
    return failed


def fail_run(run: SyncRun, message: str, *, step: str = "worker") -> bool:
    """Mark a queued or running run as failed with the message.

    Returns False, changing nothing, when the run had already ended.
    """
    errors = [*run.errors, {"step": step, "message": message}]
    updated = SyncRun.objects.filter(
        pk=run.pk, status__in=SyncRun.ACTIVE_STATUSES
    ).update(
        status=SyncRun.Status.FAILED,
        finished_at=timezone.now(),
        current_step="",
        errors=errors,
    )
    if not updated:
        return False

    logger.warning("CommCell %s run %s: %s", run.commcell.name, run.pk, message)
    return True


def mark_run_failed(run: SyncRun, *, actor: Any, request_id: str = "") -> bool:
    """Mark a stuck queued or running run as failed for an admin, with an audit row.

    Returns False, changing nothing, when the run is no longer queued or running.
    """
    name = getattr(actor, "username", "") or "system"
    message = (
        f"{name} marked the run as failed because it was stuck {run.status}. A "
        "worker still collecting it keeps the rows it stores but no longer records "
        f"the run's outcome. {WORKER_HINT}"
    )
    with transaction.atomic():
        before = run.status
        if not fail_run(run, message, step="admin"):
            return False
        audit.record(
            actor=actor,
            action="syncrun.mark_failed",
            obj=run,
            before={"status": before},
            after={"status": SyncRun.Status.FAILED},
            request_id=request_id,
        )
    return True


def _stale_running_message(limit: int) -> str:
    return (
        f"The run was still marked running {limit} seconds (the Celery task time "
        "limit) after it started, so its worker stopped without finishing it. "
        "Check the Celery worker log for the cause."
    )


def _stale_queued_message(minutes: int) -> str:
    return (
        f"The run was still queued {minutes} minutes after it was requested, so no "
        f"worker picked it up. {WORKER_HINT}"
    )


def fail_lost_task(
    task_id: str, run_id: int | None, exc: BaseException | None
) -> SyncRun | None:
    """Mark the run of a collection task that failed outside the collector as failed.

    The collector records its own errors, so this handles what it cannot: a worker
    process that died, the hard time limit, or an error before the run was claimed.
    Returns the run it failed, or None when no active run belongs to the task.
    """
    runs = SyncRun.objects.select_related("commcell").filter(
        status__in=SyncRun.ACTIVE_STATUSES
    )
    run = runs.filter(pk=run_id).first() if run_id is not None else None
    if run is None and task_id:
        run = runs.filter(celery_task_id=task_id).first()
    if run is None:
        return None

    reason = f"{type(exc).__name__}: {exc}" if exc is not None else "unknown error"
    message = (
        f"The Celery task {task_id} stopped before the run finished ({reason}). "
        "Data stored by earlier runs is unchanged. Check the Celery worker log for "
        "the cause, then collect again."
    )
    return run if fail_run(run, message) else None


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
