"""Input checks: clean one chain's jobs and the copy's retention, collecting notes.

Nothing here raises on bad data. Each problem becomes a DataQualityNote that names
the object and the value, and the engine either analyses the rest or skips the part
it cannot date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from .inputs import INFINITE_DAYS, CopyRetention, JobRecord, Level, Outcome
from .results import DataQualityNote

_LEVELS = {level.value: level for level in Level}
_OUTCOMES = {outcome.value: outcome for outcome in Outcome}


def retention_notes(retention: CopyRetention) -> list[DataQualityNote]:
    """Return the problems that stop the copy's retention from being analysed.

    An empty list means the basic days and cycles are usable.
    """
    subject = f"copy {retention.copy_name!r}" if retention.copy_name else "copy"
    notes = []
    if retention.days < INFINITE_DAYS:
        notes.append(
            DataQualityNote(
                subject,
                f"days={retention.days}",
                f"Retention days {retention.days} is invalid: expected 0 or more, "
                "or -1 for infinite. No retain-until dates were computed for this copy.",
            )
        )
    if retention.cycles < 0:
        notes.append(
            DataQualityNote(
                subject,
                f"cycles={retention.cycles}",
                f"Retention cycles {retention.cycles} is invalid: expected 0 or more "
                "(0 means days-only). No retain-until dates were computed for this copy.",
            )
        )
    return notes


def clean_jobs(
    jobs: Iterable[JobRecord],
    chain_key: str,
    now: datetime,
    notes: list[DataQualityNote],
) -> list[JobRecord]:
    """Return the usable jobs of one chain in start order, appending a note per problem.

    Duplicate ids keep the first row. Naive times are read as UTC. An end before the
    start or a missing end on a finished job is noted and the job is still analysed,
    because retention counts from the start time. Negative sizes count as 0 bytes.
    Unknown levels and outcomes become "other". Rows out of start order are sorted.
    Jobs that start after ``now`` are left out, so a past moment can be replayed.
    """
    seen: set[int] = set()
    cleaned: list[JobRecord] = []
    in_order = True
    later = 0

    for job in jobs:
        subject = f"job {job.job_id}"
        if job.job_id in seen:
            notes.append(
                DataQualityNote(
                    subject,
                    f"job_id={job.job_id}",
                    f"Job id {job.job_id} appears more than once in chain "
                    f"{chain_key!r}; only the first row is used.",
                )
            )
            continue
        seen.add(job.job_id)

        job = _fix_fields(job, subject, notes)
        if job.start > now:
            later += 1
            continue
        if cleaned and job.start < cleaned[-1].start:
            in_order = False
        cleaned.append(job)

    if not in_order:
        notes.append(
            DataQualityNote(
                f"chain {chain_key!r}",
                "order",
                "Jobs were not sorted by start time; the engine sorted them.",
            )
        )
        cleaned.sort(key=lambda item: item.start)
    if later:
        notes.append(
            DataQualityNote(
                f"chain {chain_key!r}",
                f"jobs_after_now={later}",
                f"{later} job(s) start after the evaluation time {now.isoformat()} "
                "and were left out.",
            )
        )
    return cleaned


def _fix_fields(
    job: JobRecord, subject: str, notes: list[DataQualityNote]
) -> JobRecord:
    changes: dict[str, object] = {}

    if job.start.tzinfo is None:
        changes["start"] = job.start.replace(tzinfo=UTC)
        notes.append(
            DataQualityNote(
                subject,
                f"start={job.start.isoformat()}",
                "Start time has no time zone; read as UTC.",
            )
        )
    if job.end is not None and job.end.tzinfo is None:
        changes["end"] = job.end.replace(tzinfo=UTC)

    start = changes.get("start", job.start)
    end = changes.get("end", job.end)
    if end is not None and end < start:  # type: ignore[operator]
        notes.append(
            DataQualityNote(
                subject,
                f"end={end.isoformat()}",  # type: ignore[union-attr]
                f"End time is before the start time {start.isoformat()}; "  # type: ignore[union-attr]
                "retention counts from the start time, so the job is still analysed.",
            )
        )

    level = _LEVELS.get(job.level)
    if level is None:
        notes.append(
            DataQualityNote(
                subject,
                f"level={job.level!r}",
                "Unknown backup level; treated as 'other'.",
            )
        )
        changes["level"] = Level.OTHER

    outcome = _OUTCOMES.get(job.outcome)
    if outcome is None:
        notes.append(
            DataQualityNote(
                subject,
                f"outcome={job.outcome!r}",
                "Unknown outcome; treated as 'other'.",
            )
        )
        outcome = Outcome.OTHER
        changes["outcome"] = outcome

    if end is None and outcome is not Outcome.RUNNING:
        notes.append(
            DataQualityNote(
                subject,
                "end=None",
                f"End time is missing on a job with outcome {outcome.value!r}; "
                "retention counts from the start time, so the job is still analysed.",
            )
        )
    if job.size_bytes < 0:
        notes.append(
            DataQualityNote(
                subject,
                f"size_bytes={job.size_bytes}",
                "Negative size; counted as 0 bytes.",
            )
        )
        changes["size_bytes"] = 0
    if not changes:
        return job
    return replace(job, **changes)  # type: ignore[arg-type]
