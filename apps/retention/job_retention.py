"""Date one job's aging on every copy of its storage policy.

A chain is the jobs of one client and subclient. On the primary copy (copy precedence
1) the chain is every job of the storage policy with that client and subclient, as in
the SQL cadence analysis. On a secondary copy it is the part of that chain that the
CommServe lists on the copy (``JobOnCopy``). Each copy's verdict stands beside the
CommServe's own retain-until for the job on that copy.

The work is bounded by the chain: a fixed number of queries whatever the number of
copies or jobs, and no query per job.
"""

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.db.models import Max

from apps.commcell.models import (
    Client,
    Job,
    JobOnCopy,
    JobSelection,
    StoragePolicyCopy,
)

from .analysis import copy_retention
from .assumptions import AgingClock, aging_clock, describe, settings_for
from .assumptions import engine_settings as build_engine_settings
from .engine import (
    ChainResult,
    CopyRetention,
    EngineSettings,
    JobRecord,
    JobVerdict,
    PendingAuxCopy,
    Reason,
    ReportedRetention,
    evaluate_chain,
)
from .engine.clock import days_between
from .models import RetentionRule, RetentionSettings
from .tools.loading import extended_rules

logger = logging.getLogger(__name__)

# Cycles shown on each side of the job's own cycle.
CYCLES_AROUND = 2

PRIMARY_PRECEDENCE = 1

# A copy's job list read this soon after a job ended may not list the job yet.
# NOTE: an estimate. How long the CommServe takes to list a finished job on its
# copies is not documented.
LISTING_DELAY = timedelta(hours=1)

REASON_LABELS = {
    Reason.BASIC_DAYS: "basic retention days",
    Reason.BASIC_CYCLES: "basic retention cycles",
    Reason.EXTENDED_RETENTION: "extended retention",
    Reason.WAITING_AUX_COPY: "waiting for an auxiliary copy",
    Reason.INFINITE_RETENTION: "infinite retention",
    Reason.AGING_DISABLED: "data aging disabled",
    Reason.MANUAL_RETENTION: "manual retention",
    Reason.JOB_RUNNING: "job running",
    Reason.ELIGIBLE: "eligible to age",
    Reason.AGED: "aged on the CommServe",
}
CLIENT_AGING_DISABLED_LABEL = "data aging disabled on the client"

# Levels that a copy taking fulls only copies.
FULL_LEVELS = frozenset({Job.Level.FULL, Job.Level.SYNTHETIC_FULL})

# Outcomes of the jobs that a copy's job list contains until they age. The CommServe
# lists no failed, killed or running job on a copy.
LISTED_OUTCOMES = frozenset(
    {
        Job.Outcome.COMPLETED,
        Job.Outcome.COMPLETED_ERRORS,
        Job.Outcome.COMPLETED_WARNINGS,
    }
)


@dataclass(frozen=True)
class CycleJobs:
    """One cycle of the chain with its jobs and their verdicts, oldest job first."""

    index: int
    rows: list[tuple[Job, JobVerdict]]
    contains_job: bool


@dataclass(frozen=True)
class Disagreement:
    """The difference between the CommServe's retain-until and the computed one.

    ``difference_days`` is the CommServe's date minus the computed date, so a positive
    value means the CommServe keeps the job longer. It is None when only one side has
    a date.
    """

    difference_days: float | None
    summary: str
    causes: list[str]


@dataclass(frozen=True)
class CopyVerdict:
    """The job's verdict on one active copy, beside the CommServe's own date.

    ``verdict`` is None when the copy has no rule, its job list was never read, the
    CommServe does not list the job on it, or the engine could not use the rule. Then
    ``missing_reason`` gives the cause, unless the result's notes do. ``jobs_read_at``
    is when the copy's job list was last read (see ``copies_read_at``), or None.
    ``not_listed_note`` explains why a job the copy keeps is not in its job list yet.
    """

    copy: StoragePolicyCopy
    rule: RetentionRule | None
    verdict: JobVerdict | None
    result: ChainResult | None
    chain_job_count: int
    on_copy: JobOnCopy | None
    jobs_read_at: datetime | None
    missing_reason: str = ""
    disagreement: Disagreement | None = None
    client_aging_enabled: bool = True
    not_listed_note: str = ""

    @property
    def is_primary(self) -> bool:
        return self.copy.copy_precedence == PRIMARY_PRECEDENCE

    @property
    def reason_label(self) -> str:
        if self.verdict is None:
            return ""
        if (
            self.verdict.reason is Reason.AGING_DISABLED
            and not self.client_aging_enabled
        ):
            return CLIENT_AGING_DISABLED_LABEL
        return REASON_LABELS[self.verdict.reason]

    @property
    def reported(self) -> bool:
        """True when the CommServe's row for the job on this copy was read."""
        return self.on_copy is not None


