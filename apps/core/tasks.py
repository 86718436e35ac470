"""Celery tasks of the analysis; the work itself is in `analysis`."""

import logging
from datetime import datetime
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import KombuError

from apps.commcell.models import CommCell, SyncRun

from . import analysis, audit
from .models import AnalysisRun

logger = logging.getLogger(__name__)

TIME_LIMIT = settings.CELERY_TASK_TIME_LIMIT
SOFT_TIME_LIMIT = max(TIME_LIMIT - 60, 1)

# Collection outcomes after which the stored inventory is worth analyzing.
ANALYZED_OUTCOMES = frozenset({SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL})


@shared_task(time_limit=TIME_LIMIT, soft_time_limit=SOFT_TIME_LIMIT)
def analyze_commcell(
    commcell_id: int,
    trigger: str = AnalysisRun.Trigger.MANUAL,
    run_id: int | None = None,
    sync_run_id: int | None = None,
) -> str | None:
    """Analyze one CommCell and return the run's status, or None when skipped.

    `run_id` names a queued run to carry out. `sync_run_id` names the collection that
    queued the analysis.
    """
    commcell = CommCell.objects.filter(pk=commcell_id).first()
    if commcell is None:
        logger.warning("Analysis skipped: CommCell id %s does not exist", commcell_id)
        return None

    run = AnalysisRun.objects.filter(pk=run_id).first() if run_id else None
    sync_run = SyncRun.objects.filter(pk=sync_run_id).first() if sync_run_id else None
    # A replayed collection (collect --as-of) is analyzed as of its simulated time.
    now = sync_run.as_of if sync_run is not None else None
    if now is not None and _analyzed_after(commcell, now):
        # A replayed collection of the past (collect --as-of) finishes after later
        # analyses, and analyzing it would move last-seen times backwards.
        logger.info(
            "CommCell %s (id %s): analysis after sync run %s skipped, because an "
            "analysis as of a later time than %s already finished",
            commcell.name,
            commcell.pk,
            sync_run.pk,
            now.isoformat(),
        )
        return None
    try:
        result = analysis.run_analysis(
            commcell, trigger=trigger, now=now, run=run, sync_run=sync_run
        )
    except (analysis.AnalysisAlreadyRunning, analysis.AnalysisRunNotQueued) as exc:
        logger.info(
            "CommCell %s (id %s): %s analysis skipped: %s",
            commcell.name,
            commcell.pk,
            trigger,
            exc,
        )
        return None

    _analyze_missed_collection(commcell, result)
    return result.status


def _analyze_missed_collection(commcell: CommCell, finished: AnalysisRun) -> None:
    """Queue an analysis of the newest collection that finished during ``finished``.

    A collection that finishes while an analysis runs has its own analysis skipped,
    and the running one may have read the inventory before the collection wrote it.
    """
    missed = (
        SyncRun.objects.filter(
            commcell=commcell,
            status__in=ANALYZED_OUTCOMES,
            finished_at__gt=finished.started_at,
        )
        .order_by("-finished_at")
        .first()
    )
    if missed is None:
        return

    try:
        analyze_commcell.delay(
            commcell.pk, AnalysisRun.Trigger.COLLECTION, sync_run_id=missed.pk
        )
    except (KombuError, OSError):
        logger.exception(
            "CommCell %s (id %s): the analysis of sync run %s, which finished during "
            "analysis run %s, could not be sent to Celery; it runs with the next "
            "collection or nightly",
            commcell.name,
            commcell.pk,
            missed.pk,
            finished.pk,
        )
        return
    logger.info(
        "CommCell %s (id %s): sync run %s finished during analysis run %s, so "
        "another analysis is queued",
        commcell.name,
        commcell.pk,
        missed.pk,
        finished.pk,
    )


def _analyzed_after(commcell: CommCell, moment: datetime) -> bool:
    return AnalysisRun.objects.filter(
        commcell=commcell,
        status__in=[AnalysisRun.Status.SUCCEEDED, AnalysisRun.Status.PARTIAL],
        analyzed_at__gt=moment,
    ).exists()


@shared_task
def nightly_analysis() -> int:
    """Queue one analysis per enabled CommCell and return how many were queued."""
    ids = list(
        CommCell.objects.filter(enabled=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for commcell_id in ids:
        analyze_commcell.delay(commcell_id, AnalysisRun.Trigger.NIGHTLY)
    logger.info("Nightly analysis queued for %d CommCells: ids %s", len(ids), ids)
    return len(ids)


def enqueue_analysis(
    commcell: CommCell, *, requested_by: Any = None, request_id: str = ""
) -> AnalysisRun:
    """Create a queued manual run, audit it, and send its task after the commit.

    Raises AnalysisAlreadyRunning while another analysis of the CommCell is active.
    """
    with transaction.atomic():
        run = analysis.queue_run(
            commcell, trigger=AnalysisRun.Trigger.MANUAL, requested_by=requested_by
        )
        audit.record(
            actor=requested_by,
            action="analysis.start",
            obj=commcell,
            after={"analysis_run": run.pk, "trigger": run.trigger},
            request_id=request_id,
        )
    transaction.on_commit(lambda: _send_queued(run))
    return run


def _send_queued(run: AnalysisRun) -> None:
    try:
        analyze_commcell.delay(run.commcell_id, run.trigger, run_id=run.pk)
    except (KombuError, OSError) as exc:
        message = (
            f"The analysis could not be sent to the Celery broker ({exc}). Check "
            "that the broker in CELERY_BROKER_URL is running, then start it again."
        )
        AnalysisRun.objects.filter(pk=run.pk, status=AnalysisRun.Status.QUEUED).update(
            status=AnalysisRun.Status.FAILED,
            finished_at=timezone.now(),
            errors=[{"analyzer": "", "message": message}],
        )
        logger.exception(
            "CommCell id %s: analysis run %s could not be sent to Celery",
            run.commcell_id,
            run.pk,
        )


def queue_analysis_after_collection(
    sender: Any, *, commcell: CommCell, run: SyncRun, status: str, **kwargs: Any
) -> None:
    """Queue an analysis once a succeeded or partial collection is committed."""
    if status not in ANALYZED_OUTCOMES:
        logger.info(
            "CommCell %s (id %s): no analysis after sync run %s because its status is %s",
            commcell.name,
            commcell.pk,
            run.pk,
            status,
        )
        return

    def send() -> None:
        try:
            analyze_commcell.delay(
                commcell.pk, AnalysisRun.Trigger.COLLECTION, sync_run_id=run.pk
            )
        except (KombuError, OSError):
            logger.exception(
                "CommCell %s (id %s): the analysis after sync run %s could not be "
                "sent to Celery; it runs with the next collection or nightly",
                commcell.name,
                commcell.pk,
                run.pk,
            )
            return
        logger.info(
            "CommCell %s (id %s): analysis queued after sync run %s",
            commcell.name,
            commcell.pk,
            run.pk,
        )

    transaction.on_commit(send)
