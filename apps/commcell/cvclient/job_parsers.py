"""Parsers for jobs: the job list, job details, jobs on a copy and per-copy retention.

Levels and outcomes map onto the values of apps.commcell.models.Job.Level and
Job.Outcome. Status texts match case-insensitively, and an unknown one is "other".
"""

import re
from collections.abc import Mapping
from typing import Any

from .errors import MalformedResponse
from .parsers import object_row, require_id, rows
from .records import CopyJobRecord, JobCopyRetentionRecord, JobRecord
from .values import (
    as_bool,
    as_float,
    as_int,
    as_list,
    as_str,
    dig,
    epoch_to_datetime,
    excerpt,
    mapping,
    positive_id,
    size_or_none,
)

# backupLevelName with case, spaces, underscores and hyphens removed.
LEVEL_BY_NAME = {
    "full": "full",
    "incremental": "incremental",
    "differential": "differential",
    "syntheticfull": "synthetic_full",
}
# Numeric backupLevel (Commvault OpenAPI 3 spec, `backupLvl` parameter).
LEVEL_BY_NUMBER = {1: "full", 2: "incremental", 4: "differential", 64: "synthetic_full"}
OUTCOME_BY_STATUS = {
    "completed": "completed",
    "completed w/ one or more errors": "completed_errors",
    "completed w/ one or more warnings": "completed_warnings",
    "failed": "failed",
    "failed to start": "failed",
    "killed": "killed",
    "running": "running",
}
# jobType or localizedOperationName of the daily Data Aging job, in lower case. The
# name is the one the Commvault job history shows; no public API sample confirms it.
DATA_AGING_NAME = "data aging"
_NAME_SEPARATORS = re.compile(r"[\s_-]+")


def job_level(name: Any, number: Any) -> str:
    """Map a level name ("Synthetic Full", "SyntheticFull"…) or number to Job.Level."""
    key = _NAME_SEPARATORS.sub("", as_str(name).lower())
    if key in LEVEL_BY_NAME:
        return LEVEL_BY_NAME[key]
    return LEVEL_BY_NUMBER.get(as_int(number) or 0, "other")


def job_outcome(status: Any) -> str:
    """Map a status text such as "Completed w/ one or more errors" to Job.Outcome."""
    text = " ".join(as_str(status).lower().split())
    if text in OUTCOME_BY_STATUS:
        return OUTCOME_BY_STATUS[text]
    if text.startswith("completed w/"):
        if "error" in text:
            return "completed_errors"
        if "warning" in text:
            return "completed_warnings"
    return "other"


def is_visible(row: Any) -> bool:
    """False only for a GET /Job row whose jobSummary.isVisible is false."""
    summary = mapping(row).get("jobSummary", row)
    return as_bool(dig(summary, "isVisible"), default=True) is not False


def job_row_id(row: Any) -> int | None:
    """Return the job id of a GET /Job row, or None when it has none."""
    summary = mapping(row).get("jobSummary", row)
    return positive_id(dig(summary, "jobId"))


def parse_job(row: Mapping[str, Any]) -> JobRecord | None:
    """Parse one GET /Job or GET /Job/{id} row (`{"jobSummary": {...}}`).

    Returns None for a row that cannot be stored as a job: one hidden by
    `isVisible: false`, or one that has not started (no jobStartTime).
    """
    row = object_row(row, "Job")
    summary = object_row(row.get("jobSummary", row), "Job summary")
    job_id = require_id(row, summary.get("jobId"), "Job")
    start_time = epoch_to_datetime(summary.get("jobStartTime"))
    if not is_visible(row) or start_time is None:
        return None

    level_name = as_str(summary.get("backupLevelName")) or as_str(
        summary.get("localizedBackupLevelName")
    )
    status = as_str(summary.get("status")) or as_str(summary.get("localizedStatus"))
    subclient = mapping(summary.get("subclient"))
    return JobRecord(
        job_id=job_id,
        job_type=as_str(summary.get("jobType"))
        or as_str(summary.get("localizedOperationName")),
        level=job_level(level_name, summary.get("backupLevel")),
        level_name=level_name,
        status=status,
        outcome=job_outcome(status),
        start_time=start_time,
        end_time=epoch_to_datetime(summary.get("jobEndTime")),
        client_cv_id=positive_id(subclient.get("clientId")),
        client_name=as_str(subclient.get("clientName"))
        or as_str(summary.get("destClientName")),
        storage_policy_name=as_str(dig(summary, "storagePolicy", "storagePolicyName")),
        subclient_cv_id=positive_id(subclient.get("subclientId")),
        subclient_name=as_str(subclient.get("subclientName"))
        or as_str(summary.get("subclientName")),
        app_type=as_str(summary.get("appTypeName")) or as_str(subclient.get("appName")),
        application_bytes=size_or_none(summary.get("sizeOfApplication")),
        media_bytes=size_or_none(summary.get("sizeOfMediaOnDisk")),
        percent_savings=as_float(summary.get("percentSavings")),
        is_aged=bool(as_bool(summary.get("isAged"))),
        operation_name=as_str(summary.get("localizedOperationName")),
        total_files=size_or_none(summary.get("totalNumOfFiles")),
    )


def is_data_aging(job: JobRecord) -> bool:
    """True for a Data Aging job, named so by its jobType or its operation name."""
    names = (job.job_type, job.operation_name)
    return any(" ".join(name.lower().split()) == DATA_AGING_NAME for name in names)


def parse_jobs(payload: Mapping[str, Any]) -> list[JobRecord]:
    """Parse the rows of one GET /Job response, leaving out rows parse_job skips."""
    jobs = (parse_job(row) for row in rows(payload, "jobs"))
    return [job for job in jobs if job is not None]


