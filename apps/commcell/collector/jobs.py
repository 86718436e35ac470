"""The job step: stream the job history page by page and upsert it in bulk.

Jobs are never held in memory as a whole: each page becomes rows with their links
resolved, and `job_writers` writes them in batches.
"""

import contextlib
import logging
import math
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.utils import timezone

from apps.commcell.cvclient.errors import CommServeError
from apps.commcell.cvclient.records import JobRecord
from apps.commcell.models import Client, CommCell, Job, Plan, StoragePolicy, SyncRun

from .context import StepContext
from .history import latest_run_without_step_error
from .job_writers import job_writer
from .upsert import id_map, name_map

logger = logging.getLogger(__name__)

LEVELS = frozenset(Job.Level.values)
OUTCOMES = frozenset(Job.Outcome.values)

# Pages fetched ahead of the page being stored: two pages of 1000 jobs are a few MB.
PREFETCH_PAGES = 2


def collect_jobs(ctx: StepContext) -> int:
    start, end = job_window(ctx.commcell, ctx.run)
    ctx.run.job_window_start, ctx.run.job_window_end = start, end
    SyncRun.objects.filter(pk=ctx.run.pk).update(
        job_window_start=start, job_window_end=end
    )
    lookback = max(1, math.ceil((timezone.now() - start).total_seconds()))
    logger.info(
        "%s: reading jobs from %s (lookback %d s, page size %d)",
        ctx.label,
        start.isoformat(),
        lookback,
        ctx.commcell.page_size,
    )

    links = JobLinks.load(ctx.commcell)
    writer = job_writer()
    received = 0
    pages = prefetch(
        ctx.client.iter_job_pages(
            lookback_seconds=lookback, page_size=ctx.commcell.page_size
        ),
        depth=PREFETCH_PAGES,
    )
    try:
        for page in pages:
            for job in page.jobs:
                writer.add(links.row(ctx.commcell.pk, job))
            received += len(page.jobs)
            ctx.progress.set("jobs", done=received, total=page.total)
    except CommServeError:
        # The pages before the failure are good: keep them, then report the failure.
        writer.finish()
        raise
    else:
        writer.finish()
    finally:
        pages.close()
        writer.close()

    ctx.progress.set("jobs", done=received, total=received, force=True)
    return writer.written


_DONE = object()
T = TypeVar("T")


def prefetch(items: Iterator[T], *, depth: int) -> Iterator[T]:
    """Iterate `items` in a second thread, up to `depth` items ahead of the caller.

    The next page is fetched while the caller stores the current one.
    An exception raised by `items` is raised in the caller after the items before it.
    Closing the returned generator stops the thread after its current item.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                buffer.put(item)
            buffer.put(_DONE)
        except BaseException as exc:  # handed to the caller, which re-raises it
            buffer.put(exc)

    thread = threading.Thread(target=produce, name="job-prefetch", daemon=True)
    thread.start()
    try:
        while (item := buffer.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            # Unblock a producer waiting on a full buffer.
            with contextlib.suppress(queue.Empty):
                buffer.get(timeout=0.1)
        thread.join()


def job_window(commcell: CommCell, run: SyncRun) -> tuple[datetime, datetime]:
    """Return the start and end of the job history this run reads.

    The first run reads `initial_job_days`. Later runs start `job_overlap_hours` before
    the window end of the latest run whose job step completed (a succeeded run, or a
    partial run whose errors lie in other steps), so jobs still running then are read
    again.
    """
    end = run.started_at or timezone.now()
    previous_end = _previous_window_end(commcell, run)
    if previous_end is None:
        start = end - timedelta(days=commcell.initial_job_days)
    else:
        start = previous_end - timedelta(hours=commcell.job_overlap_hours)
    return min(start, end), end


def _previous_window_end(commcell: CommCell, run: SyncRun) -> datetime | None:
    latest = latest_run_without_step_error(
        commcell,
        run,
        "jobs",
        newest_by="job_window_end",
        job_window_end__isnull=False,
    )
    return None if latest is None else latest.job_window_end


@dataclass
class JobLinks:
    """Primary keys that a job row links to, looked up by CommServe id or name."""

    client_by_cv_id: dict[int, int]
    client_by_name: dict[str, int]
    policy_by_name: dict[str, int]
    plan_by_policy: dict[int, int]

    @classmethod
    def load(cls, commcell: CommCell) -> "JobLinks":
        return cls(
            client_by_cv_id=id_map(Client, commcell),
            client_by_name=name_map(Client, commcell),
            policy_by_name=name_map(StoragePolicy, commcell),
            plan_by_policy=_plan_by_policy(commcell),
        )

    def row(self, commcell_id: int, job: JobRecord) -> tuple:
        """Return the job as a tuple in JOB_FIELDS order, with its links resolved."""
        client_name = _text(job.client_name)
        client_id = self.client_by_cv_id.get(job.client_cv_id)  # type: ignore[arg-type]
        if client_id is None and client_name:
            client_id = self.client_by_name.get(client_name.lower())
        policy_id = None
        if job.storage_policy_name:
            policy_id = self.policy_by_name.get(_text(job.storage_policy_name).lower())

        return (
            commcell_id,
            job.job_id,
            _text(job.job_type),
            job.level if job.level in LEVELS else Job.Level.OTHER.value,
            _text(job.level_name),
            _text(job.status),
            job.outcome if job.outcome in OUTCOMES else Job.Outcome.OTHER.value,
            client_id,
            client_name,
            policy_id,
            self.plan_by_policy.get(policy_id),  # type: ignore[arg-type]
            job.subclient_cv_id,
            _text(job.subclient_name),
            _text(job.app_type),
            job.start_time,
            job.end_time,
            job.application_bytes,
            job.media_bytes,
            job.percent_savings,
            job.is_aged,
        )


def _plan_by_policy(commcell: CommCell) -> dict[int, int]:
    """Map each storage policy to its plan, or to none when several plans share it.

    Jobs carry the storage policy name but no plan, and a plan-created policy belongs
    to exactly one plan.
    """
    plans: dict[int, list[int]] = {}
    rows = Plan.objects.filter(
        commcell=commcell, removed_at__isnull=True, storage_policy__isnull=False
    ).values_list("storage_policy_id", "id")
    for policy_id, plan_id in rows:
        plans.setdefault(policy_id, []).append(plan_id)
    return {policy: ids[0] for policy, ids in plans.items() if len(ids) == 1}


def _text(value: str) -> str:
    # PostgreSQL rejects NUL in text columns.
    return value.replace("\x00", "") if "\x00" in value else value
