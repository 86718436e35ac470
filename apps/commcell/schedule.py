"""Keep one django_celery_beat periodic task per CommCell in step with its settings.

Beat runs `apps.commcell.tasks.collect_scheduled` every `collection_interval_minutes`.
An interval of 0 or a disabled CommCell disables the task but keeps it, so its last
run time stays visible in the admin.
"""

import json
import logging

from django_celery_beat.models import IntervalSchedule, PeriodicTask

from .models import CommCell

logger = logging.getLogger(__name__)

SCHEDULED_TASK = "apps.commcell.tasks.collect_scheduled"


def periodic_task_name(commcell: CommCell) -> str:
    # Keyed by primary key, so renaming the CommCell keeps its schedule.
    return f"cvanalytics: collect CommCell {commcell.pk}"


def sync_schedule(commcell: CommCell) -> PeriodicTask | None:
    """Create, update or disable the CommCell's periodic task, and return it if any."""
    name = periodic_task_name(commcell)
    minutes = commcell.collection_interval_minutes

    if not commcell.enabled or minutes == 0:
        task = PeriodicTask.objects.filter(name=name).first()
        if task is not None and task.enabled:
            task.enabled = False
            task.save()
            logger.info("CommCell %s: scheduled collection disabled", commcell.name)
        return task

    interval = _interval(minutes)
    task, created = PeriodicTask.objects.update_or_create(
        name=name,
        defaults={
            "task": SCHEDULED_TASK,
            "interval": interval,
            "kwargs": json.dumps({"commcell_id": commcell.pk}),
            "enabled": True,
            # A collection still waiting when the next one is due is dropped.
            "expire_seconds": minutes * 60,
            "description": f"Collect CommCell {commcell.name} every {minutes} minutes.",
        },
    )
    logger.info(
        "CommCell %s: scheduled collection every %d minutes (%s)",
        commcell.name,
        minutes,
        "created" if created else "updated",
    )
    return task


def remove_schedule(commcell: CommCell) -> None:
    deleted, _ = PeriodicTask.objects.filter(name=periodic_task_name(commcell)).delete()
    if deleted:
        logger.info("CommCell %s: scheduled collection removed", commcell.name)


def _interval(minutes: int) -> IntervalSchedule:
    interval = IntervalSchedule.objects.filter(
        every=minutes, period=IntervalSchedule.MINUTES
    ).first()
    if interval is None:
        interval = IntervalSchedule.objects.create(
            every=minutes, period=IntervalSchedule.MINUTES
        )
    return interval