def parse_job_details(payload: Mapping[str, Any]) -> JobRecord | None:
    """Parse POST /JobDetails. Returns None for a job that has not started."""
    detail = mapping(dig(payload, "job", "jobDetail"))
    general = mapping(detail.get("generalInfo"))
    info = mapping(detail.get("detailInfo"))
    job_id = require_id(detail, general.get("jobId"), "Job detail")
    start_time = epoch_to_datetime(info.get("startTime", general.get("startTime")))
    if start_time is None:
        return None

    level_name = as_str(general.get("backupType"))
    status = as_str(dig(detail, "progressInfo", "state"))
    subclient = mapping(general.get("subclient"))
    return JobRecord(
        job_id=job_id,
        job_type=as_str(general.get("operationType")),
        level=job_level(level_name, None),
        level_name=level_name,
        status=status,
        outcome=job_outcome(status),
        start_time=start_time,
        end_time=epoch_to_datetime(info.get("endTime")),
        client_cv_id=positive_id(subclient.get("clientId")),
        client_name=as_str(subclient.get("clientName")),
        subclient_cv_id=positive_id(subclient.get("subclientId")),
        subclient_name=as_str(subclient.get("subclientName")),
        app_type=as_str(subclient.get("appName")),
        application_bytes=size_or_none(info.get("sizeOfApplication")),
        media_bytes=size_or_none(info.get("sizeOfMediaOnDisk")),
        percent_savings=as_float(info.get("savingsPercent")),
    )


def _job_ids(value: Any) -> tuple[int, ...]:
    """Parse a comma list of job ids such as "900155,900160"."""
    parts = as_str(value).split(",") if isinstance(value, str) else as_list(value)
    ids = (positive_id(part) for part in parts)
    return tuple(job_id for job_id in ids if job_id is not None)


def _epoch_field(row: Mapping[str, Any], key: str, job_id: int) -> int:
    """Return an epoch field of a job on a copy; a missing one is 0.

    Raises MalformedResponse naming the job and the value when it is not a number.
    """
    value = row.get(key)
    if value is None or value == "":
        return 0
    number = as_int(value)
    if number is None or isinstance(value, bool):
        raise MalformedResponse(
            f"job {job_id} has {key} {excerpt(value)!r}, which is not Unix seconds."
        )
    return number


def parse_copy_job(row: Mapping[str, Any]) -> CopyJobRecord:
    """Parse one job of GET /V4/Plan/BackupDestination/{copyId}/Jobs.

    Its `jobType` is the backup level name ("Full"), not the operation. retainUntil
    -1 is read as "kept forever" and 0 as "no date yet", as the bundled simulator
    sends them.
    """
    # NOTE: which retainUntil value a CommServe sends for infinite retention (-1 or
    # 0) is unverified; a live CommServe may send 0 for it.
    row = object_row(row, "Job on copy")
    job_id = require_id(row, row.get("jobId"), "Job on copy")
    retain_until = _epoch_field(row, "retainUntil", job_id)
    copied_time = _epoch_field(row, "copiedTime", job_id)
    level_name = as_str(row.get("jobType"))
    status = as_str(row.get("status"))
    return CopyJobRecord(
        job_id=job_id,
        level=job_level(level_name, None),
        level_name=level_name,
        status=status,
        outcome=job_outcome(status),
        start_time=epoch_to_datetime(row.get("startTime")),
        end_time=epoch_to_datetime(row.get("endTime")),
        client_cv_id=positive_id(dig(row, "server", "id")),
        client_name=as_str(dig(row, "server", "name")),
        subclient_cv_id=positive_id(dig(row, "subClient", "id")),
        subclient_name=as_str(dig(row, "subClient", "name")),
        application_bytes=size_or_none(row.get("sizeOfApplication")),
        data_written_bytes=size_or_none(row.get("dataWritten")),
        retain_until=epoch_to_datetime(retain_until),
        retain_infinite=retain_until < 0,
        retained_by=as_int(row.get("retainedBy")),
        retained_by_name=as_str(row.get("strRetainedBy")),
        retention_reason=as_str(row.get("retentionReason")),
        is_aged=bool(as_bool(row.get("isAged"))),
        is_soft_aged=bool(as_bool(row.get("isSoftAged"))),
        parent_job_id=positive_id(row.get("parentJobId")),
        required_by_job_ids=_job_ids(row.get("requiredByJobs")),
        copied_time=epoch_to_datetime(copied_time),
    )


def parse_copy_jobs(payload: Mapping[str, Any]) -> list[CopyJobRecord]:
    return [parse_copy_job(row) for row in rows(payload, "jobs")]


def parse_job_retention(payload: Mapping[str, Any]) -> list[JobCopyRetentionRecord]:
    """Parse GET /Job/{id}/AdvancedDetails?infoType=1 into one row per copy."""
    retention = []
    policies = as_list(dig(payload, "jobRetention", "storagePolicyRetentionInfoList"))
    for policy in policies:
        policy_id = require_id(
            policy, dig(policy, "storagePolicyId"), "Job retention policy"
        )
        for row in as_list(dig(policy, "copyRetentionInfoList")):
            copy_id = require_id(row, dig(row, "storagePolicyCopyId"), "Job retention")
            # NOTE: `retentionDays` contains an epoch-like value in the only public example
            # (a third-party test stub), so it is read as the retain-until time. This is
            # unverified against a live CommServe.
            retention.append(
                JobCopyRetentionRecord(
                    storage_policy_cv_id=policy_id,
                    copy_cv_id=copy_id,
                    retain_until=epoch_to_datetime(row.get("retentionDays")),
                )
            )
    return retention
