"""Parsers for the CommServe's configuration: CommServe, clients, plans, policies, copies.

Each parser is a pure function from decoded JSON to records. Parsers tolerate missing
optional keys and raise MalformedResponse only for a row without its id. Storage pools,
MediaAgents and DDBs are in `storage_parsers`, jobs in `job_parsers`.
"""

from collections.abc import Mapping
from typing import Any

import orjson

from .errors import MalformedResponse
from .records import (
    ActivityControlRecord,
    ClientRecord,
    CommServeInfo,
    CopyRecord,
    ExtendedRetentionRecord,
    PlanRecord,
    RetentionRecord,
    ScheduleRecord,
    StoragePolicyRecord,
)
from .values import (
    as_bool,
    as_int,
    as_list,
    as_str,
    dig,
    epoch_to_datetime,
    excerpt,
    mapping,
    positive_id,
)

# Bits of the classic extendedRetentionRule*.rule field (cvpysdk 11.44
# `StoragePolicyCopy.extended_retention_rules`).
EXTENDED_RULE_NAMES = {
    2: "all_fulls",
    4: "weekly_fulls",
    8: "monthly_fulls",
    16: "quarterly_fulls",
    32: "half_yearly_fulls",
    64: "yearly_fulls",
    262144: "hourly_fulls",
    524288: "daily_fulls",
}
EXTENDED_RULE_SLOTS = (
    (1, "extendedRetentionRuleOne", "firstExtendedRetentionRule"),
    (2, "extendedRetentionRuleTwo", "secondExtendedRetentionRule"),
    (3, "extendedRetentionRuleThree", "thirdExtendedRetentionRule"),
)
DATA_AGING_ACTIVITY = 16
# Job selection code of a copy that takes every job (`JobSelection.ALL_JOBS`).
ALL_JOBS_SELECTION = 0
# `copyType` of a synchronous copy, which copies every job whatever its rule code.
SYNCHRONOUS_COPY_TYPE = 1
PRIMARY_PRECEDENCE = 1


def require_id(row: Any, value: Any, what: str) -> int:
    """Return the row's id, or raise MalformedResponse naming the row."""
    number = positive_id(value)
    if number is None:
        raise MalformedResponse(
            f"{what} has no usable id, so it cannot be stored: {excerpt(row)}"
        )
    return number


def object_row(row: Any, what: str) -> Mapping[str, Any]:
    """Return `row` if it is a JSON object, or raise MalformedResponse."""
    if not isinstance(row, Mapping):
        raise MalformedResponse(f"{what} is not a JSON object: {excerpt(row)}")
    return row


def rows(payload: Any, key: str) -> list[Any]:
    return as_list(dig(payload, key))


def parse_commserve(payload: Mapping[str, Any]) -> CommServeInfo:
    """Parse GET /CommServ."""
    commcell = mapping(payload.get("commcell"))
    name = as_str(commcell.get("commCellName")) or as_str(payload.get("hostName"))
    version = as_str(payload.get("csVersionInfo")) or as_str(payload.get("releaseName"))
    if not version and as_int(payload.get("currentSPVersion")) is not None:
        version = f"11.{payload['currentSPVersion']}"
    time_zone = as_str(dig(payload, "csTimeZone", "TimeZoneName"))
    return CommServeInfo(
        name=name,
        cv_id=positive_id(commcell.get("commCellId")),
        version=version,
        time_zone=time_zone,
    )


def parse_client(row: Mapping[str, Any]) -> ClientRecord:
    """Parse one element of GET /Client `clientProperties` (list or detail)."""
    entity = dig(row, "client", "clientEntity") or {}
    cv_id = require_id(row, entity.get("clientId"), "Client")
    return ClientRecord(
        cv_id=cv_id,
        name=as_str(entity.get("clientName")),
        host_name=as_str(entity.get("hostName")),
        display_name=as_str(entity.get("displayName")),
        company=as_str(dig(entity, "entityInfo", "companyName")),
        os_name=as_str(dig(row, "client", "osInfo", "OsDisplayInfo", "OSName")),
        version=as_str(
            dig(row, "client", "versionInfo", "GalaxyRelease", "ReleaseString")
        )
        or as_str(dig(row, "client", "versionInfo", "version")),
        data_aging_enabled=_client_data_aging(row),
    )


