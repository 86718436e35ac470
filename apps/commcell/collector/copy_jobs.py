"""The CommServe time zone step and the jobs-on-copies step.

The jobs-on-copies step reads `GET /V4/Plan/BackupDestination/{copyId}/Jobs` for every
active copy, at most once per `CommCell.copy_jobs_interval_hours`. Each copy is read
page by page and upserted into JobOnCopy, so memory stays bounded by one page:

1. the unaged jobs: every row listed gets this read's `collected_at`;
2. when stored unaged rows were not listed, the aged jobs from the oldest of them on,
   which sets the aged flags of those rows only;
3. unaged rows still not listed are deleted. Rows marked aged stay as they are.

A copy whose read fails keeps its stored rows, and the other copies are still read.
"""

import logging
from datetime import datetime, timedelta

from django.db import reset_queries
from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from apps.commcell.cvclient.errors import CommServeError
from apps.commcell.cvclient.records import CopyJobRecord
from apps.commcell.models import (
    Client,
    CommCell,
    Job,
    JobOnCopy,
    StoragePolicyCopy,
    SyncRun,
)

from .context import FATAL_ERRORS, PartialStepError, StepContext, StepWarning
from .history import latest_run_without_step_error
from .upsert import clean_text

logger = logging.getLogger(__name__)

RETAINED_BY_VALUES = frozenset(JobOnCopy.RetainedBy.values)
TEXT_LIMIT = JobOnCopy._meta.get_field("retained_by_text").max_length
REASON_LIMIT = JobOnCopy._meta.get_field("retention_reason").max_length
TIME_ZONE_LIMIT = CommCell._meta.get_field("commserve_time_zone").max_length
UPDATE_FIELDS = [
    "commcell",
    "retain_until",
    "retain_infinite",
    "retained_by",
    "retained_by_text",
    "retention_reason",
    "is_aged",
    "is_soft_aged",
    "copied_time",
    "required_by_jobs",
    "collected_at",
]
# Counts key of the copies read in full; its presence marks a run that read them.
COPIES_READ = "copy_jobs_copies"


# CommServe time zone ---------------------------------------------------------------


def collect_time_zone(ctx: StepContext) -> int:
    """Store the CommServe client's time zone name, and return 1.

    Raises StepWarning when it cannot be read, and the stored name is kept.
    """
    commcell = CommCell.objects.only("commserve_name", "commserve_time_zone").get(
        pk=ctx.commcell.pk
    )
    kept_note = (
        f"The stored time zone {commcell.commserve_time_zone or '(none)'!r} is kept."
    )
    client = (
        Client.objects.filter(
            commcell_id=commcell.pk,
            name__iexact=commcell.commserve_name,
            removed_at__isnull=True,
        )
        .only("cv_id")
        .first()
    )
    if client is None:
        raise StepWarning(
            [
                f"no client named {commcell.commserve_name!r} (the CommServe's name) "
                f"was found, so its time zone was not read. {kept_note}"
            ]
        )

    try:
        zone = ctx.client.get_client_time_zone(client.cv_id)
    except FATAL_ERRORS:
        raise
    except CommServeError as exc:
        raise StepWarning([f"{exc} {kept_note}"]) from exc
    if not zone:
        raise StepWarning(
            [f"client {client.cv_id} reported no TimeZone.TimeZoneName. {kept_note}"]
        )

    zone = clean_text(zone, TIME_ZONE_LIMIT)
    CommCell.objects.filter(pk=commcell.pk).update(commserve_time_zone=zone)
    logger.info("%s: CommServe time zone %s", ctx.label, zone)
    return 1


# Jobs on copies --------------------------------------------------------------------


def last_complete_read(commcell: CommCell, run: SyncRun) -> datetime | None:
    """Return the start of the latest other run that read every copy's jobs."""
    latest = latest_run_without_step_error(
        commcell,
        run,
        "copy_jobs",
        newest_by="started_at",
        counts__has_key=COPIES_READ,
    )
    return None if latest is None else latest.started_at


def is_due(commcell: CommCell, run: SyncRun, now: datetime) -> bool:
    """True when `copy_jobs_interval_hours` has passed since the last complete read."""
    if commcell.copy_jobs_interval_hours == 0:
        return True
    last = last_complete_read(commcell, run)
    if last is None:
        return True
    return now - last >= timedelta(hours=commcell.copy_jobs_interval_hours)