@dataclass(frozen=True)
class JobRetention:
    """The job's verdict on each copy, and its primary chain's cycles around it.

    ``rule``, ``verdict`` and ``result`` belong to the primary copy and are None when
    the job has no storage policy or its primary copy has no retention rule, which
    ``missing_rule_reason`` then explains. ``copies`` has one entry per active copy,
    primary first.
    """

    job: Job
    rule: RetentionRule | None
    verdict: JobVerdict | None
    result: ChainResult | None
    cycles: list[CycleJobs]
    chain_job_count: int
    missing_rule_reason: str = ""
    copies: list[CopyVerdict] = field(default_factory=list)
    settings: RetentionSettings | None = None
    engine_settings: EngineSettings | None = None
    clock: AgingClock | None = None
    settings_in_use: list[str] = field(default_factory=list)

    @property
    def reason_label(self) -> str:
        primary = self.primary
        if primary is not None and primary.verdict is self.verdict:
            return primary.reason_label
        return REASON_LABELS[self.verdict.reason] if self.verdict else ""

    @property
    def primary(self) -> CopyVerdict | None:
        return next((copy for copy in self.copies if copy.is_primary), None)

    @property
    def reported_retain_until(self) -> datetime | None:
        """The CommServe's retain-until for the job on the primary copy, if read."""
        primary = self.primary
        if primary is None or primary.on_copy is None:
            return None
        return primary.on_copy.retain_until


def chain_jobs(job: Job) -> list[Job]:
    """Return the jobs of ``job``'s chain, oldest first, through the policy index."""
    return list(
        Job.objects.filter(
            commcell_id=job.commcell_id,
            storage_policy_id=job.storage_policy_id,
            client_id=job.client_id,
            subclient_cv_id=job.subclient_cv_id,
        ).order_by("start_time", "job_id")
    )


def policy_copies(job: Job) -> list[StoragePolicyCopy]:
    """Return the copies of the job's storage policy with their rules, primary first.

    Inactive copies are included because they may still hold the primary copy's jobs.
    """
    if job.storage_policy_id is None:
        return []
    return list(
        StoragePolicyCopy.objects.filter(
            storage_policy_id=job.storage_policy_id, removed_at__isnull=True
        )
        .select_related("retention_rule", "storage_policy")
        .order_by("copy_precedence", "pk")
    )


def rows_on_copies(
    copies: list[StoragePolicyCopy], jobs: list[Job]
) -> dict[int, dict[int, JobOnCopy]]:
    """Return the CommServe's rows for the chain's jobs, by copy id and job id."""
    by_copy: dict[int, dict[int, JobOnCopy]] = {copy.pk: {} for copy in copies}
    if not copies or not jobs:
        return by_copy

    rows = JobOnCopy.objects.filter(
        copy_id__in=list(by_copy), job_id__in=[job.job_id for job in jobs]
    )
    for row in rows:
        by_copy[row.copy_id][row.job_id] = row
    return by_copy