def _client_data_aging(row: Mapping[str, Any]) -> bool | None:
    options = dig(row, "clientProps", "clientActivityControl", "activityControlOptions")
    for option in as_list(options):
        if as_int(dig(option, "activityType")) == DATA_AGING_ACTIVITY:
            return as_bool(option.get("enableActivityType"))
    return None


def parse_clients(payload: Mapping[str, Any]) -> list[ClientRecord]:
    """Parse GET /Client or GET /Client/{id}."""
    return [parse_client(row) for row in rows(payload, "clientProperties")]


def extended_rule_name(bits: int) -> str:
    return EXTENDED_RULE_NAMES.get(bits, f"rule_{bits}")


def parse_retention(copy: Mapping[str, Any]) -> RetentionRecord:
    """Parse a classic copy's `retentionRules` (days, cycles and extended rules)."""
    rules = mapping(copy.get("retentionRules"))
    flags = rules.get("retentionFlags")
    aging = as_bool(dig(flags, "enableDataAging"))

    extended = []
    for slot, classic_key, _ in EXTENDED_RULE_SLOTS:
        rule = rules.get(classic_key)
        bits = as_int(dig(rule, "rule"))
        if not as_bool(dig(rule, "isEnabled"), default=False) or not bits:
            continue
        extended.append(
            ExtendedRetentionRecord(
                slot=slot,
                rule=extended_rule_name(bits),
                end_days=_int_or(rule.get("endDays"), -1),
                grace_days=_int_or(rule.get("graceDays"), 0),
            )
        )

    return RetentionRecord(
        days=_int_or(rules.get("retainBackupDataForDays"), -1),
        cycles=_int_or(rules.get("retainBackupDataForCycles"), 0),
        data_aging_enabled=True if aging is None else aging,
        job_based_retention=bool(as_bool(dig(flags, "jobBasedRetention"))),
        extended=tuple(extended),
        data_aging_reported=aging is not None,
    )


def _int_or(value: Any, default: int) -> int:
    number = as_int(value)
    return default if number is None else number


def parse_copy(
    copy: Mapping[str, Any], storage_policy_cv_id: int | None = None
) -> CopyRecord:
    """Parse a classic copy: V2 policy detail, V2 copy detail or a /V2/Plan copy.

    `storage_policy_cv_id` is used when the copy itself does not name its policy.
    """
    copy = object_row(copy, "Storage policy copy")
    identity = mapping(copy.get("StoragePolicyCopy"))
    cv_id = require_id(copy, identity.get("copyId"), "Storage policy copy")
    policy_id = positive_id(identity.get("storagePolicyId")) or storage_policy_cv_id
    if policy_id is None:
        raise MalformedResponse(
            f"Storage policy copy {cv_id} does not name its storage policy: "
            f"{excerpt(copy)}"
        )

    pool = mapping(copy.get("storagePool"))
    global_policy = mapping(copy.get("useGlobalPolicy"))
    selection, invalid_selection = parse_job_selection(copy)
    return CopyRecord(
        cv_id=cv_id,
        name=as_str(identity.get("copyName")),
        storage_policy_cv_id=policy_id,
        retention=parse_retention(copy),
        copy_precedence=as_int(copy.get("copyPrecedence")),
        copy_type=as_int(copy.get("copyType")),
        is_default=bool(as_bool(copy.get("isDefault"))),
        is_snap_copy=bool(as_bool(copy.get("isSnapCopy"))),
        is_mirror_copy=bool(as_bool(copy.get("isMirrorCopy"))),
        active=bool(as_bool(copy.get("active"), default=True)),
        storage_type=as_int(copy.get("storageType")),
        dedup_enabled=bool(as_bool(dig(copy, "dedupeFlags", "enableDeduplication"))),
        worm=bool(as_bool(dig(copy, "copyFlags", "wormCopy")))
        or bool(as_int(copy.get("wormStorageFlag"))),
        override_pool_retention=bool(
            as_bool(dig(copy, "extendedFlags", "overRideGACPRetention"))
        ),
        source_copy_cv_id=positive_id(dig(copy, "sourceCopy", "copyId")),
        storage_pool_cv_id=positive_id(pool.get("storagePoolId"))
        or positive_id(global_policy.get("storagePolicyId")),
        storage_pool_name=as_str(pool.get("storagePoolName"))
        or as_str(global_policy.get("storagePolicyName")),
        library_name=as_str(dig(copy, "library", "libraryName")),
        job_selection=selection,
        invalid_job_selection=invalid_selection,
    )


