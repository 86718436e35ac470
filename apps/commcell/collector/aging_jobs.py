"""The data aging step: list the CommCell's Data Aging jobs and upsert them by job id.

It reads the same window as the job step, but never more than the last
`MAX_LOOKBACK_DAYS`: the listing carries every job type, so a first collection of a
large CommCell would otherwise read all its backup jobs a second time, and the pruning
pages look back 30 days. A run that is still going is read again by the next collection
and its row gets the final status.
"""

import logging
import math
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.commcell.cvclient.errors import CommServeError
from apps.commcell.cvclient.records import JobRecord
from apps.pruning.models import DataAgingRun

from .context import StepContext
from .jobs import job_window
from .upsert import clean_text

logger = logging.getLogger(__name__)

OUTCOMES = frozenset(DataAgingRun.Outcome.values)
STATUS_MAX_LENGTH = DataAgingRun._meta.get_field("status").max_length
MAX_LOOKBACK_DAYS = 31


def collect_aging_jobs(ctx: StepContext) -> int:
    """Store the Data Aging jobs of the job window and return how many were stored.

    The jobs read before a failed page are stored before the failure is raised.
    """
    start = ctx.run.job_window_start
    if start is None:
        start, _ = job_window(ctx.commcell, ctx.run)
    start = max(start, timezone.now() - timedelta(days=MAX_LOOKBACK_DAYS))
    lookback = max(1, math.ceil((timezone.now() - start).total_seconds()))
    logger.info(
        "%s: reading data aging jobs from %s (lookback %d s)",
        ctx.label,
        start.isoformat(),
        lookback,
    )

    found: dict[int, JobRecord] = {}
    pages = ctx.client.iter_data_aging_pages(
        lookback_seconds=lookback, page_size=ctx.commcell.page_size
    )
    try:
        for page in pages:
            for job in page.jobs:
                found[job.job_id] = job
            ctx.progress.set("aging_jobs", done=len(found), total=None)
    except CommServeError:
        written = store_aging_runs(ctx, list(found.values()))
        logger.warning(
            "%s: data aging listing failed after %d runs were stored",
            ctx.label,
            written,
        )
        raise

    written = store_aging_runs(ctx, list(found.values()))
    ctx.progress.set("aging_jobs", done=written, total=written, force=True)
    return written


def store_aging_runs(ctx: StepContext, jobs: list[JobRecord]) -> int:
    """Insert or update one DataAgingRun per job id and return the count."""
    rows = [aging_run(ctx.commcell.pk, job) for job in jobs]
    if not rows:
        return 0

    with transaction.atomic():
        DataAgingRun.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["commcell", "job_id"],
            update_fields=[
                "start_time",
                "end_time",
                "status",
                "outcome",
                "last_seen_at",
            ],
        )
    return len(rows)


def aging_run(commcell_id: int, job: JobRecord) -> DataAgingRun:
    outcome = job.outcome if job.outcome in OUTCOMES else DataAgingRun.Outcome.OTHER
    return DataAgingRun(
        commcell_id=commcell_id,
        job_id=job.job_id,
        start_time=job.start_time,
        end_time=job.end_time,
        status=clean_text(job.status, STATUS_MAX_LENGTH),
        outcome=outcome,
        # NOTE: the count of jobs a run aged is read from totalNumOfFiles, as the
        # bundled simulator reports it. No public source confirms which jobSummary
        # field a CommServe uses for it.
        jobs_aged=job.total_files,
        last_seen_at=timezone.now(),
    )
