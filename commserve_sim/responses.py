"""JSON bodies of the inventory endpoints, in the shapes a CommServe returns."""

from __future__ import annotations

from typing import Any

from commserve_sim.model import (
    EXTENDED_RULE_BITS,
    SELECTIVE_RULE_CODES,
    STORAGE_TYPE_CODES,
    Client,
    Copy,
    DDBStore,
    Environment,
    MediaAgent,
    Plan,
    Pool,
    StoragePolicy,
)

COMPANY = {"companyId": 0, "companyName": "Commcell", "multiCommcellId": 0}
INSTALL_DIRECTORY = "C:\\Program Files\\Commvault\\ContentStore"
NO_ERROR = {"errorMessage": "", "errorCode": 0}
EXTENDED_SLOTS = (
    "extendedRetentionRuleOne",
    "extendedRetentionRuleTwo",
    "extendedRetentionRuleThree",
)
V4_OFFLINE_REASONS = {
    1: "MediaAgent services are not reachable",
    2: "MediaAgent is marked offline for maintenance",
    5: "MediaAgent lost connection to the CommServe",
}


def commserv(env: Environment) -> dict[str, Any]:
    return {
        "commcell": {
            "commCellName": env.name,
            "commCellId": env.commcell_id,
            "csGUID": "00000000-0000-4000-8000-0000000000CC",
        },
        "hostName": f"{env.name}.example.invalid",
        "csTimeZone": {"TimeZoneName": env.time_zone},
        "timeZone": "0:-300:(UTC) Coordinated Universal Time",
        "currentSPVersion": 36,
        "csVersionInfo": "11.36.12",
        "releaseName": "11.36",
    }


def _client_entity(client_id: int, name: str, host: str) -> dict[str, Any]:
    return {
        "hostName": host,
        "clientId": client_id,
        "clientName": name,
        "displayName": name,
        "_type_": 3,
        "clientGUID": f"00000000-0000-4000-8000-{client_id:012d}",
        "entityInfo": COMPANY,
    }


def client_list(env: Environment) -> dict[str, Any]:
    props = {"iSCSIPort": 3260, "clusterType": 0}
    entries = [
        {
            "client": {
                "cvdPort": 8400,
                "evmgrcPort": 0,
                "clientEntity": _client_entity(
                    env.commserve_client_id, env.name, f"{env.name}.example.invalid"
                ),
            },
            "clientProps": props,
        }
    ]
    for client in env.clients:
        entity = _client_entity(client.client_id, client.name, client.host_name)
        entries.append(
            {
                "client": {"cvdPort": 8400, "evmgrcPort": 0, "clientEntity": entity},
                "clientProps": props,
            }
        )
    return {"clientProperties": entries}


def client_detail(
    env: Environment,
    client: Client,
    time_zone: str = "(UTC) Coordinated Universal Time",
) -> dict[str, Any]:
    activity = [
        {"activityType": 1, "enableActivityType": True},
        {"activityType": 2, "enableActivityType": True},
        {"activityType": 16, "enableActivityType": client.data_aging_enabled},
    ]
    entity = _client_entity(client.client_id, client.name, client.host_name)
    return {
        "clientProperties": [
            {
                "client": {
                    "clientEntity": entity,
                    "osInfo": {
                        "Type": "Windows",
                        "SubType": "Server",
                        "OsDisplayInfo": {
                            "OSName": "Windows Server 2022 Datacenter",
                            "ProcessorType": "WinX64",
                        },
                    },
                    "cvdPort": 8400,
                    "TimeZone": {"TimeZoneName": time_zone},
                    "versionInfo": {
                        "version": "ServicePack:36",
                        "UpdateStatus": 0,
                        "GalaxyRelease": {"ReleaseString": "11.36"},
                    },
                    "installDirectory": INSTALL_DIRECTORY,
                    "jobResulsDir": {
                        "path": INSTALL_DIRECTORY + "\\iDataAgent\\JobResults"
                    },
                },
                "clientProps": {
                    "activityControl": {
                        "EnableDataRecovery": True,
                        "EnableDataManagement": True,
                        "EnableOnlineContentIndex": False,
                    },
                    "clientActivityControl": {"activityControlOptions": activity},
                    "EnableSnapBackups": False,
                    "IsDeletedClient": False,
                    "isInfrastructure": False,
                    "networkReadiness": {"status": "ONLINE"},
                },
                "clientGroups": [
                    {
                        "clientGroupId": 5,
                        "clientGroupName": f"{client.app_name} Servers",
                    }
                ],
            }
        ]
    }


