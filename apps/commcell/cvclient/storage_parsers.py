"""Parsers for storage: storage pools, MediaAgents and deduplication databases (DDBs).

Sizes of pools are megabytes. A pool whose capacity or free space is -1 (cloud pools)
gets None: "capacity not reported".
"""

from collections.abc import Iterable, Mapping
from typing import Any

from .parsers import (
    object_row,
    parse_v4_extended_rules,
    require_id,
    rows,
)
from .records import (
    DDBPartitionRecord,
    DDBStoreRecord,
    DDBUsageRecord,
    MediaAgentRecord,
    PoolCopyRecord,
    StoragePoolRecord,
)
from .values import (
    as_bool,
    as_int,
    as_list,
    as_str,
    dig,
    epoch_to_datetime,
    mapping,
    positive_id,
    size_or_none,
)

# storeFlags bit that is set while the DDB store may prune (cvpysdk 11.44 `StoreFlags`).
STORE_FLAG_PRUNING_ENABLED = 536870912

# V4 list keys and V4 pool type names, mapped to the classic storageType and
# storagePoolType numbers that apps.storage.models.StoragePool stores.
V4_STORAGE_LIST_TYPES = {
    "diskStorage": 1,
    "cloudStorage": 2,
    "hyperScaleStorage": 3,
    "tapeStorage": 4,
}
V4_POOL_TYPES = {
    "DEDUPLICATION": 1,
    "SECONDARY_COPY": 2,
    "NON_DEDUPLICATION": 3,
    "SCALE_OUT": 4,
}
V4_MEDIA_AGENT_ONLINE = {"ONLINE": True, "OFFLINE": False, "MAINTENANCE": False}


def pool_online(status: str) -> bool:
    """Return False when the pool status text starts with "Offline", else True."""
    return not status.strip().lower().startswith("offline")


def parse_storage_pool(row: Mapping[str, Any]) -> StoragePoolRecord:
    """Parse one element of GET /StoragePool `storagePoolList`."""
    row = object_row(row, "Storage pool")
    entity = mapping(row.get("storagePoolEntity"))
    cv_id = require_id(row, entity.get("storagePoolId"), "Storage pool")
    status = as_str(row.get("status"))
    return StoragePoolRecord(
        cv_id=cv_id,
        name=as_str(entity.get("storagePoolName")),
        storage_type=as_int(row.get("storageType")),
        pool_type=as_int(row.get("storagePoolType")),
        storage_policy_cv_id=positive_id(
            dig(row, "storagePolicyEntity", "storagePolicyId")
        ),
        status=status,
        status_code=as_int(row.get("statusCode")),
        online=pool_online(status),
        total_capacity_mb=size_or_none(row.get("totalCapacity")),
        free_space_mb=size_or_none(row.get("totalFreeSpace")),
        size_on_disk_mb=size_or_none(row.get("sizeOnDisk")),
        worm_flags=as_int(row.get("wormStoragePoolFlag")) or 0,
        retention_days=as_int(row.get("poolRetentionPeriodDays")),
        number_of_nodes=as_int(row.get("numberOfNodes")),
    )


def parse_storage_pools(payload: Mapping[str, Any]) -> list[StoragePoolRecord]:
    return [parse_storage_pool(row) for row in rows(payload, "storagePoolList")]


def parse_storage_pool_detail(
    payload: Mapping[str, Any], cv_id: int, name: str = ""
) -> StoragePoolRecord:
    """Parse GET /StoragePool/{id}, which names neither the pool's id nor its name."""
    details = mapping(payload.get("storagePoolDetails"))
    status = as_str(details.get("status"))
    copy_identity = mapping(dig(details, "copyInfo", "StoragePolicyCopy"))
    store_ids = (
        positive_id(dig(store, "storeId"))
        for store in as_list(details.get("dedupDBDetailsList"))
    )
    return StoragePoolRecord(
        cv_id=cv_id,
        name=name or as_str(copy_identity.get("storagePolicyName")),
        storage_type=as_int(details.get("storageType")),
        pool_type=as_int(details.get("storagePoolType")),
        storage_policy_cv_id=positive_id(copy_identity.get("storagePolicyId")),
        status=status,
        online=pool_online(status),
        total_capacity_mb=size_or_none(details.get("totalCapacity")),
        free_space_mb=size_or_none(details.get("totalFreeSpace")),
        size_on_disk_mb=size_or_none(details.get("sizeOnDisk")),
        worm_flags=as_int(dig(details, "copyInfo", "wormStorageFlag")) or 0,
        ddb_store_cv_ids=tuple(store_id for store_id in store_ids if store_id),
    )