def copies_read_at(
    copies: list[StoragePolicyCopy], rows: dict[int, dict[int, JobOnCopy]]
) -> dict[int, datetime | None]:
    """Return when each copy's job list was last read, None for never.

    Every read stamps the rows it lists with its ``collected_at``. A copy with rows
    for the chain takes the newest of them. The others take the newest row of the
    whole copy, in one query for all of them.
    """
    # NOTE: no read time is stored per copy, so a copy whose read listed no job at
    # all shows as never read.
    read_at: dict[int, datetime | None] = {}
    unknown = []
    for copy in copies:
        chain_rows = rows.get(copy.pk, {})
        if chain_rows:
            read_at[copy.pk] = max(row.collected_at for row in chain_rows.values())
        else:
            unknown.append(copy.pk)
            read_at[copy.pk] = None

    if unknown:
        newest = (
            JobOnCopy.objects.filter(copy_id__in=unknown)
            .values("copy_id")
            .annotate(newest=Max("collected_at"))
        )
        for item in newest:
            read_at[item["copy_id"]] = item["newest"]
    return read_at


def job_record(
    job: Job, on_copy: JobOnCopy | None = None, *, unlisted: bool = False
) -> JobRecord:
    """Convert a job row to the engine's input, with the media size as its size.

    The CommServe's row for the job on the copy, when given, adds manual retention
    (rows retained by a user), the aged flag and the CommServe's own date. A job that
    the copy's job list no longer lists (``unlisted``) counts as aged.
    """
    manual_until = None
    pinned = False
    reported = None
    aged = job.is_aged or unlisted
    if on_copy is not None:
        if on_copy.retained_by == JobOnCopy.RetainedBy.USER:
            pinned = on_copy.retain_infinite
            manual_until = None if pinned else on_copy.retain_until
        reported = ReportedRetention(
            retain_until=on_copy.retain_until,
            infinite=on_copy.retain_infinite,
            reason=on_copy.retained_by_text or on_copy.retention_reason,
        )
        aged = aged or on_copy.is_aged

    return JobRecord(
        job_id=job.job_id,
        start=job.start_time,
        end=job.end_time,
        level=job.level,
        outcome=job.outcome,
        chain_key=f"{job.client_id}/{job.subclient_cv_id}",
        manual_retain_until=manual_until,
        pinned=pinned,
        size_bytes=max(job.media_bytes or 0, 0),
        aged=aged,
        reported=reported,
    )


def unlisted_jobs(
    jobs: list[Job], rows: dict[int, JobOnCopy], read_at: datetime | None
) -> frozenset[int]:
    """Return the ids of the jobs that a primary copy's job list no longer lists.

    The primary copy lists every completed job of the storage policy until the job
    ages, so a completed job that ended before the read and is not listed may have
    aged. ``_primary_listing`` keeps the ones that the job table and the computed
    dates show have not.
    """
    if read_at is None:
        return frozenset()
    return frozenset(
        job.job_id
        for job in jobs
        if job.job_id not in rows
        and job.outcome in LISTED_OUTCOMES
        and job.end_time is not None
        and job.end_time <= read_at
    )


def client_aging_enabled(job: Job) -> bool:
    """Return the data aging flag of the job's client, True when the client is unknown."""
    if job.client_id is None:
        return True
    flag = (
        Client.objects.filter(pk=job.client_id)
        .values_list("data_aging_enabled", flat=True)
        .first()
    )
    return True if flag is None else flag


def rule_retention(rule: RetentionRule, settings: RetentionSettings) -> CopyRetention:
    """Return the engine's view of a copy's rule under the CommCell's settings."""
    base = copy_retention(rule)
    return replace(
        base,
        days_only=base.days_only or settings.days_only_retention,
        extended_rules=base.extended_rules or extended_rules(rule.extended_rules or []),
    )


def pending_aux_copies(
    primary: StoragePolicyCopy,
    copies: list[StoragePolicyCopy],
    rows: dict[int, dict[int, JobOnCopy]],
) -> list[PendingAuxCopy]:
    """Return the secondary copies that still have to copy jobs of the chain.

    Inactive copies are returned with ``active=False``, and the engine counts them
    only when ``EngineSettings.inactive_copies_hold_jobs`` is on.
    """
    pending = []
    for copy in copies:
        if copy.pk == primary.pk:
            continue
        waiting = frozenset(
            job_id
            for job_id, row in rows.get(copy.pk, {}).items()
            if row.copied_time is None
        )
        if waiting:
            pending.append(PendingAuxCopy(copy.name, waiting, active=copy.active))
    return pending