def _retention_rules(copy: Copy, full: bool) -> dict[str, Any]:
    rules: dict[str, Any] = {
        "retainBackupDataForDays": copy.days,
        "retainBackupDataForCycles": copy.cycles,
    }
    if not full:
        return rules

    rules["retainArchiverDataForDays"] = -1
    rules["jobs"] = 0
    rules["retentionFlags"] = {
        "enableDataAging": 1 if copy.data_aging else 0,
        "jobBasedRetention": 0,
    }
    for slot, rule in zip(EXTENDED_SLOTS, copy.extended, strict=False):
        rules[slot] = {
            "isEnabled": 1,
            "rule": EXTENDED_RULE_BITS[rule.rule],
            "endDays": rule.end_days,
            "graceDays": rule.grace_days,
        }
    return rules


def _selective_rule(copy: Copy) -> int | str | None:
    """Return the copy's served selectiveRule, None for a synchronous copy."""
    if copy.precedence == 1:
        return None
    if copy.selective_rule is not None:
        return copy.selective_rule
    return SELECTIVE_RULE_CODES.get(copy.selection)


def _copy_common(env: Environment, policy: StoragePolicy, copy: Copy) -> dict:
    pool = env.pool_by_id[copy.pool_id]
    rule = _selective_rule(copy)
    body = {
        # 1 synchronous (every job), 2 selective (cvpysdk 11.40 copy creation).
        "copyType": 1 if rule is None else 2,
        "active": 1 if copy.active else 0,
        "isDefault": 1 if copy.precedence == 1 else 0,
        "isSnapCopy": 0,
        "isMirrorCopy": 0,
        "copyPrecedence": copy.precedence,
        "StoragePolicyCopy": {"copyId": copy.copy_id, "copyName": copy.name},
        "retentionRules": _retention_rules(copy, full=True),
        "dedupeFlags": {
            "enableDeduplication": 1 if pool.dedup else 0,
            "enableClientSideDedup": 1 if pool.dedup else 0,
            "enableDASHFull": 1 if pool.dedup else 0,
            "useGlobalDedupStore": 1 if pool.dedup else 0,
        },
        "extendedFlags": {"overRideGACPRetention": 1},
        "copyFlags": {"wormCopy": 1 if copy.worm else 0},
        "library": {"libraryName": pool.library_name, "libraryId": pool.library_id},
    }
    # NOTE: whether a synchronous copy also sends selectiveCopyRules is not verified,
    # so it sends none here.
    if rule is not None:
        body["selectiveCopyRules"] = {"selectiveRule": rule}
    return body


def _drive_pool(env: Environment, pool: Pool) -> dict[str, Any]:
    agent = _media_agent_ref(env, pool)["mediaAgentName"]
    return {
        "drivePoolId": pool.library_id,
        "drivePoolName": f"DrivePool({agent}){pool.library_id}",
    }


def plan_copy(env: Environment, policy: StoragePolicy, copy: Copy) -> dict:
    pool = env.pool_by_id[copy.pool_id]
    body = _copy_common(env, policy, copy)
    body.update(
        {
            "deviceType": STORAGE_TYPE_CODES[pool.storage_type],
            "isArchiveStorage": False,
            "wormStorageFlag": 1 if copy.worm else 0,
            "poolRetentionPeriodDays": -1,
            "isSourceBackupCopy": 0,
            "storagePoolType": 1 if pool.dedup else 3,
            "storageType": STORAGE_TYPE_CODES[pool.storage_type],
            "storageClass": pool.cloud_class if pool.storage_type == "cloud" else "",
            "region": {"regionId": 0, "displayName": "", "regionName": ""},
            "drivePool": _drive_pool(env, pool),
            "startTime": {"time": -1},
            "useGlobalPolicy": {
                "storagePolicyName": pool.name,
                "storagePolicyId": pool.pool_id,
            },
        }
    )
    return body


