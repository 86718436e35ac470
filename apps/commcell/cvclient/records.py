"""Parsed CommServe objects, independent of the API version that returned them.

Parsers fill these from the classic, V2 and V4 shapes; the collector stores them. Sizes
are in the unit named by the field; times are timezone-aware UTC datetimes.
"""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CommServeInfo:
    name: str
    cv_id: int | None
    version: str
    time_zone: str = ""


@dataclass(frozen=True, slots=True)
class ClientRecord:
    cv_id: int
    name: str
    host_name: str = ""
    display_name: str = ""
    company: str = ""
    # Filled only from the client detail (GET /Client/{id}), not from the list.
    os_name: str = ""
    version: str = ""
    # False when the client's data aging activity (activityType 16) is disabled.
    data_aging_enabled: bool | None = None


@dataclass(frozen=True, slots=True)
class ExtendedRetentionRecord:
    slot: int  # 1, 2 or 3 (extendedRetentionRuleOne/Two/Three)
    rule: str  # for example "monthly_fulls"; "rule_<bits>" when the bits are unknown
    end_days: int  # -1 means infinite
    grace_days: int = 0


@dataclass(frozen=True, slots=True)
class RetentionRecord:
    days: int  # -1 means infinite
    cycles: int  # 0 means days-only retention
    data_aging_enabled: bool
    job_based_retention: bool = False
    extended: tuple[ExtendedRetentionRecord, ...] = ()
    # V4/V5 plan shapes carry days only, so cycles is 0 there without meaning days-only.
    cycles_reported: bool = True
    # Some shapes omit retentionFlags; data_aging_enabled is then True by assumption.
    data_aging_reported: bool = True


@dataclass(frozen=True, slots=True)
class CopyRecord:
    cv_id: int
    name: str
    storage_policy_cv_id: int
    retention: RetentionRecord
    copy_precedence: int | None = None
    copy_type: int | None = None
    is_default: bool = False
    is_snap_copy: bool = False
    is_mirror_copy: bool = False
    active: bool = True
    storage_type: int | None = None
    dedup_enabled: bool = False
    worm: bool = False
    override_pool_retention: bool = False
    source_copy_cv_id: int | None = None
    storage_pool_cv_id: int | None = None
    storage_pool_name: str = ""
    library_name: str = ""
    # None when the copy sent no usable selection; `invalid_job_selection` then
    # contains the value it sent, as JSON, or is empty when it sent none.
    job_selection: int | None = None
    invalid_job_selection: str = ""