def job_retention(job: Job, now: datetime) -> JobRetention:
    """Evaluate the job on every active copy and return the verdicts side by side."""
    settings = settings_for(job.commcell_id)
    if job.storage_policy_id is None:
        return JobRetention(
            job,
            None,
            None,
            None,
            [],
            0,
            "The job has no storage policy, so no copy retention applies.",
            settings=settings,
        )

    commcell = job.commcell
    client_aging = client_aging_enabled(job)
    engine = build_engine_settings(settings, commcell, now)
    clock = aging_clock(settings, commcell, now)
    jobs = chain_jobs(job)
    copies = policy_copies(job)
    rows = rows_on_copies(copies, jobs)
    read_at = copies_read_at(copies, rows)

    primary_copy = next(
        (copy for copy in copies if copy.copy_precedence == PRIMARY_PRECEDENCE), None
    )
    verdicts = []
    for copy in copies:
        if not copy.active:
            continue
        context = _CopyContext(
            job, copy, settings, engine, now, read_at[copy.pk], client_aging
        )
        if copy is primary_copy:
            pending = pending_aux_copies(copy, copies, rows)
            verdicts.append(_evaluate_primary(context, jobs, rows[copy.pk], pending))
        else:
            verdicts.append(_evaluate_secondary(context, jobs, rows[copy.pk]))

    primary = next((entry for entry in verdicts if entry.is_primary), None)
    logger.debug(
        "job %s (id %s): chain of %d jobs evaluated on %d copies",
        job.job_id,
        job.pk,
        len(jobs),
        len(verdicts),
    )
    return JobRetention(
        job=job,
        rule=primary.rule if primary else None,
        verdict=primary.verdict if primary else None,
        result=primary.result if primary else None,
        cycles=_primary_cycles(jobs, primary),
        chain_job_count=len(jobs),
        missing_rule_reason=_primary_missing_reason(primary),
        copies=verdicts,
        settings=settings,
        engine_settings=engine,
        clock=clock,
        settings_in_use=describe(settings, with_clock=False),
    )


@dataclass(frozen=True)
class _CopyContext:
    job: Job
    copy: StoragePolicyCopy
    settings: RetentionSettings
    engine: EngineSettings
    now: datetime
    read_at: datetime | None
    client_aging_enabled: bool = True

    @property
    def rule(self) -> RetentionRule | None:
        return getattr(self.copy, "retention_rule", None)


def _evaluate_primary(
    context: _CopyContext,
    jobs: list[Job],
    rows: dict[int, JobOnCopy],
    pending: list[PendingAuxCopy],
) -> CopyVerdict:
    on_copy = rows.get(context.job.job_id)
    if context.rule is None:
        return _without_verdict(
            context,
            on_copy,
            "The primary copy has no retention rule yet. It appears after the next "
            "collection of storage policies.",
        )
    return _evaluate(context, jobs, rows, pending)


def _evaluate_secondary(
    context: _CopyContext, jobs: list[Job], rows: dict[int, JobOnCopy]
) -> CopyVerdict:
    on_copy = rows.get(context.job.job_id)
    if context.rule is None:
        return _without_verdict(
            context,
            on_copy,
            "This copy has no retention rule yet. It appears after the next "
            "collection of storage policies.",
        )
    if context.read_at is None:
        return _without_verdict(
            context,
            None,
            "The job list of this copy was never read from the CommServe, so the "
            "jobs on it are unknown and no date is computed.",
        )
    if on_copy is None:
        return _without_verdict(
            context,
            None,
            not_listed_reason(context.copy, context.job, context.read_at),
        )

    on_this_copy = [job for job in jobs if job.job_id in rows]
    return _evaluate(context, on_this_copy, rows, [])