def plan_entry(env: Environment, plan: Plan) -> dict[str, Any]:
    policy = plan.policy
    associated = sum(1 for client in env.clients if client.plan_id == plan.plan_id)
    primary_pool = env.pool_by_id[policy.copies[0].pool_id] if policy.copies else None
    summary = (
        f"RPOHours:{plan.rpo_minutes // 60},NumberOfCopies:{len(policy.copies)},"
        f"AssociatedEntitiesCount:{associated}"
    )
    return {
        "numCopies": len(policy.copies),
        "description": plan.description,
        "type": 2,
        "subtype": 33554437,
        "numDevices": 0,
        "storageTarget": primary_pool.name if primary_pool else "",
        "isElastic": False,
        "numAssocEntities": associated,
        "restrictions": 0,
        "numCompanies": 1,
        "planStatusFlag": 0,
        "rpoInMinutes": plan.rpo_minutes,
        "numUsers": 0,
        "supportedWorkloads": {},
        "storage": {
            "storagePolicy": {"storagePolicyId": policy.policy_id},
            "copy": [plan_copy(env, policy, copy) for copy in policy.copies],
        },
        "permissions": [{"permissionId": 31}],
        "targetApps": [],
        "plan": {
            "planType": 2,
            "planSummary": summary,
            "planName": plan.name,
            "planSubtype": 33554437,
            "_type_": 158,
            "planId": plan.plan_id,
            "entityInfo": COMPANY,
        },
        "planOwner": {"userName": "admin", "userId": 1, "_type_": 13},
    }


def plan_list(env: Environment) -> dict[str, Any]:
    return {"plans": [plan_entry(env, plan) for plan in env.plans]}


def policy_list(env: Environment, with_plans: bool) -> dict[str, Any]:
    entries = []
    for policy in env.policies:
        entry: dict[str, Any] = {
            "type": 1,
            "numberOfStreams": policy.streams,
            "numberOfCopies": len(policy.copies),
            "storagePolicy": {
                "storagePolicyName": policy.name,
                "storagePolicyId": policy.policy_id,
            },
        }
        if with_plans and policy.plan_id is not None:
            plan = env.plan_by_id[policy.plan_id]
            entry["plans"] = [{"planName": plan.name, "planId": plan.plan_id}]
        entries.append(entry)
    return {"policies": entries}


def _media_agent_ref(env: Environment, pool: Pool) -> dict[str, Any]:
    if not pool.media_agent_ids:
        return {"mediaAgentId": 0, "mediaAgentName": ""}
    agent = env.media_agent_by_id[pool.media_agent_ids[0]]
    return {"mediaAgentId": agent.media_agent_id, "mediaAgentName": agent.name}


def policy_detail(env: Environment, policy: StoragePolicy) -> dict[str, Any]:
    copies = []
    for copy in policy.copies:
        pool = env.pool_by_id[copy.pool_id]
        body = _copy_common(env, policy, copy)
        body["storagePool"] = {
            "storagePoolName": pool.name,
            "storagePoolId": pool.pool_id,
        }
        body["sourceCopy"] = {"copyId": copy.source_copy_id}
        body["mediaAgent"] = _media_agent_ref(env, pool)
        copies.append(body)
    return {
        "policies": [
            {
                "timeZoneType": 0,
                "description": "",
                "type": 1,
                "numberOfStreams": policy.streams,
                "sidbBlockSizeKB": 128,
                "numberOfCopies": len(policy.copies),
                "flag": {
                    "distributeDataEvenlyAmongStreams": 1,
                    "blockLevelDedup": 1,
                    "randomizeStream": 1,
                },
                "copies": copies,
                "storagePolicy": {
                    "storagePolicyName": policy.name,
                    "storagePolicyId": policy.policy_id,
                },
            }
        ],
        "error": NO_ERROR,
    }


def copy_detail(env: Environment, policy: StoragePolicy, copy: Copy) -> dict:
    pool = env.pool_by_id[copy.pool_id]
    source = env.copy_by_id.get(copy.source_copy_id)
    body = _copy_common(env, policy, copy)
    body["StoragePolicyCopy"] = {
        "copyId": copy.copy_id,
        "copyName": copy.name,
        "storagePolicyId": policy.policy_id,
        "storagePolicyName": policy.name,
    }
    body["dataRetentionLockDays"] = 0
    body["throttleNetworkBandWidthMBHR"] = 0
    body["multiplexingFactor"] = 0
    body["drivePool"] = _drive_pool(env, pool)
    body["startTime"] = {"time": -1}
    body["copyFlags"].update(
        {
            "enableMediaRefresh": 0,
            "inlineAuxCopy": 0,
            "enableParallelCopy": 0,
            "roundRobbinDataPath": 0,
        }
    )
    body["extendedFlags"].update(
        {"compressionOnClients": 0, "spaceOptimizedAuxCopy": 0}
    )
    body["sourceCopy"] = {
        "copyId": copy.source_copy_id,
        "copyName": source[1].name if source else "",
    }
    body["storagePool"] = {"storagePoolName": pool.name, "storagePoolId": pool.pool_id}
    body["mediaAgent"] = _media_agent_ref(env, pool)
    body["retentionRules"]["retentionFlags"]["dirtyExtendedRetention"] = 0

    return {"copy": body, "error": NO_ERROR}