def collect_copy_jobs(ctx: StepContext) -> int:
    """Read the job list of every active copy and return the rows written."""
    stamp = timezone.now()
    if not is_due(ctx.commcell, ctx.run, stamp):
        last = last_complete_read(ctx.commcell, ctx.run)
        next_read = last + timedelta(hours=ctx.commcell.copy_jobs_interval_hours)
        ctx.progress.entities["copy_jobs"] = {
            "done": None,
            "total": None,
            "skipped_until": next_read.isoformat(),
            "interval_hours": ctx.commcell.copy_jobs_interval_hours,
        }
        logger.info(
            "%s: jobs on copies skipped: read less than %d hours ago, next read "
            "after %s",
            ctx.label,
            ctx.commcell.copy_jobs_interval_hours,
            next_read.isoformat(),
        )
        return 0

    copies = list(
        StoragePolicyCopy.objects.filter(
            commcell=ctx.commcell, removed_at__isnull=True, active=True
        )
        .select_related("storage_policy")
        .order_by("storage_policy__cv_id", "copy_precedence", "cv_id")
    )
    written = 0
    failures = []
    for done, copy in enumerate(copies, start=1):
        try:
            written += CopyReader(ctx, copy, stamp).read()
        except FATAL_ERRORS:
            raise
        except CommServeError as exc:
            failures.append(
                f"copy {copy} (copy id {copy.cv_id}): {exc} The copy's stored "
                "jobs are kept."
            )
        ctx.progress.set("copy_jobs", done=done, total=len(copies))

    ctx.counts[COPIES_READ] = len(copies) - len(failures)
    ctx.progress.set("copy_jobs", done=len(copies), total=len(copies), force=True)
    if failures:
        ctx.counts["copy_jobs"] = written
        raise PartialStepError(failures)
    return written


class CopyReader:
    """Read one copy's job list into JobOnCopy rows."""

    def __init__(self, ctx: StepContext, copy: StoragePolicyCopy, stamp: datetime):
        self.ctx = ctx
        self.copy = copy
        self.stamp = stamp
        self.end = int(stamp.timestamp())

    def read(self) -> int:
        """Upsert the listed rows, delete those no longer listed, return the count."""
        written = 0
        pages = self.ctx.client.iter_copy_job_pages(
            self.copy.cv_id,
            start_time=0,
            end_time=self.end,
            aged_data=0,
            page_size=self.ctx.commcell.page_size,
        )
        for page in pages:
            written += self._store(page.jobs)

        # Unaged rows this read did not list have aged or are gone. Rows marked aged
        # by an earlier read are kept as they are and not read again.
        stale = JobOnCopy.objects.filter(
            copy=self.copy, collected_at__lt=self.stamp, is_aged=False
        )
        if stale.exists():
            written += self._read_aged(stale)
            deleted, _ = stale.delete()
            if deleted:
                logger.info(
                    "%s: copy %s: %d jobs no longer listed were deleted",
                    self.ctx.label,
                    self.copy.cv_id,
                    deleted,
                )
        return written

    def _read_aged(self, stale: QuerySet[JobOnCopy]) -> int:
        """Update the stale rows that the aged listing contains, and return how many."""
        known = Job.objects.filter(
            commcell=self.ctx.commcell, job_id__in=stale.values("job_id")
        ).aggregate(start=Min("start_time"), count=Count("id"))
        start = 0
        if known["start"] is not None and known["count"] == stale.count():
            start = int(known["start"].timestamp()) - 1
        # NOTE: when a stale row's job is not in the job table (older than the job
        # window), the aged listing is read from the beginning, which on a CommServe
        # with years of retention is long.

        written = 0
        pages = self.ctx.client.iter_copy_job_pages(
            self.copy.cv_id,
            start_time=max(0, start),
            end_time=self.end,
            aged_data=1,
            page_size=self.ctx.commcell.page_size,
        )
        for page in pages:
            ids = [job.job_id for job in page.jobs]
            stored = set(stale.filter(job_id__in=ids).values_list("job_id", flat=True))
            written += self._store([job for job in page.jobs if job.job_id in stored])
        return written

    def _store(self, jobs: list[CopyJobRecord]) -> int:
        rows = {job.job_id: self._row(job) for job in jobs}
        if not rows:
            return 0
        JobOnCopy.objects.bulk_create(
            list(rows.values()),
            update_conflicts=True,
            unique_fields=["copy", "job_id"],
            update_fields=UPDATE_FIELDS,
        )
        # With DEBUG on, Django keeps the text of the last 9,000 queries, and each
        # upsert of a page is several hundred KB of SQL.
        reset_queries()
        return len(rows)

    def _row(self, job: CopyJobRecord) -> JobOnCopy:
        retained_by = job.retained_by if job.retained_by in RETAINED_BY_VALUES else 0
        return JobOnCopy(
            commcell_id=self.ctx.commcell.pk,
            copy_id=self.copy.pk,
            job_id=job.job_id,
            retain_until=job.retain_until,
            retain_infinite=job.retain_infinite,
            retained_by=retained_by,
            retained_by_text=clean_text(job.retained_by_name, TEXT_LIMIT),
            retention_reason=clean_text(job.retention_reason, REASON_LIMIT),
            is_aged=job.is_aged,
            is_soft_aged=job.is_soft_aged,
            copied_time=job.copied_time,
            required_by_jobs=",".join(
                str(job_id) for job_id in job.required_by_job_ids
            ),
            collected_at=self.stamp,
        )