def not_listed_reason(
    copy: StoragePolicyCopy, job: Job, read_at: datetime | None = None
) -> str:
    """Explain why a secondary copy's job list does not list the job.

    A copy that takes fulls only never lists other jobs. Which full of each period
    the copy takes is not collected, so a missing full is explained by all causes.
    A job that ended after the read, or shortly before it, has not been copied yet.
    """
    is_full = job.level in FULL_LEVELS
    if copy.selects_fulls_only and not is_full:
        return (
            f"Not selected by this copy ({_selection_only(copy)}): the CommServe "
            f"copies no {job.get_level_display().lower()} job to it."
        )

    recent = read_at is not None and ended_shortly_before(job, read_at)
    if (
        recent
        and copy.selects_fulls_only
        and copy.job_selection != JobSelection.ALL_FULLS
    ):
        return (
            f"Not listed yet: not yet copied, or not the full that this copy selects "
            f"({_selection_only(copy)}). {_read_near_end(job, read_at)}"
        )
    if recent:
        return (
            f"Not listed yet: not yet copied. {_read_near_end(job, read_at)} The next "
            "read of the copy's jobs after the auxiliary copy will show it."
        )
    if copy.selects_fulls_only and copy.job_selection != JobSelection.ALL_FULLS:
        return (
            "Not listed: aged or not yet copied, or not the full that this copy "
            f"selects ({_selection_only(copy)})."
        )
    return (
        "Not listed: aged or not yet copied. The job aged from this copy before its "
        "job list was read, or the auxiliary copy has not copied it yet."
    )


def _read_near_end(job: Job, read_at: datetime) -> str:
    read = f"{read_at:%Y-%m-%d %H:%M:%S} UTC"
    if job.end_time is None or job.end_time > read_at:
        return f"The copy's job list was read at {read}, before the job ended."
    return (
        f"The copy's job list was read at {read}, shortly after the job ended at "
        f"{job.end_time:%Y-%m-%d %H:%M:%S} UTC."
    )


def _selection_only(copy: StoragePolicyCopy) -> str:
    if copy.job_selection == JobSelection.ALL_FULLS:
        return "fulls only"
    return f"{copy.job_selection_label} only"


def _evaluate(
    context: _CopyContext,
    jobs: list[Job],
    rows: dict[int, JobOnCopy],
    pending: list[PendingAuxCopy],
) -> CopyVerdict:
    rule = context.rule
    retention = rule_retention(rule, context.settings)
    if not context.client_aging_enabled:
        # The client's switch keeps every job of the chain, as the copy's switch does.
        retention = replace(retention, data_aging_enabled=False)

    listing = _primary_listing(context, jobs, rows, retention, pending)
    result = _reworded(
        listing.result, context, listing.unlisted, rule.data_aging_enabled
    )
    verdict = next(
        (item for item in result.verdicts if item.job_id == context.job.job_id), None
    )
    on_copy = rows.get(context.job.job_id)
    disagreement = None
    if verdict is not None and verdict.disagrees and on_copy is not None:
        disagreement = explain_disagreement(
            verdict, on_copy, context.settings, context.engine
        )
    return CopyVerdict(
        copy=context.copy,
        rule=rule,
        verdict=verdict,
        result=result,
        chain_job_count=len(jobs),
        on_copy=on_copy,
        jobs_read_at=context.read_at,
        disagreement=disagreement,
        client_aging_enabled=context.client_aging_enabled,
        not_listed_note=_not_listed_note(context, on_copy, listing),
    )


@dataclass(frozen=True)
class _Listing:
    """The chain's result, with the jobs the copy's job list leaves out by cause.

    ``unlisted`` jobs count as aged. ``listed_late`` jobs ended too shortly before the
    read to be listed, and the rules still kept the ``kept_at_read`` jobs at the read,
    so neither aged.
    """

    result: ChainResult
    unlisted: frozenset[int] = frozenset()
    listed_late: frozenset[int] = frozenset()
    kept_at_read: frozenset[int] = frozenset()