def pool_entry(pool: Pool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "cloudStorageClassName": pool.cloud_class
        if pool.storage_type == "cloud"
        else "N/A",
        "numberOfNodes": pool.nodes,
        "poolRetentionPeriodDays": -1,
        "sizeOnDisk": pool.size_on_disk_mb,
        "totalCapacity": pool.capacity_mb,
        "wormStoragePoolFlag": pool.worm_flags,
        "reserved1": 1,
        "cloudStorageClassNumber": 1 if pool.storage_type == "cloud" else -1,
        "isArchiveStorage": 0,
        "libraryVendorType": 15 if pool.storage_type == "cloud" else 1,
        "totalFreeSpace": pool.free_mb,
        "storagePoolType": 4
        if pool.storage_type == "hyperscale"
        else (1 if pool.dedup else 3),
        "storageSubType": 0,
        "storageType": STORAGE_TYPE_CODES[pool.storage_type],
        "status": pool.status,
        "statusCode": 300 if pool.storage_type == "hyperscale" else 0,
        "libraryList": [{"_type_": 9, "libraryId": pool.library_id}],
        "storagePool": {
            "_type_": 28,
            "clientGroupId": pool.pool_id,
            "clientGroupName": pool.name,
        },
        "storagePolicyEntity": {
            "_type_": 17,
            "storagePolicyName": pool.name,
            "storagePolicyId": pool.pool_id,
            "entityInfo": COMPANY,
        },
        "storagePoolEntity": {
            "storagePoolName": pool.name,
            "_type_": 160,
            "storagePoolId": pool.pool_id,
        },
    }
    if pool.storage_type == "hyperscale":
        used = (
            100.0 * pool.size_on_disk_mb / pool.capacity_mb
            if pool.capacity_mb > 0
            else 0
        )
        entry.update(
            {
                "usedSpacePerc": round(used, 2),
                "HSXUtilWarn": "",
                "isHSXReadOnly": False,
                "isHSXWriteOpGraceAppl": False,
                "isHSXWriteOpExt": False,
            }
        )
    return entry


def pool_list(env: Environment) -> dict[str, Any]:
    return {"storagePoolList": [pool_entry(pool) for pool in env.pools]}


def pool_detail(env: Environment, pool: Pool) -> dict[str, Any]:
    stores = [store for store in env.ddb_stores if store.pool_id == pool.pool_id]
    agents = [env.media_agent_by_id[agent_id] for agent_id in pool.media_agent_ids]
    return {
        "storagePoolDetails": {
            "totalCapacity": pool.capacity_mb,
            "totalFreeSpace": pool.free_mb,
            "sizeOnDisk": pool.size_on_disk_mb,
            "status": pool.status,
            "storagePoolType": 1 if pool.dedup else 3,
            "storageType": STORAGE_TYPE_CODES[pool.storage_type],
            "libraryVendorId": 15 if pool.storage_type == "cloud" else 1,
            "isWormStorage": bool(pool.worm_flags),
            "copyInfo": {
                "StoragePolicyCopy": {
                    "copyId": pool.pool_copy_id,
                    "copyName": "Primary",
                    "storagePolicyId": pool.pool_id,
                    "storagePolicyName": pool.name,
                },
                "wormStorageFlag": pool.worm_flags,
                "dataRetentionLockDays": 0,
                "copyFlags": {"wormCopy": 1 if pool.worm_flags & 1 else 0},
            },
            "dedupDBDetailsList": [{"storeId": store.store_id} for store in stores],
            "libraryList": [
                {
                    "library": {
                        "libraryId": pool.library_id,
                        "libraryName": pool.library_name,
                    }
                }
            ],
            "mediaAgents": [
                {
                    "mediaAgent": {
                        "mediaAgentId": agent.media_agent_id,
                        "mediaAgentName": agent.name,
                    },
                    "bDDBMA": True,
                    "bStorageMA": True,
                }
                for agent in agents
            ],
        }
    }


def media_agents_v2(env: Environment) -> dict[str, Any]:
    return {"mediaAgentList": [_media_agent_v2(agent) for agent in env.media_agents]}


