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