def parse_job_selection(copy: Mapping[str, Any]) -> tuple[int | None, str]:
    """Parse a classic copy's `selectiveCopyRules.selectiveRule`.

    Returns the selection code and "", or None and the value as JSON when it is not
    a whole number of 0 or more. A primary or synchronous copy takes every job, and a
    copy without a rule (or rule 0) too, so these return ALL_JOBS_SELECTION.
    """
    precedence = as_int(copy.get("copyPrecedence"))
    if precedence == PRIMARY_PRECEDENCE:
        return ALL_JOBS_SELECTION, ""
    if as_int(copy.get("copyType")) == SYNCHRONOUS_COPY_TYPE:
        return ALL_JOBS_SELECTION, ""

    raw = dig(copy, "selectiveCopyRules", "selectiveRule")
    if raw is None:
        return ALL_JOBS_SELECTION, ""
    code = _selection_code(raw)
    if code is None:
        return None, excerpt(orjson.dumps(raw).decode())
    return code, ""


def _selection_code(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw >= 0 else None
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return None


def parse_copy_detail(payload: Mapping[str, Any]) -> CopyRecord:
    """Parse GET /V2/StoragePolicy/{id}/Copy/{copyId}."""
    return parse_copy(mapping(payload.get("copy")))


def parse_storage_policy_copies(
    payload: Mapping[str, Any], storage_policy_cv_id: int
) -> list[CopyRecord]:
    """Parse the copies of GET /V2/StoragePolicy/{id}?propertyLevel=10."""
    copies = []
    for policy in rows(payload, "policies"):
        policy_id = positive_id(dig(policy, "storagePolicy", "storagePolicyId"))
        for copy in as_list(dig(policy, "copies")):
            copies.append(parse_copy(copy, policy_id or storage_policy_cv_id))
    return copies


def parse_storage_policy(row: Mapping[str, Any]) -> StoragePolicyRecord:
    """Parse one policy of GET /V2/StoragePolicy or the flat legacy /StoragePolicy."""
    row = object_row(row, "Storage policy")
    identity = row.get("storagePolicy")
    if not isinstance(identity, Mapping):
        identity = row
    cv_id = require_id(row, identity.get("storagePolicyId"), "Storage policy")
    plan_ids = (positive_id(dig(plan, "planId")) for plan in as_list(row.get("plans")))
    return StoragePolicyRecord(
        cv_id=cv_id,
        name=as_str(identity.get("storagePolicyName")),
        policy_type=as_int(row.get("type")),
        number_of_copies=as_int(row.get("numberOfCopies")),
        number_of_streams=as_int(row.get("numberOfStreams")),
        plan_cv_ids=tuple(plan_id for plan_id in plan_ids if plan_id is not None),
    )


def parse_storage_policies(payload: Mapping[str, Any]) -> list[StoragePolicyRecord]:
    return [parse_storage_policy(row) for row in rows(payload, "policies")]


def parse_plan(row: Mapping[str, Any]) -> PlanRecord:
    """Parse one plan of the classic GET /Plan or GET /V2/Plan, with its copies."""
    row = object_row(row, "Plan")
    plan = mapping(row.get("plan"))
    cv_id = require_id(row, plan.get("planId"), "Plan")
    policy_id = positive_id(dig(row, "storage", "storagePolicy", "storagePolicyId"))
    copies = tuple(
        parse_copy(copy, policy_id) for copy in as_list(dig(row, "storage", "copy"))
    )
    plan_type = as_int(row.get("type"))
    subtype = as_int(row.get("subtype"))
    return PlanRecord(
        cv_id=cv_id,
        name=as_str(plan.get("planName")),
        plan_type=plan_type if plan_type is not None else as_int(plan.get("planType")),
        subtype=subtype if subtype is not None else as_int(plan.get("planSubtype")),
        rpo_minutes=as_int(row.get("rpoInMinutes")),
        status_flag=as_int(row.get("planStatusFlag")),
        number_of_copies=as_int(row.get("numCopies")),
        associated_entities=as_int(row.get("numAssocEntities")),
        description=as_str(row.get("description")),
        storage_policy_cv_id=policy_id,
        copies=copies,
    )


def parse_plans(payload: Mapping[str, Any]) -> list[PlanRecord]:
    return [parse_plan(row) for row in rows(payload, "plans")]


def parse_plan_summaries(payload: Mapping[str, Any]) -> list[PlanRecord]:
    """Parse GET /V4/Plan/Summary. It carries no storage policy and no copies."""
    plans = []
    for row in rows(payload, "plans"):
        row = object_row(row, "Plan")
        cv_id = require_id(row, dig(row, "plan", "id"), "Plan")
        plans.append(
            PlanRecord(
                cv_id=cv_id,
                name=as_str(dig(row, "plan", "name")),
                rpo_minutes=as_int(row.get("RPO")),
                number_of_copies=as_int(row.get("numberOfCopies")),
                associated_entities=as_int(row.get("associatedEntities")),
            )
        )
    return plans


def parse_v4_extended_rules(rules: Any) -> tuple[ExtendedRetentionRecord, ...]:
    """Parse V4/V5 `extendedRetentionRules` (first/second/third rule objects)."""
    extended = []
    for slot, _, v4_key in EXTENDED_RULE_SLOTS:
        rule = dig(rules, v4_key)
        kind = as_str(dig(rule, "type")).lower()
        if not kind:
            continue
        infinite = as_bool(rule.get("isInfiniteRetention"), default=False)
        days = -1 if infinite else _int_or(rule.get("retentionPeriodDays"), -1)
        extended.append(ExtendedRetentionRecord(slot=slot, rule=kind, end_days=days))
    return tuple(extended)


def parse_v4_retention(rules: Mapping[str, Any]) -> RetentionRecord:
    """Parse V4/V5 retention settings. These carry days only, never cycles."""
    aging = as_bool(rules.get("enableDataAging"))
    extended: tuple[ExtendedRetentionRecord, ...] = ()
    if as_bool(rules.get("useExtendedRetentionRules"), default=False):
        extended = parse_v4_extended_rules(rules.get("extendedRetentionRules"))
    rule_type = as_str(rules.get("retentionRuleType")).upper()
    return RetentionRecord(
        days=_int_or(rules.get("retentionPeriodDays"), -1),
        cycles=0,
        data_aging_enabled=True if aging is None else aging,
        job_based_retention=rule_type == "SNAP_RECOVERY_POINTS",
        extended=extended,
        cycles_reported=False,
        data_aging_reported=aging is not None,
    )


def parse_plan_destination(
    destination: Mapping[str, Any], storage_policy_cv_id: int
) -> CopyRecord:
    """Parse one `backupDestinations` element of GET /V4/ServerPlan/{id}."""
    destination = object_row(destination, "Plan backup destination")
    identity = mapping(destination.get("planBackupDestination"))
    cv_id = require_id(destination, identity.get("id"), "Plan backup destination")
    return CopyRecord(
        cv_id=cv_id,
        name=as_str(identity.get("name")),
        storage_policy_cv_id=storage_policy_cv_id,
        retention=parse_v4_retention(destination),
        copy_precedence=as_int(destination.get("copyPrecedence")),
        is_default=bool(as_bool(destination.get("isDefault"))),
        is_snap_copy=bool(as_bool(destination.get("isSnapCopy"))),
        is_mirror_copy=bool(as_bool(destination.get("isMirrorCopy"))),
        worm=bool(as_int(dig(destination, "storagePool", "wormStoragePoolFlag"))),
        override_pool_retention=bool(
            as_bool(destination.get("overrideRetentionSettings"))
        ),
        source_copy_cv_id=positive_id(dig(destination, "sourceCopy", "id")),
        storage_pool_cv_id=positive_id(dig(destination, "storagePool", "id")),
        storage_pool_name=as_str(dig(destination, "storagePool", "name")),
    )


def parse_server_plan(
    payload: Mapping[str, Any], storage_policy_cv_id: int
) -> PlanRecord:
    """Parse GET /V4/ServerPlan/{id}.

    The V4 shape does not name the plan's storage policy, so the caller passes it
    (from GET /V2/Plan).
    """
    cv_id = require_id(payload, dig(payload, "plan", "id"), "Server plan")
    destinations = as_list(payload.get("backupDestinations"))
    copies = tuple(
        parse_plan_destination(destination, storage_policy_cv_id)
        for destination in destinations
    )
    return PlanRecord(
        cv_id=cv_id,
        name=as_str(dig(payload, "plan", "name")),
        rpo_minutes=as_int(dig(payload, "additionalProperties", "RPO")),
        number_of_copies=len(copies),
        storage_policy_cv_id=storage_policy_cv_id,
        copies=copies,
    )


def parse_backup_destination(
    payload: Mapping[str, Any], storage_policy_cv_id: int
) -> CopyRecord:
    """Parse GET /V5/ServerPlan/{planId}/BackupDestination/{id}."""
    identity = mapping(payload.get("planBackupDestination"))
    cv_id = require_id(payload, identity.get("id"), "Plan backup destination")
    general = mapping(payload.get("general"))
    rules = mapping(payload.get("retentionRules"))
    return CopyRecord(
        cv_id=cv_id,
        name=as_str(identity.get("name")),
        storage_policy_cv_id=storage_policy_cv_id,
        retention=parse_v4_retention(rules),
        copy_precedence=as_int(general.get("copyPrecedence")),
        is_default=bool(as_bool(general.get("isDefault"))),
        is_snap_copy=bool(as_bool(general.get("isSnapCopy"))),
        is_mirror_copy=bool(as_bool(general.get("isMirrorCopy"))),
        active=bool(as_bool(general.get("isActive"), default=True)),
        worm=bool(as_int(dig(general, "storage", "wormStoragePoolFlag"))),
        override_pool_retention=bool(as_bool(rules.get("overrideRetentionSettings"))),
        source_copy_cv_id=positive_id(dig(general, "source", "id")),
        storage_pool_cv_id=positive_id(dig(general, "storage", "id")),
        storage_pool_name=as_str(dig(general, "storage", "name")),
    )


def parse_activity_control(payload: Mapping[str, Any]) -> list[ActivityControlRecord]:
    """Parse GET /V4/CommCell/ActivityControl. Rows without a type are skipped."""
    switches = []
    for row in rows(payload, "acObjects"):
        if not isinstance(row, Mapping):
            continue
        activity_type = as_int(dig(row, "activityType"))
        if activity_type is None:
            continue
        switches.append(
            ActivityControlRecord(
                activity_type=activity_type,
                enabled=bool(as_bool(row.get("enabled"), default=True)),
                re_enable_at=epoch_to_datetime(row.get("reEnableTime")),
            )
        )
    return switches


def parse_schedule_task(task_detail: Mapping[str, Any]) -> list[ScheduleRecord]:
    """Parse one task (`task` plus `subTasks`) into one record per subtask."""
    task_detail = object_row(task_detail, "Schedule task")
    task = mapping(task_detail.get("task"))
    task_id = require_id(task_detail, task.get("taskId"), "Schedule task")
    schedules = []
    for sub_task in as_list(task_detail.get("subTasks")):
        sub_task = mapping(sub_task)
        pattern = mapping(sub_task.get("pattern"))
        schedules.append(
            ScheduleRecord(
                task_cv_id=task_id,
                task_name=as_str(task.get("taskName")),
                task_disabled=bool(as_bool(dig(task, "taskFlags", "disabled"))),
                sub_task_cv_id=positive_id(dig(sub_task, "subTask", "subTaskId")),
                sub_task_name=as_str(dig(sub_task, "subTask", "subTaskName")),
                operation_type=as_int(dig(sub_task, "subTask", "operationType")),
                backup_level=as_str(
                    dig(sub_task, "options", "backupOpts", "backupLevel")
                ).upper(),
                freq_type=as_int(pattern.get("freq_type")),
                freq_interval=as_int(pattern.get("freq_interval")),
                freq_recurrence_factor=as_int(pattern.get("freq_recurrence_factor")),
                start_seconds=as_int(pattern.get("active_start_time")),
                description=as_str(pattern.get("description")),
            )
        )
    return schedules


def parse_schedules(payload: Mapping[str, Any]) -> list[ScheduleRecord]:
    """Parse GET /Schedules (`taskDetail`) or GET /SchedulePolicy/{id} (`taskInfo`)."""
    tasks = rows(payload, "taskDetail") or as_list(payload.get("taskInfo"))
    schedules = []
    for task_detail in tasks:
        schedules.extend(parse_schedule_task(task_detail))
    return schedules