def _primary_listing(
    context: _CopyContext,
    jobs: list[Job],
    rows: dict[int, JobOnCopy],
    retention: CopyRetention,
    pending: list[PendingAuxCopy],
) -> _Listing:
    """Evaluate the chain, counting as aged the jobs the primary's job list leaves out.

    Only the primary copy lists every completed job, so only there can a missing job
    mean that it aged. A missing job that the job table does not mark aged counts as
    aged only when it ended well before the read and the rules let it age by the read
    (``kept_at``). Checking that takes a second evaluation of the chain.
    """
    if context.copy.copy_precedence != PRIMARY_PRECEDENCE:
        return _Listing(_evaluate_chain(context, jobs, rows, retention, pending))

    missing = unlisted_jobs(jobs, rows, context.read_at)
    not_aged = {
        job.job_id: job for job in jobs if job.job_id in missing and not job.is_aged
    }
    listed_late = frozenset(
        job_id
        for job_id, job in not_aged.items()
        if ended_shortly_before(job, context.read_at)
    )
    undecided = frozenset(not_aged) - listed_late
    # First evaluation: only the missing jobs the job table marks aged count as aged.
    result = _evaluate_chain(
        context, jobs, rows, retention, pending, missing - frozenset(not_aged)
    )

    kept_at_read = frozenset(
        verdict.job_id
        for verdict in result.verdicts
        if verdict.job_id in undecided and kept_at(verdict, context.read_at)
    )
    unlisted = missing - listed_late - kept_at_read
    if undecided - kept_at_read:
        result = _evaluate_chain(context, jobs, rows, retention, pending, unlisted)
    return _Listing(result, unlisted, listed_late, kept_at_read)


def _evaluate_chain(
    context: _CopyContext,
    jobs: list[Job],
    rows: dict[int, JobOnCopy],
    retention: CopyRetention,
    pending: list[PendingAuxCopy],
    unlisted: frozenset[int] = frozenset(),
) -> ChainResult:
    return evaluate_chain(
        [
            job_record(row, rows.get(row.job_id), unlisted=row.job_id in unlisted)
            for row in jobs
        ],
        retention,
        context.now,
        chain_key=f"{context.job.client_name} / {context.job.subclient_name}",
        settings=context.engine,
        pending_aux_copies=pending,
    )


def kept_at(verdict: JobVerdict, moment: datetime | None) -> bool:
    """Return True when the rules keep the job at ``moment``.

    A job is kept when its computed retain-until is after ``moment``, or when it has
    no date yet because a rule such as cycles or infinite retention keeps it.
    """
    if moment is None:
        return False
    if verdict.retain_until is not None:
        return verdict.retain_until > moment
    return verdict.reason not in (Reason.AGED, Reason.ELIGIBLE)


def ended_shortly_before(job: Job, read_at: datetime | None) -> bool:
    """Return True when the job ended after ``read_at`` or within ``LISTING_DELAY`` of it.

    A job without an end time is still running, so no job list lists it yet.
    """
    if read_at is None:
        return False
    return job.end_time is None or job.end_time > read_at - LISTING_DELAY


def _not_listed_note(
    context: _CopyContext, on_copy: JobOnCopy | None, listing: _Listing
) -> str:
    """Explain why the primary copy's job list does not list a job that has not aged."""
    job = context.job
    read_at = context.read_at
    if on_copy is not None or read_at is None or job.job_id in listing.unlisted:
        return ""
    if context.copy.copy_precedence != PRIMARY_PRECEDENCE or job.is_aged:
        return ""
    if job.outcome not in LISTED_OUTCOMES:
        return ""

    read = f"{read_at:%Y-%m-%d %H:%M:%S} UTC"
    if job.end_time is None or job.end_time > read_at:
        return (
            f"Not listed yet: the copy's job list was read at {read}, before the job "
            "ended. The next read of the copy's jobs will show it."
        )
    if job.job_id in listing.listed_late:
        return (
            f"Not listed yet: the copy's job list was read at {read}, shortly after "
            f"the job ended at {job.end_time:%Y-%m-%d %H:%M:%S} UTC. The next read of "
            "the copy's jobs will show it."
        )
    if job.job_id in listing.kept_at_read:
        return (
            f"Not listed yet: the copy's job list was read at {read}, while the "
            "retention rules still kept the job, and the job table does not mark it "
            "aged. The next read of the copy's jobs will show it."
        )
    return ""