@dataclass(frozen=True, slots=True)
class StoragePolicyRecord:
    cv_id: int
    name: str
    policy_type: int | None = None
    number_of_copies: int | None = None
    number_of_streams: int | None = None
    plan_cv_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanRecord:
    cv_id: int
    name: str
    plan_type: int | None = None
    subtype: int | None = None
    rpo_minutes: int | None = None
    status_flag: int | None = None
    number_of_copies: int | None = None
    associated_entities: int | None = None
    description: str = ""
    storage_policy_cv_id: int | None = None
    # Copies as the plan list reports them (with retention), when it does.
    copies: tuple[CopyRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class StoragePoolRecord:
    cv_id: int
    name: str
    storage_type: int | None = None
    pool_type: int | None = None
    storage_policy_cv_id: int | None = None
    status: str = ""
    status_code: int | None = None
    online: bool = True
    # Megabytes; None when not reported (cloud pools report -1).
    total_capacity_mb: int | None = None
    free_space_mb: int | None = None
    size_on_disk_mb: int | None = None
    worm_flags: int = 0
    retention_days: int | None = None
    number_of_nodes: int | None = None
    # DDB stores of the pool; only the pool detail (GET /StoragePool/{id}) lists them.
    ddb_store_cv_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class MediaAgentRecord:
    cv_id: int
    name: str
    display_name: str = ""
    online: bool | None = None  # None when the list carries no status
    status_text: str = ""
    offline_reason_code: int | None = None
    offline_reason: str = ""
    os_name: str = ""
    version: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class DDBPartitionRecord:
    cv_id: int
    path: str = ""
    media_agent_cv_id: int | None = None
    media_agent_name: str = ""
    status: int | None = None


@dataclass(frozen=True, slots=True)
class DDBStoreRecord:
    cv_id: int
    name: str
    storage_policy_cv_id: int | None = None
    storage_policy_name: str = ""
    copy_cv_id: int | None = None
    copy_name: str = ""
    sealed_at: datetime | None = None
    status: int | None = None
    ddb_version: int | None = None
    store_flags: int = 0
    pruning_enabled: bool = True
    primary_records: int | None = None
    free_disk_space_mb: int | None = None
    pending_deletes: int | None = None
    partitions_offline: int | None = None
    last_backup_at: datetime | None = None
    partitions: tuple[DDBPartitionRecord, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class JobRecord:
    job_id: int
    job_type: str
    level: str  # one of apps.commcell.models.Job.Level values
    level_name: str
    status: str
    outcome: str  # one of apps.commcell.models.Job.Outcome values
    start_time: datetime
    end_time: datetime | None = None
    client_cv_id: int | None = None
    client_name: str = ""
    storage_policy_name: str = ""
    subclient_cv_id: int | None = None
    subclient_name: str = ""
    app_type: str = ""
    application_bytes: int | None = None
    media_bytes: int | None = None
    percent_savings: float | None = None
    is_aged: bool = False
    operation_name: str = ""  # localizedOperationName, e.g. "Data Aging"
    total_files: int | None = None  # totalNumOfFiles


@dataclass(frozen=True, slots=True)
class DDBUsageRecord:
    """Totals over the partitions that GET /DDBInformation/{storeId} returns."""

    partition_count: int
    primary_records: int | None = None  # sum of maxSIDBPrimaryRecords
    free_disk_space_mb: int | None = None  # the smallest freeDiskSpaceMB
    # Sum of pendingDeletes; None unless every partition reports it.
    pending_deletes: int | None = None
    # Partitions whose offlineReason is not 0; None when no partition reports it.
    partitions_offline: int | None = None
    last_backup_at: datetime | None = None  # the oldest lastSnapTime


@dataclass(frozen=True, slots=True)
class JobPage:
    """One page of GET /Job: the visible jobs and where the page sits in the list."""

    jobs: list[JobRecord]
    offset: int
    total: int  # totalRecordsWithoutPaging of this page's response


@dataclass(frozen=True, slots=True)
class CopyJobRecord:
    """A job on one storage policy copy, with the reason the copy still retains it."""

    job_id: int
    level: str  # one of apps.commcell.models.Job.Level values
    level_name: str
    status: str
    outcome: str  # one of apps.commcell.models.Job.Outcome values
    start_time: datetime | None = None
    end_time: datetime | None = None
    client_cv_id: int | None = None
    client_name: str = ""
    subclient_cv_id: int | None = None
    subclient_name: str = ""
    application_bytes: int | None = None
    data_written_bytes: int | None = None
    retain_until: datetime | None = None
    # retainUntil -1: the copy keeps the job forever (retain_until is then None).
    retain_infinite: bool = False
    retained_by: int | None = None
    retained_by_name: str = ""  # strRetainedBy, e.g. "Extended Retention"
    retention_reason: str = ""
    is_aged: bool = False
    is_soft_aged: bool = False
    parent_job_id: int | None = None
    required_by_job_ids: tuple[int, ...] = ()
    # None while the job waits to be copied (copiedTime 0).
    copied_time: datetime | None = None


@dataclass(frozen=True, slots=True)
class CopyJobPage:
    """One page of a copy's job list and where it sits in the list."""

    jobs: list[CopyJobRecord]
    offset: int
    total: int  # totalRecordsWithoutPaging of this page's response


@dataclass(frozen=True, slots=True)
class JobCopyRetentionRecord:
    """One row of a job's per-copy retention (GET /Job/{id}/AdvancedDetails)."""

    storage_policy_cv_id: int
    copy_cv_id: int
    retain_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class PoolCopyRecord:
    """A plan copy that writes to a storage pool (GET /V4/Storage/{id}/associatedCopies)."""

    copy_cv_id: int
    copy_name: str = ""
    plan_cv_id: int | None = None
    plan_name: str = ""
    retention_days: int | None = None  # -1 means infinite
    extended: tuple[ExtendedRetentionRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class ScheduleRecord:
    """One subtask of a schedule or schedule policy, with its pattern."""

    task_cv_id: int
    task_name: str = ""
    task_disabled: bool = False
    sub_task_cv_id: int | None = None
    sub_task_name: str = ""
    operation_type: int | None = None  # 2 backup, 4018 data aging
    backup_level: str = ""  # upper case, e.g. "FULL", "INCREMENTAL"
    freq_type: int | None = None  # 4 daily, 8 weekly, 16 monthly, 1024 automatic
    freq_interval: int | None = None  # weekly: day bitmask, Sunday 1 to Saturday 64
    freq_recurrence_factor: int | None = None
    start_seconds: int | None = None  # seconds after midnight
    description: str = ""


@dataclass(frozen=True, slots=True)
class ActivityControlRecord:
    """A CommCell-wide activity switch (16 is data aging, 512 DDB activity)."""

    activity_type: int
    enabled: bool
    re_enable_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CreateTaskResult:
    """The task and jobs that POST /CreateTask started."""

    task_id: int | None = None
    job_ids: tuple[int, ...] = ()
