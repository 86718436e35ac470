"""Celery tasks that parse stored logs and scan log folders; the work is in `ingest` and `scan`."""

import logging

from celery import shared_task
from django.conf import settings

from . import ingest, scan
from .models import LogFile, LogSource

logger = logging.getLogger(__name__)

TIME_LIMIT = settings.CELERY_TASK_TIME_LIMIT
SOFT_TIME_LIMIT = max(TIME_LIMIT - 60, 1)


@shared_task(time_limit=TIME_LIMIT, soft_time_limit=SOFT_TIME_LIMIT)
def parse_log_file(log_file_id: int) -> str | None:
    """Parse a stored log file and return its final status."""
    try:
        return ingest.parse_log_file(log_file_id).status
    except LogFile.DoesNotExist:
        logger.warning(
            "Log file %s does not exist; its parse task is dropped", log_file_id
        )
        return None
    except Exception as exc:
        # Includes SoftTimeLimitExceeded, so the status does not stay "parsing".
        logger.exception("Log file %s: parse task failed", log_file_id)
        LogFile.objects.filter(pk=log_file_id).update(
            status=LogFile.Status.FAILED,
            error=f"The parse stopped with an unexpected error: {exc!r}. Events "
            "read before it are kept. Check the Celery worker log.",
        )
        return LogFile.Status.FAILED


@shared_task(time_limit=TIME_LIMIT, soft_time_limit=SOFT_TIME_LIMIT)
def scan_log_sources() -> int:
    """Scan every enabled log folder and return the number of log files read."""
    results = scan.scan_all_sources()
    return sum(result.log_files for result in results)


@shared_task(time_limit=TIME_LIMIT, soft_time_limit=SOFT_TIME_LIMIT)
def scan_log_source(source_id: int) -> int | None:
    """Scan one log folder now and return the number of log files read."""
    source = LogSource.objects.select_related("commcell").filter(pk=source_id).first()
    if source is None:
        logger.warning("Log source %s does not exist; its scan is dropped", source_id)
        return None
    return scan.scan_source(source).log_files