def _reworded(
    result: ChainResult,
    context: _CopyContext,
    unlisted: frozenset[int],
    copy_aging_enabled: bool,
) -> ChainResult:
    """Replace the engine's sentences where the cause lies outside the copy's rule."""
    if not unlisted and context.client_aging_enabled:
        return result

    verdicts = []
    for verdict in result.verdicts:
        if verdict.reason is Reason.AGED and verdict.job_id in unlisted:
            verdict = replace(verdict, sentence=_unlisted_sentence(context.read_at))
        elif (
            verdict.reason is Reason.AGING_DISABLED and not context.client_aging_enabled
        ):
            verdict = replace(
                verdict, sentence=_client_aging_sentence(copy_aging_enabled)
            )
        verdicts.append(verdict)
    return replace(result, verdicts=tuple(verdicts))


def _unlisted_sentence(read_at: datetime | None) -> str:
    read = f"{read_at:%Y-%m-%d %H:%M} UTC" if read_at else "at the last read"
    return (
        f"The CommServe no longer lists this job on the copy (job list read {read}), "
        "so data aging has aged it."
    )


def _client_aging_sentence(copy_aging_enabled: bool) -> str:
    sentence = (
        "Data aging is disabled on the client, so the CommServe keeps the client's "
        "jobs on every copy until data aging is enabled on the client again. The "
        "copy's retention values are ignored."
    )
    if not copy_aging_enabled:
        sentence += " Data aging is also disabled on the copy."
    return sentence


def _without_verdict(
    context: _CopyContext, on_copy: JobOnCopy | None, reason: str
) -> CopyVerdict:
    return CopyVerdict(
        copy=context.copy,
        rule=context.rule,
        verdict=None,
        result=None,
        chain_job_count=0,
        on_copy=on_copy,
        jobs_read_at=context.read_at,
        missing_reason=reason,
        client_aging_enabled=context.client_aging_enabled,
    )


def _primary_missing_reason(primary: CopyVerdict | None) -> str:
    if primary is None:
        return (
            "The job's storage policy has no active primary copy (copy precedence 1) "
            "in the collected inventory, so no copy retention applies."
        )
    if primary.rule is None:
        return (
            "The primary copy of the job's storage policy has no retention rule yet. "
            "It appears after the next collection of storage policies."
        )
    return primary.missing_reason


def _primary_cycles(jobs: list[Job], primary: CopyVerdict | None) -> list[CycleJobs]:
    if primary is None or primary.result is None or primary.verdict is None:
        return []
    verdicts = {verdict.job_id: verdict for verdict in primary.result.verdicts}
    return _cycles_around(jobs, verdicts, primary.verdict)


def _cycles_around(
    jobs: list[Job], verdicts: dict[int, JobVerdict], verdict: JobVerdict
) -> list[CycleJobs]:
    low = verdict.cycle_index - CYCLES_AROUND
    high = verdict.cycle_index + CYCLES_AROUND
    by_cycle: dict[int, list[tuple[Job, JobVerdict]]] = {}
    for row in jobs:
        row_verdict = verdicts.get(row.job_id)
        if row_verdict is None or not low <= row_verdict.cycle_index <= high:
            continue
        by_cycle.setdefault(row_verdict.cycle_index, []).append((row, row_verdict))
    return [
        CycleJobs(index, rows, index == verdict.cycle_index)
        for index, rows in sorted(by_cycle.items())
    ]


def explain_disagreement(
    verdict: JobVerdict,
    on_copy: JobOnCopy,
    settings: RetentionSettings,
    engine: EngineSettings,
) -> Disagreement:
    """Describe how the CommServe's date differs from ours and what may cause it."""
    computed = verdict.retain_until
    reported = on_copy.retain_until
    tolerance_days = engine.disagreement_tolerance_days
    tolerance = f"{tolerance_days:g} day{'' if tolerance_days == 1 else 's'}"

    if on_copy.retain_infinite:
        summary = "The CommServe keeps the job forever, but the rules here date it."
        return Disagreement(None, summary, _infinite_causes(on_copy))
    if computed is None or reported is None:
        summary = (
            "The CommServe dates the job, but the rules here give no date "
            f"({REASON_LABELS[verdict.reason]})."
        )
        return Disagreement(None, summary, _undated_causes(verdict, settings))

    difference = days_between(reported, computed)
    direction = "later" if difference > 0 else "earlier"
    summary = (
        f"The CommServe's date is {abs(difference):.1f} days {direction} than the "
        f"computed one (tolerance {tolerance})."
    )
    if difference > 0:
        causes = _later_causes(verdict, on_copy, settings)
    else:
        causes = _earlier_causes(verdict, settings)
    if abs(difference) < 2:
        causes.append(
            "A difference of about a day can come from the data aging time or the "
            "CommServe's time zone, which the retention settings set."
        )
    return Disagreement(difference, summary, causes)