def _v4_pool(
    row: Mapping[str, Any], storage_type: int | None, general: Mapping[str, Any]
) -> StoragePoolRecord:
    cv_id = require_id(row, row.get("id"), "Storage pool")
    status = as_str(row.get("status"))
    capacity = general.get("capacity", general.get("totalCapacity"))
    return StoragePoolRecord(
        cv_id=cv_id,
        name=as_str(row.get("name")),
        storage_type=storage_type,
        pool_type=V4_POOL_TYPES.get(as_str(row.get("storagePoolType")).upper()),
        status=status,
        online=pool_online(status),
        total_capacity_mb=size_or_none(capacity),
        free_space_mb=size_or_none(general.get("freeSpace")),
        size_on_disk_mb=size_or_none(general.get("sizeOnDisk")),
    )


def parse_v4_storage_list(payload: Mapping[str, Any]) -> list[StoragePoolRecord]:
    """Parse GET /V4/Storage/Disk, /Cloud, /HyperScale or /Tape."""
    pools = []
    for key, storage_type in V4_STORAGE_LIST_TYPES.items():
        for row in rows(payload, key):
            row = object_row(row, "Storage pool")
            pools.append(_v4_pool(row, storage_type, row))
    return pools


def parse_v4_storage_detail(
    payload: Mapping[str, Any], storage_type: int | None = None
) -> StoragePoolRecord:
    """Parse GET /V4/Storage/Disk/{id} or /V4/Storage/Cloud/{id} (sizes in `general`)."""
    return _v4_pool(payload, storage_type, mapping(payload.get("general")))


def parse_pool_copies(payload: Mapping[str, Any]) -> list[PoolCopyRecord]:
    """Parse GET /V4/Storage/{id}/associatedCopies."""
    copies = []
    for row in rows(payload, "copies"):
        row = object_row(row, "Storage pool copy")
        cv_id = require_id(row, dig(row, "copy", "id"), "Storage pool copy")
        extended = ()
        if as_bool(row.get("useExtendedRetentionRules"), default=False):
            extended = parse_v4_extended_rules(row.get("extendedRetentionRules"))
        copies.append(
            PoolCopyRecord(
                copy_cv_id=cv_id,
                copy_name=as_str(dig(row, "copy", "name")),
                plan_cv_id=positive_id(dig(row, "plan", "id")),
                plan_name=as_str(dig(row, "plan", "name")),
                retention_days=as_int(row.get("retentionPeriodDays")),
                extended=extended,
            )
        )
    return copies


def parse_media_agent(row: Mapping[str, Any]) -> MediaAgentRecord:
    """Parse one MediaAgent of GET /V2/MediaAgents, GET /V4/mediaAgent or GET /MediaAgent.

    V2 reports `status` as a number (1 is online), V4 as ONLINE, OFFLINE or
    MAINTENANCE, and the legacy list has no status, so `online` is None there.
    """
    row = object_row(row, "MediaAgent")
    if isinstance(row.get("mediaAgent"), Mapping):
        return _v2_media_agent(row)
    if isinstance(row.get("entityInfo"), Mapping):
        entity = row["entityInfo"]
        cv_id = require_id(row, entity.get("id"), "MediaAgent")
        return MediaAgentRecord(cv_id=cv_id, name=as_str(entity.get("name")))
    return _v4_media_agent(row)


def _v2_media_agent(row: Mapping[str, Any]) -> MediaAgentRecord:
    identity = row["mediaAgent"]
    cv_id = require_id(row, identity.get("mediaAgentId"), "MediaAgent")
    status = as_int(row.get("status"))
    online = None
    status_text = ""
    if status is not None:
        online = status == 1
        status_text = "ONLINE" if online else "OFFLINE"
    return MediaAgentRecord(
        cv_id=cv_id,
        name=as_str(identity.get("mediaAgentName")),
        display_name=as_str(identity.get("displayName")),
        online=online,
        status_text=status_text,
        offline_reason_code=positive_id(row.get("offlineReason")),
        os_name=as_str(dig(row, "osInfo", "OsDisplayInfo", "OSName")),
        version=as_str(dig(row, "versionInfo", "GalaxyRelease", "ReleaseString")),
        description=as_str(row.get("description")),
    )


