"""Celery task that thins and prunes snapshot history through apps.core.history."""

import logging

from celery import Task, shared_task

from apps.core import history

from .models import SnapshotRetention

logger = logging.getLogger(__name__)


@shared_task(bind=True)
def thin_snapshot_history(self: Task) -> dict[str, dict[str, int]]:
    """Apply the stored snapshot retention to every registered history table."""
    retention = SnapshotRetention.load()
    logger.info(
        "task %s: thinning history, keep all %d days, delete after %d days",
        self.request.id,
        retention.keep_all_days,
        retention.keep_days,
    )
    outcomes = history.thin_and_prune(retention.keep_all_days, retention.keep_days)
    return {
        label: {"thinned": outcome.thinned, "pruned": outcome.pruned}
        for label, outcome in outcomes.items()
    }