def _infinite_causes(on_copy: JobOnCopy) -> list[str]:
    stated = on_copy.retention_reason or on_copy.retained_by_text
    causes = [f'The CommServe gives the reason "{stated}".'] if stated else []
    if on_copy.retained_by == JobOnCopy.RetainedBy.EXTENDED:
        causes.append(
            "An extended retention rule with infinite retention keeps the job, and "
            "the collected rule of this copy does not show it."
        )
        return causes
    causes.append(
        "Data aging may have been disabled on the client or the copy after the last "
        "collection."
    )
    causes.append(
        "A user may have set infinite manual retention after the copy's job list "
        "was read, or a hold that the collection does not read keeps the job."
    )
    return causes


def _undated_causes(verdict: JobVerdict, settings: RetentionSettings) -> list[str]:
    causes = []
    if verdict.reason is Reason.BASIC_CYCLES:
        causes.append(
            "The CommServe may count cycles differently: it may count a full that is "
            "not counted here, for example one older than the collected job history "
            "or one that completed with errors."
        )
        if not settings.days_only_retention:
            causes.append(
                "Days-only retention (EnableDaysOnlyRetention) may be on at the "
                "CommServe while it is off in the retention settings here."
            )
    elif verdict.reason is Reason.WAITING_AUX_COPY:
        causes.append(
            "The CommServe gives the date the rules are met and does not count the "
            "wait for the auxiliary copy in it."
        )
    else:
        causes.append(
            "The copy's data aging switch or retention may have changed since the "
            "last collection."
        )
    return causes


def _later_causes(
    verdict: JobVerdict, on_copy: JobOnCopy, settings: RetentionSettings
) -> list[str]:
    causes = []
    if (
        on_copy.retained_by == JobOnCopy.RetainedBy.USER
        and verdict.reason is not Reason.MANUAL_RETENTION
    ):
        causes.append(
            "The CommServe says a user retains the job (manual retention), which "
            "was set or changed after the copy's job list was read."
        )
    if (
        on_copy.retained_by == JobOnCopy.RetainedBy.EXTENDED
        and verdict.reason is not Reason.EXTENDED_RETENTION
    ):
        causes.append(
            "The CommServe keeps the job for extended retention, which the collected "
            "rule of this copy does not select it for (grace days or a changed rule)."
        )
    if settings.days_only_retention:
        causes.append(
            "Days-only retention is on in the retention settings here; if it is off "
            "at the CommServe, cycles keep the job longer there."
        )
    causes.append(
        "The CommServe may count fewer fulls as the start of a cycle, for example "
        "fulls that completed with errors on some database agents (setting: fulls "
        "with errors start a cycle)."
    )
    return causes


def _earlier_causes(verdict: JobVerdict, settings: RetentionSettings) -> list[str]:
    causes = []
    if not settings.days_only_retention and verdict.reason is Reason.BASIC_CYCLES:
        causes.append(
            "Days-only retention (EnableDaysOnlyRetention) may be on at the CommServe "
            "while it is off in the retention settings here."
        )
    if verdict.reason is Reason.MANUAL_RETENTION:
        causes.append(
            "Manual retention may have been removed or shortened after the copy's "
            "job list was read."
        )
    if verdict.reason is Reason.EXTENDED_RETENTION:
        causes.append(
            "The CommServe may not select this full for extended retention, for "
            "example because it counts weeks or periods from another day."
        )
    causes.append(
        "The CommServe may count a full that is not counted here as the start of a "
        "cycle, for example one older than the collected job history."
    )
    return causes