def _media_agent_v2(agent: MediaAgent) -> dict[str, Any]:
    return {
        "offlineReason": agent.offline_reason_code,
        "description": "",
        "status": 1 if agent.online else 0,
        "mediaAgent": {
            "mediaAgentId": agent.media_agent_id,
            "_type_": 11,
            "displayName": agent.name,
            "mediaAgentName": agent.name,
        },
        "osInfo": {"osId": 210, "OsDisplayInfo": {"OSName": agent.os_name}},
        "versionInfo": {
            "UpdateStatus": 0,
            "GalaxyBuildNumber": "11",
            "GalaxyRelease": {
                "ReleaseString": f"11 SP{agent.release}",
                "_type_": 58,
                "ReleaseID": 16,
            },
        },
        "mediaAgentProps": _media_agent_props(agent),
        "powerManagementInfo": {
            "isPowerMgmtAllowedCheck": True,
            "isPowerMgmtSupported": False,
        },
    }


def _media_agent_props(agent: MediaAgent) -> dict[str, Any]:
    props: dict[str, Any] = {
        "pushMA": False,
        "isPreConfigured": False,
        "isUnlicensedMA": False,
        "isVirtualsClient": False,
    }
    if agent.online:
        cache = (
            "D:\\IndexCache" if agent.os_name.startswith("Windows") else "/opt/index"
        )
        props["mediaAgentIdxCacheProps"] = {"cacheEnabled": True}
        props["indexLogsCacheInfo"] = {"logsCachePath": {"path": cache}}
    return props


def media_agents_v4(env: Environment) -> dict[str, Any]:
    entries = []
    for agent in env.media_agents:
        windows = agent.os_name.startswith("Windows")
        entry: dict[str, Any] = {
            "id": agent.media_agent_id,
            "name": agent.name,
            "displayName": agent.name,
            "status": "ONLINE" if agent.online else "OFFLINE",
            "isUnlicensedMA": False,
            "operatingSystem": {
                "id": 210 if windows else 300,
                "name": agent.os_name,
                "type": "WINDOWS" if windows else "UNIX",
            },
            "version": f"11.{agent.release}.12",
            "releaseId": 16,
            "description": "",
            "company": {"id": 0, "name": "Commcell"},
        }
        if not agent.online:
            entry["offlineReason"] = V4_OFFLINE_REASONS.get(
                agent.offline_reason_code, "MediaAgent is offline"
            )
            entry["offlineReasonValue"] = agent.offline_reason_code
        entries.append(entry)
    return {"mediaAgents": entries}


def media_agents_legacy(env: Environment) -> dict[str, Any]:
    entries = [{"entityInfo": {"name": env.name, "id": env.commserve_client_id}}]
    entries.extend(
        {"entityInfo": {"name": agent.name, "id": agent.media_agent_id}}
        for agent in env.media_agents
    )
    return {"response": entries}


def ddb_engines(env: Environment) -> dict[str, Any]:
    engines = []
    for store in env.ddb_stores:
        pool = env.pool_by_id[store.pool_id]
        engines.append(
            {
                "sp": {"id": pool.pool_id, "name": pool.name},
                "copy": {"id": pool.pool_copy_id, "name": "Primary"},
                "storeId": store.store_id,
                "storeName": store.name,
                "sealedTime": store.sealed_time,
                "status": 1,
                "ddbVersion": store.ddb_version,
                "storeFlags": store.store_flags,
                "storeExtendedFlags": 4,
                "dedupeFlags": 0,
            }
        )
    return {"engines": engines}


def substores(env: Environment, store: DDBStore) -> dict[str, Any]:
    entries = []
    for partition in store.partitions:
        agent = env.media_agent_by_id[partition.media_agent_id]
        entries.append(
            {
                "subStoreId": partition.substore_id,
                "Path": partition.path,
                "MediaAgent": {"id": agent.media_agent_id, "name": agent.name},
                "status": 0 if partition.online else 1,
            }
        )
    return {"subStoreList": entries}


def ddb_information(env: Environment, store: DDBStore, now: int) -> dict[str, Any]:
    entries = []
    for partition in store.partitions:
        entries.append(
            {
                "commcellId": env.commcell_id,
                "timeTakeForRecovery": 0,
                "offlineReason": 0 if partition.online else 1,
                "PruneArchiveFilesAvgTime": 0,
                "maxSIDBPrimaryRecords": partition.primary_records,
                "flags": 0,
                "freeDiskSpaceMB": partition.free_disk_mb,
                "sottstateaccesspath": 1 if partition.online else 0,
                "lastSnapTime": now - now % 86400,
                "subStoreClientVersion": "11.36",
                # Not a verified CommServe field: see README.md, "Pending deletes".
                "pendingDeletes": partition.pending_deletes,
            }
        )
    return {"SubStoreList": entries}