def _v4_media_agent(row: Mapping[str, Any]) -> MediaAgentRecord:
    cv_id = require_id(row, row.get("id"), "MediaAgent")
    status = as_str(row.get("status")).upper()
    return MediaAgentRecord(
        cv_id=cv_id,
        name=as_str(row.get("name")),
        display_name=as_str(row.get("displayName")),
        online=V4_MEDIA_AGENT_ONLINE.get(status),
        status_text=status,
        offline_reason_code=positive_id(row.get("offlineReasonValue")),
        offline_reason=as_str(row.get("offlineReason")),
        os_name=as_str(dig(row, "operatingSystem", "name")),
        version=as_str(row.get("version")),
        description=as_str(row.get("description")),
    )


def parse_media_agents(payload: Mapping[str, Any]) -> list[MediaAgentRecord]:
    """Parse any of the three MediaAgent lists (see `parse_media_agent`)."""
    found = (
        rows(payload, "mediaAgentList")
        or rows(payload, "mediaAgents")
        or rows(payload, "response")
    )
    return [parse_media_agent(row) for row in found]


def parse_ddb_engine(row: Mapping[str, Any]) -> DDBStoreRecord:
    """Parse one `engines` element of the QCommand EVGui_DDBEnginesReq response."""
    row = object_row(row, "DDB store")
    cv_id = require_id(row, row.get("storeId"), "DDB store")
    flags = as_int(row.get("storeFlags"))
    return DDBStoreRecord(
        cv_id=cv_id,
        name=as_str(row.get("storeName")),
        storage_policy_cv_id=positive_id(dig(row, "sp", "id")),
        storage_policy_name=as_str(dig(row, "sp", "name")),
        copy_cv_id=positive_id(dig(row, "copy", "id")),
        copy_name=as_str(dig(row, "copy", "name")),
        sealed_at=epoch_to_datetime(row.get("sealedTime")),
        status=as_int(row.get("status")),
        ddb_version=as_int(row.get("ddbVersion")),
        store_flags=flags or 0,
        pruning_enabled=True
        if flags is None
        else bool(flags & STORE_FLAG_PRUNING_ENABLED),
    )


def parse_ddb_engines(payload: Mapping[str, Any]) -> list[DDBStoreRecord]:
    return [parse_ddb_engine(row) for row in rows(payload, "engines")]


def parse_ddb_partitions(payload: Mapping[str, Any]) -> list[DDBPartitionRecord]:
    """Parse the QCommand EVGui_SubStoreListReq response (`subStoreList`)."""
    partitions = []
    for row in rows(payload, "subStoreList"):
        row = object_row(row, "DDB partition")
        cv_id = require_id(row, row.get("subStoreId"), "DDB partition")
        partitions.append(
            DDBPartitionRecord(
                cv_id=cv_id,
                path=as_str(row.get("Path", row.get("path"))),
                media_agent_cv_id=positive_id(dig(row, "MediaAgent", "id")),
                media_agent_name=as_str(dig(row, "MediaAgent", "name")),
                status=as_int(row.get("status")),
            )
        )
    return partitions


def parse_ddb_information(payload: Mapping[str, Any]) -> DDBUsageRecord:
    """Parse GET /DDBInformation/{storeId}, keyed `SubStoreList` or `subStoreList`.

    The rows carry no partition id, so only store totals are kept: the sum of primary
    records, the smallest free disk space, the sum of pending deletes, the count of
    offline partitions and the oldest last DDB backup. Pending deletes stay None
    unless every partition reports them, so a missing field never reads as 0.
    """
    found = rows(payload, "SubStoreList") or rows(payload, "subStoreList")
    partitions = [mapping(row) for row in found]
    records = _known(row.get("maxSIDBPrimaryRecords") for row in partitions)
    free = _known(row.get("freeDiskSpaceMB") for row in partitions)
    pending = _known(row.get("pendingDeletes") for row in partitions)
    offline = [as_int(row.get("offlineReason")) for row in partitions]
    known_offline = [reason for reason in offline if reason is not None]
    backups = [epoch_to_datetime(row.get("lastSnapTime")) for row in partitions]
    known_backups = [backup for backup in backups if backup is not None]

    every_partition_pending = bool(partitions) and len(pending) == len(partitions)
    return DDBUsageRecord(
        partition_count=len(partitions),
        primary_records=sum(records) if records else None,
        free_disk_space_mb=min(free) if free else None,
        pending_deletes=sum(pending) if every_partition_pending else None,
        partitions_offline=sum(1 for reason in known_offline if reason != 0)
        if known_offline
        else None,
        last_backup_at=min(known_backups) if known_backups else None,
    )


def _known(values: Iterable[Any]) -> list[int]:
    sizes = (size_or_none(value) for value in values)
    return [size for size in sizes if size is not None]
