"""Every sample in tests/fixtures/commvault_api goes through its parser.

FIXTURE_CASES maps each file to its parser and the values it must produce, or marks it
as a request body. A sample file without an entry fails test_fixture_table_complete.
"""

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from apps.commcell.cvclient import bodies
from apps.commcell.cvclient.errors import (
    APIError,
    AuthenticationError,
    MalformedResponse,
)
from apps.commcell.cvclient.job_parsers import (
    job_level,
    job_outcome,
    parse_copy_jobs,
    parse_job_details,
    parse_job_retention,
    parse_jobs,
)
from apps.commcell.cvclient.parsers import (
    extended_rule_name,
    parse_activity_control,
    parse_backup_destination,
    parse_clients,
    parse_commserve,
    parse_copy,
    parse_copy_detail,
    parse_plan_summaries,
    parse_plans,
    parse_retention,
    parse_schedules,
    parse_server_plan,
    parse_storage_policies,
    parse_storage_policy_copies,
)
from apps.commcell.cvclient.responses import (
    find_error,
    parse_access_token_renewal,
    parse_create_task,
    parse_login_response,
    parse_renew_response,
    raise_for_error,
    require_keys,
    with_token_prefix,
)
from apps.commcell.cvclient.storage_parsers import (
    parse_ddb_engines,
    parse_ddb_information,
    parse_ddb_partitions,
    parse_media_agents,
    parse_pool_copies,
    parse_storage_pool,
    parse_storage_pool_detail,
    parse_storage_pools,
    parse_v4_storage_detail,
    parse_v4_storage_list,
    pool_online,
)
from apps.commcell.cvclient.values import (
    EXCERPT_LENGTH,
    as_int,
    epoch_to_datetime,
    excerpt,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "commvault_api"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass(frozen=True)
class Response:
    """A response sample: `parse` must return values matching `expected`, or raise."""

    parse: Callable[[Any], Any]
    expected: dict[str, Any] = field(default_factory=dict)
    raises: type[Exception] | None = None
    message: str = ""


@dataclass(frozen=True)
class RequestBody:
    """A request-body sample. With `build`, the client's body must match it on `keys`
    (every key when `keys` is empty)."""

    build: Callable[[], dict[str, Any]] | None = None
    keys: tuple[str, ...] = ()


def no_error(payload: Any) -> str:
    raise_for_error(payload, "test request")
    return "ok"


FIXTURE_CASES: dict[str, Response | RequestBody] = {
    "client_GET_id.json": Response(
        parse_clients,
        {
            "len": 1,
            "0.cv_id": 17,
            "0.name": "fs01",
            "0.host_name": "fs01.example.invalid",
            "0.company": "Commcell",
            "0.os_name": "Windows Server 2022 Datacenter",
            "0.version": "11.36",
            "0.data_aging_enabled": False,
        },
    ),
    "client_GET_list.json": Response(
        parse_clients,
        {
            "len": 2,
            "0.cv_id": 2,
            "0.name": "cs01",
            "1.cv_id": 17,
            "1.display_name": "fs01",
            "1.data_aging_enabled": None,
        },
    ),
    "commserv_GET.json": Response(
        parse_commserve,
        {
            "name": "cs01",
            "cv_id": 2,
            "version": "11.36.12",
            "time_zone": "(UTC) Coordinated Universal Time",
        },
    ),
    "createtask_POST_response.json": Response(
        parse_create_task, {"task_id": 4471, "job_ids": (900170,)}
    ),
    "createtask_POST_response_error.json": Response(
        parse_create_task, raises=APIError, message="error code 2"
    ),
    "createtask_dataaging_POST_request.json": RequestBody(),
    "ddbinformation_GET_id.json": Response(
        parse_ddb_information,
        {
            "partition_count": 1,
            "primary_records": 812345678,
            "free_disk_space_mb": 512000,
        },
    ),
    "job_GET_id.json": Response(
        parse_jobs,
        {
            "len": 1,
            "0.job_id": 900101,
            "0.level": "full",
            "0.outcome": "completed",
            "0.start_time": utc(2024, 12, 4, 0, 0),
            "0.end_time": utc(2024, 12, 4, 1, 0),
            "0.client_cv_id": 17,
            "0.subclient_cv_id": 55,
            "0.storage_policy_name": "Server-Gold",
            "0.application_bytes": 214748364800,
            "0.media_bytes": 18897856102,
            "0.percent_savings": 91.2,
        },
    ),
    "job_GET_list.json": Response(
        parse_jobs,
        {
            "len": 3,
            "0.level": "full",
            "1.job_id": 900155,
            "1.level": "incremental",
            "1.outcome": "completed_errors",
            "1.status": "Completed w/ one or more errors",
            "2.job_type": "Data Aging",
            "2.level": "other",
            "2.level_name": "",
            "2.client_name": "cs01",
            "2.application_bytes": 0,
        },
    ),
    "job_advanceddetails_infoType1_GET.json": Response(
        parse_job_retention,
        {
            "len": 2,
            "0.storage_policy_cv_id": 50,
            "0.copy_cv_id": 41,
            "0.retain_until": utc(2025, 1, 3),
            "1.copy_cv_id": 42,
            "1.retain_until": utc(2025, 12, 7),
        },
    ),
    "jobdetails_POST_request.json": RequestBody(),
    "jobdetails_POST_response.json": Response(
        parse_job_details,
        {
            "job_id": 900101,
            "job_type": "Backup",
            "level": "full",
            "status": "Completed",
            "outcome": "completed",
            "start_time": utc(2024, 12, 4, 0, 0),
            "client_cv_id": 17,
            "application_bytes": 214748364800,
            "percent_savings": 91.2,
        },
    ),
    "jobs_POST_request.json": RequestBody(),
    "login_POST_request.json": RequestBody(
        lambda: bodies.login_body(
            "svc_cvanalytics", "SecretPassword1", "cvanalytics-collector-01"
        ),
        keys=("username", "password", "deviceId"),
    ),
    "login_POST_response.json": Response(
        parse_login_response, {"value": "QSDK 3f0c0ffee" + "0" * 76}
    ),
    "login_POST_response_failure.json": Response(
        parse_login_response,
        raises=AuthenticationError,
        message="Invalid username or password (error code 5)",
    ),
    "mediaagent_GET_list_legacy.json": Response(
        parse_media_agents,
        {"len": 3, "1.cv_id": 3, "1.name": "ma01", "1.online": None},
    ),
    "mediaagent_V2_GET_list.json": Response(
        parse_media_agents,
        {
            "len": 2,
            "0.cv_id": 3,
            "0.online": True,
            "0.offline_reason_code": None,
            "0.version": "11 SP36",
            "1.name": "ma02",
            "1.online": False,
            "1.offline_reason_code": 2,
            "1.os_name": "Rocky Linux 9",
        },
    ),
    "plan_GET_list.json": Response(
        parse_plans,
        {
            "len": 1,
            "0.cv_id": 33,
            "0.name": "Server-Gold",
            "0.plan_type": 2,
            "0.rpo_minutes": 1440,
            "0.number_of_copies": 2,
            "0.associated_entities": 12,
            "0.storage_policy_cv_id": 50,
            "0.copies.0.cv_id": 41,
            "0.copies.0.storage_policy_cv_id": 50,
            "0.copies.0.retention.days": 30,
            "0.copies.0.retention.cycles": 1,
            "0.copies.0.retention.data_aging_enabled": True,
            "0.copies.0.storage_pool_cv_id": 9,
            "0.copies.0.storage_pool_name": "Pool01",
            "0.copies.0.override_pool_retention": True,
            "0.copies.0.dedup_enabled": True,
            "0.copies.1.name": "Cloud-Secondary",
            "0.copies.1.retention.days": 90,
            "0.copies.1.retention.data_aging_enabled": False,
            "0.copies.1.storage_pool_cv_id": 10,
            "0.copies.1.library_name": "CloudLib01",
        },
    ),
    "qcommand_EVGui_DDBEnginesReq_POST_request.json": RequestBody(
        bodies.ddb_engines_body
    ),
    "qcommand_EVGui_DDBEnginesReq_POST_response.json": Response(
        parse_ddb_engines,
        {
            "len": 2,
            "0.cv_id": 21,
            "0.name": "Pool01_21",
            "0.storage_policy_cv_id": 9,
            "0.copy_cv_id": 43,
            "0.sealed_at": None,
            "0.pruning_enabled": True,
            "0.ddb_version": 11,
            "1.cv_id": 17,
            "1.sealed_at": utc(2023, 7, 22, 4, 26, 40),
        },
    ),
    "qcommand_EVGui_SubStoreListReq_POST_request.json": RequestBody(
        lambda: bodies.substore_list_body(2, 21)
    ),
    "qcommand_EVGui_SubStoreListReq_POST_response.json": Response(
        parse_ddb_partitions,
        {
            "len": 2,
            "0.cv_id": 41,
            "0.path": "/ddb/Pool01/part1",
            "0.media_agent_cv_id": 3,
            "1.media_agent_name": "ma02",
            "1.status": 1,
        },
    ),
    "renewlogintoken_POST_request.json": RequestBody(
        lambda: bodies.renew_body("QSDK 3f0c0ffee...", "cvanalytics-collector-01")
    ),
    "renewlogintoken_POST_response.json": Response(
        parse_renew_response, {"value": "QSDK 4a1d1ffee" + "0" * 76}
    ),
    "schedulepolicy_GET_id.json": Response(
        parse_schedules,
        {
            "len": 1,
            "0.task_cv_id": 4455,
            "0.sub_task_name": "Weekly full",
            "0.backup_level": "FULL",
            "0.freq_type": 8,
            "0.freq_interval": 64,
        },
    ),
    "schedules_GET_list.json": Response(
        parse_schedules,
        {
            "len": 2,
            "0.backup_level": "INCREMENTAL",
            "0.freq_type": 4,
            "0.start_seconds": 75600,
            "0.operation_type": 2,
            "1.sub_task_cv_id": 102,
            "1.task_disabled": False,
        },
    ),
    "storagepolicy_GET_list_legacy.json": Response(
        parse_storage_policies,
        {"len": 2, "0.cv_id": 2, "0.name": "CommServeDR", "1.cv_id": 50},
    ),
    "storagepolicy_V2_GET_id_propertyLevel10.json": Response(
        lambda payload: parse_storage_policy_copies(payload, 50),
        {
            "len": 1,
            "0.cv_id": 41,
            "0.storage_policy_cv_id": 50,
            "0.copy_precedence": 1,
            "0.is_default": True,
            "0.retention.days": 30,
            "0.retention.cycles": 1,
            "0.retention.data_aging_reported": False,
            "0.storage_pool_cv_id": 9,
        },
    ),
    "storagepolicy_V2_GET_list.json": Response(
        parse_storage_policies,
        {
            "len": 2,
            "0.cv_id": 50,
            "0.policy_type": 1,
            "0.number_of_copies": 2,
            "0.plan_cv_ids": (33,),
            "1.name": "CommServeDR",
            "1.plan_cv_ids": (),
        },
    ),
    "storagepolicycopy_V2_GET.json": Response(
        parse_copy_detail,
        {
            "cv_id": 41,
            "storage_policy_cv_id": 50,
            "retention.days": 30,
            "retention.data_aging_enabled": True,
            "retention.extended.0.slot": 1,
            "retention.extended.0.rule": "monthly_fulls",
            "retention.extended.0.end_days": 365,
            "worm": False,
            "source_copy_cv_id": None,
        },
    ),
    "storagepolicycopy_V2_PUT_request.json": RequestBody(),
    "storagepolicycopy_V2_PUT_response.json": Response(no_error, {"value": "ok"}),
    "storagepolicycopy_V2_PUT_response_cvpysdk_variant.json": Response(
        no_error, {"value": "ok"}
    ),
    "storagepool_GET_id.json": Response(
        lambda payload: parse_storage_pool_detail(payload, 9),
        {
            "cv_id": 9,
            "name": "Pool01",
            "total_capacity_mb": 5700000,
            "free_space_mb": 4250000,
            "ddb_store_cv_ids": (21,),
            "online": True,
        },
    ),
    "storagepool_GET_list.json": Response(
        parse_storage_pools,
        {
            "len": 4,
            "0.cv_id": 9,
            "0.total_capacity_mb": 5700000,
            "0.storage_policy_cv_id": 9,
            "0.online": True,
            "1.name": "CloudPool01",
            "1.storage_type": 2,
            "1.total_capacity_mb": None,
            "1.free_space_mb": None,
            "1.size_on_disk_mb": 16000000,
            "2.name": "Pool02",
            "2.online": False,
            "3.status_code": 300,
            "3.pool_type": 4,
            "3.number_of_nodes": 3,
        },
    ),
    "v4_accesstoken_renew_POST_request.json": RequestBody(),
    "v4_accesstoken_renew_POST_response.json": Response(
        parse_access_token_renewal,
        {"value": ("<new access token>", "<new refresh token>")},
    ),
    "v4_commcell_activitycontrol_GET.json": Response(
        parse_activity_control,
        {
            "len": 3,
            "1.activity_type": 16,
            "1.enabled": False,
            "1.re_enable_at": utc(2025, 1, 1),
            "2.activity_type": 512,
            "2.enabled": True,
        },
    ),
    "v4_ddb_mediaagents_GET.json": Response(
        parse_media_agents,
        {"len": 1, "0.cv_id": 3, "0.name": "ma01", "0.online": None},
    ),
    "v4_generic_response.json": Response(no_error, {"value": "ok"}),
    "v4_mediaagent_GET_list.json": Response(
        parse_media_agents,
        {
            "len": 2,
            "0.online": True,
            "0.status_text": "ONLINE",
            "0.version": "11.36.12",
            "1.cv_id": 4,
            "1.online": False,
            "1.offline_reason_code": 2,
            "1.offline_reason": "<free text reason from CommServe>",
        },
    ),
    "v4_plan_backupdestination_joboperations_POST_request.json": RequestBody(),
    "v4_plan_backupdestination_joboperations_POST_response.json": Response(
        no_error, {"value": "ok"}
    ),
    "v4_plan_backupdestination_jobs_GET.json": Response(
        parse_copy_jobs,
        {
            "len": 2,
            "0.job_id": 900101,
            "0.level": "full",
            "0.retained_by_name": "Basic Retention",
            "0.retain_until": utc(2025, 1, 3),
            "0.required_by_job_ids": (900155,),
            "0.parent_job_id": None,
            "1.job_id": 880001,
            "1.retained_by": 2,
            "1.retained_by_name": "Extended Retention",
            "1.required_by_job_ids": (),
        },
    ),
    "v4_plan_summary_GET.json": Response(
        parse_plan_summaries,
        {
            "len": 1,
            "0.cv_id": 33,
            "0.rpo_minutes": 1440,
            "0.number_of_copies": 2,
            "0.storage_policy_cv_id": None,
        },
    ),
    "v4_serverplan_GET_id.json": Response(
        lambda payload: parse_server_plan(payload, 50),
        {
            "cv_id": 33,
            "number_of_copies": 2,
            "copies.0.cv_id": 41,
            "copies.0.retention.days": 30,
            "copies.0.retention.cycles_reported": False,
            "copies.0.storage_pool_cv_id": 9,
            "copies.1.retention.data_aging_enabled": False,
            "copies.1.retention.extended.0.rule": "monthly_fulls",
            "copies.1.retention.extended.0.end_days": 365,
            "copies.1.source_copy_cv_id": 41,
        },
    ),
    "v4_storage_associatedcopies_GET.json": Response(
        parse_pool_copies,
        {
            "len": 1,
            "0.copy_cv_id": 41,
            "0.plan_cv_id": 33,
            "0.retention_days": 30,
            "0.extended": (),
        },
    ),
    "v4_storage_cloud_GET_list.json": Response(
        parse_v4_storage_list,
        {
            "len": 1,
            "0.cv_id": 10,
            "0.storage_type": 2,
            "0.pool_type": 1,
            "0.total_capacity_mb": None,
            "0.free_space_mb": None,
        },
    ),
    "v4_storage_disk_GET_id.json": Response(
        lambda payload: parse_v4_storage_detail(payload, 1),
        {"cv_id": 9, "total_capacity_mb": 5700000, "size_on_disk_mb": 1450000},
    ),
    "v4_storage_disk_GET_list.json": Response(
        parse_v4_storage_list,
        {"len": 1, "0.cv_id": 9, "0.storage_type": 1, "0.free_space_mb": 4250000},
    ),
    "v5_serverplan_backupdestination_GET.json": Response(
        lambda payload: parse_backup_destination(payload, 50),
        {
            "cv_id": 42,
            "storage_policy_cv_id": 50,
            "copy_precedence": 2,
            "retention.days": 90,
            "retention.data_aging_enabled": False,
            "retention.extended.0.rule": "monthly_fulls",
            "storage_pool_cv_id": 10,
            "source_copy_cv_id": 41,
        },
    ),
    "v5_serverplan_backupdestination_PUT_request.json": RequestBody(),
    "v5_serverplan_backupdestination_PUT_request_enable_data_aging.json": (
        RequestBody()
    ),
    "v5_serverplan_backupdestination_PUT_response.json": Response(
        no_error, {"value": "ok"}
    ),
}


def load(name: str) -> Any:
    return orjson.loads((FIXTURES / name).read_bytes())


def pick(value: Any, path: str) -> Any:
    """Follow a dotted path: list indexes, dict keys or attributes; "len" and "value"
    are the length and the value itself."""
    if path == "value":
        return value
    for part in path.split("."):
        if part == "len":
            value = len(value)
        elif part.isdigit():
            value = value[int(part)]
        elif isinstance(value, dict):
            value = value[part]
        else:
            value = getattr(value, part)
    return value


def test_fixture_table_complete():
    files = {path.name for path in FIXTURES.glob("*.json")}

    assert sorted(files - FIXTURE_CASES.keys()) == []
    assert sorted(FIXTURE_CASES.keys() - files) == []


@pytest.mark.parametrize(
    ("name", "path"),
    [
        (name, path)
        for name, case in FIXTURE_CASES.items()
        if isinstance(case, Response) and case.raises is None
        for path in case.expected
    ],
)
def test_fixture_parses_to_expected(name, path):
    case = FIXTURE_CASES[name]

    result = case.parse(load(name))

    assert pick(result, path) == case.expected[path]


@pytest.mark.parametrize(
    "name",
    [name for name, case in FIXTURE_CASES.items() if isinstance(case, Response)],
)
def test_fixture_response_has_expectations(name):
    case = FIXTURE_CASES[name]

    assert case.expected or case.raises


@pytest.mark.parametrize(
    "name",
    [
        name
        for name, case in FIXTURE_CASES.items()
        if isinstance(case, Response) and case.raises is not None
    ],
)
def test_fixture_error_raises(name):
    case = FIXTURE_CASES[name]

    with pytest.raises(case.raises) as raised:
        case.parse(load(name))

    assert case.message in str(raised.value)


@pytest.mark.parametrize(
    "name",
    [name for name, case in FIXTURE_CASES.items() if isinstance(case, RequestBody)],
)
def test_fixture_request_body_matches_client(name):
    case = FIXTURE_CASES[name]
    sample = load(name)

    assert isinstance(sample, dict)
    if case.build is None:
        return
    built = case.build()
    keys = case.keys or tuple(sample)
    assert {key: built[key] for key in keys} == {key: sample[key] for key in keys}


def test_login_body_password_is_base64():
    body = bodies.login_body("svc", "pässword", "device-1")

    assert base64.b64decode(body["password"]).decode() == "pässword"
    assert body["mode"] == 4
    assert body["clientType"] == 30


# Mappings and tolerance beyond the samples.


@pytest.mark.parametrize(
    ("name", "number", "expected"),
    [
        ("Full", None, "full"),
        ("FULL", 2, "full"),
        ("incremental", None, "incremental"),
        ("Differential", None, "differential"),
        ("Synthetic Full", None, "synthetic_full"),
        ("SyntheticFull", None, "synthetic_full"),
        ("Synthetic_Full", None, "synthetic_full"),
        ("synthetic-full", None, "synthetic_full"),
        ("", 1, "full"),
        (None, 2, "incremental"),
        ("", "4", "differential"),
        ("", 64, "synthetic_full"),
        ("Transaction Log", None, "other"),
        ("", 8, "other"),
        (None, None, "other"),
    ],
)
def test_job_level_mapping(name, number, expected):
    assert job_level(name, number) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Completed", "completed"),
        ("COMPLETED", "completed"),
        ("Completed w/ one or more errors", "completed_errors"),
        ("completed w/ one or more warnings", "completed_warnings"),
        ("Completed w/ errors", "completed_errors"),
        ("Failed", "failed"),
        ("Failed to Start", "failed"),
        ("Killed", "killed"),
        ("Running", "running"),
        ("Committed", "other"),
        ("Waiting", "other"),
        ("", "other"),
        (None, "other"),
    ],
)
def test_job_outcome_mapping(status, expected):
    assert job_outcome(status) == expected


@pytest.mark.parametrize(
    ("bits", "expected"),
    [
        (2, "all_fulls"),
        (4, "weekly_fulls"),
        (8, "monthly_fulls"),
        (16, "quarterly_fulls"),
        (32, "half_yearly_fulls"),
        (64, "yearly_fulls"),
        (262144, "hourly_fulls"),
        (524288, "daily_fulls"),
        (128, "rule_128"),
        (12, "rule_12"),
    ],
)
def test_extended_rule_names(bits, expected):
    assert extended_rule_name(bits) == expected


def test_retention_disabled_extended_rule_skipped():
    copy = {
        "retentionRules": {
            "retainBackupDataForDays": -1,
            "extendedRetentionRuleOne": {"isEnabled": 0, "rule": 8, "endDays": 90},
            "extendedRetentionRuleTwo": {"isEnabled": 1, "rule": 64, "endDays": -1},
        }
    }

    retention = parse_retention(copy)

    assert retention.days == -1
    assert retention.cycles == 0
    assert [rule.slot for rule in retention.extended] == [2]
    assert retention.extended[0].rule == "yearly_fulls"
    assert retention.extended[0].end_days == -1


def test_copy_minimal_row_tolerated():
    copy = parse_copy({"StoragePolicyCopy": {"copyId": "7"}}, 50)

    assert copy.cv_id == 7
    assert copy.name == ""
    assert copy.active is True
    assert copy.storage_pool_cv_id is None
    assert copy.retention.data_aging_enabled is True
    assert copy.retention.data_aging_reported is False


def test_copy_pool_from_storage_pool_before_global_policy():
    copy = parse_copy(
        {
            "StoragePolicyCopy": {"copyId": 7},
            "storagePool": {"storagePoolId": 9, "storagePoolName": "Pool01"},
            "useGlobalPolicy": {"storagePolicyId": 90, "storagePolicyName": "GP"},
        },
        50,
    )

    assert copy.storage_pool_cv_id == 9
    assert copy.storage_pool_name == "Pool01"


def secondary_copy(**fields: Any) -> dict[str, Any]:
    return {
        "StoragePolicyCopy": {"copyId": 7},
        "copyPrecedence": 2,
        "copyType": 2,
        **fields,
    }


@pytest.mark.parametrize(
    ("rule", "expected"),
    [(2, 2), (4, 4), ("8", 8), (0, 0), (1048576, 1048576), (" 16 ", 16)],
)
def test_copy_selective_rule_read(rule, expected):
    copy = parse_copy(secondary_copy(selectiveCopyRules={"selectiveRule": rule}), 50)

    assert copy.job_selection == expected
    assert copy.invalid_job_selection == ""


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"selectiveCopyRules": {}},
        {"copyType": 1, "selectiveCopyRules": {"selectiveRule": 4}},
        {"copyType": "1", "selectiveCopyRules": {"selectiveRule": "weekly"}},
        {"copyPrecedence": 1, "selectiveCopyRules": {"selectiveRule": 4}},
    ],
)
def test_copy_takes_all_jobs(fields):
    copy = parse_copy(secondary_copy(**fields), 50)

    assert copy.job_selection == 0
    assert copy.invalid_job_selection == ""


@pytest.mark.parametrize(
    ("rule", "shown"),
    [
        ("weekly", '"weekly"'),
        (-4, "-4"),
        (True, "true"),
        (4.5, "4.5"),
        ({"code": 4}, '{"code":4}'),
    ],
)
def test_copy_invalid_selective_rule(rule, shown):
    copy = parse_copy(secondary_copy(selectiveCopyRules={"selectiveRule": rule}), 50)

    assert copy.job_selection is None
    assert copy.invalid_job_selection == shown


def test_copy_without_policy_rejected():
    with pytest.raises(MalformedResponse, match="does not name its storage policy"):
        parse_copy({"StoragePolicyCopy": {"copyId": 7}})


@pytest.mark.parametrize(
    ("parser", "payload"),
    [
        (parse_clients, {"clientProperties": [{"client": {"clientEntity": {}}}]}),
        (parse_plans, {"plans": [{"plan": {"planName": "no id"}}]}),
        (parse_storage_policies, {"policies": [{"storagePolicy": {}}]}),
        (parse_storage_pools, {"storagePoolList": [{"status": "Online"}]}),
        (parse_media_agents, {"mediaAgentList": [{"mediaAgent": {"mediaAgentId": 0}}]}),
        (parse_ddb_engines, {"engines": [{"storeName": "no id"}]}),
        (parse_ddb_partitions, {"subStoreList": [{"Path": "/ddb"}]}),
        (parse_jobs, {"jobs": [{"jobSummary": {"status": "Completed"}}]}),
        (parse_jobs, {"jobs": ["not an object"]}),
        (parse_copy_jobs, {"jobs": [{"status": "Completed"}]}),
    ],
)
def test_row_without_id_rejected(parser, payload):
    with pytest.raises(MalformedResponse, match="id|not a JSON object"):
        parser(payload)


def test_list_key_missing_gives_empty_list():
    assert parse_storage_pools({}) == []


def test_single_object_instead_of_list_accepted():
    payload = {"policies": {"storagePolicy": {"storagePolicyId": 5}}}

    policies = parse_storage_policies(payload)

    assert [policy.cv_id for policy in policies] == [5]


def test_hostile_names_kept_as_text():
    name = "<script>alert('x')</script> & \"quoted\""
    payload = {
        "clientProperties": [
            {"client": {"clientEntity": {"clientId": 5, "clientName": name}}}
        ]
    }

    client = parse_clients(payload)[0]

    assert client.name == name


def test_pool_offline_status_variants():
    assert pool_online("Online") is True
    assert pool_online("offline (mount path is inaccessible)") is False
    assert pool_online("") is True


def test_pool_negative_sizes_not_reported():
    row = {
        "storagePoolEntity": {"storagePoolId": 4},
        "totalCapacity": -1,
        "totalFreeSpace": "-1",
        "sizeOnDisk": -5,
    }

    pool = parse_storage_pool(row)

    assert pool.total_capacity_mb is None
    assert pool.free_space_mb is None
    assert pool.size_on_disk_mb is None


@pytest.mark.parametrize(
    ("status", "online"),
    [("ONLINE", True), ("OFFLINE", False), ("MAINTENANCE", False), ("odd", None)],
)
def test_media_agent_v4_status(status, online):
    agent = parse_media_agents({"mediaAgents": [{"id": 3, "status": status}]})[0]

    assert agent.online is online


def test_media_agent_v2_status_missing_unknown():
    payload = {"mediaAgentList": [{"mediaAgent": {"mediaAgentId": 3}}]}

    agent = parse_media_agents(payload)[0]

    assert agent.online is None


def test_ddb_pruning_flag_cleared():
    payload = {"engines": [{"storeId": 5, "storeFlags": 33554432}]}

    store = parse_ddb_engines(payload)[0]

    assert store.pruning_enabled is False
    assert store.store_flags == 33554432


def test_ddb_information_lower_case_key():
    payload = {
        "subStoreList": [
            {"maxSIDBPrimaryRecords": 10, "freeDiskSpaceMB": 300},
            {"maxSIDBPrimaryRecords": "5", "freeDiskSpaceMB": 200},
        ]
    }

    usage = parse_ddb_information(payload)

    assert usage.partition_count == 2
    assert usage.primary_records == 15
    assert usage.free_disk_space_mb == 200


def test_ddb_information_without_figures():
    usage = parse_ddb_information({"SubStoreList": [{"commcellId": 2}]})

    assert usage.primary_records is None
    assert usage.free_disk_space_mb is None


def test_job_hidden_row_skipped():
    payload = {
        "jobs": [
            {
                "jobSummary": {
                    "jobId": 1,
                    "jobStartTime": 1733270400,
                    "isVisible": False,
                }
            },
            {"jobSummary": {"jobId": 2, "jobStartTime": 1733270400}},
        ]
    }

    jobs = parse_jobs(payload)

    assert [job.job_id for job in jobs] == [2]


def test_job_not_started_skipped():
    payload = {"jobs": [{"jobSummary": {"jobId": 3, "jobStartTime": 0}}]}

    assert parse_jobs(payload) == []


def test_job_end_time_zero_is_none():
    payload = {
        "jobs": [{"jobSummary": {"jobId": 3, "jobStartTime": 5, "jobEndTime": 0}}]
    }

    job = parse_jobs(payload)[0]

    assert job.end_time is None
    assert job.start_time == utc(1970, 1, 1, 0, 0, 5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1733270400, utc(2024, 12, 4)),
        ("1733270400", utc(2024, 12, 4)),
        (0, None),
        (-1, None),
        (None, None),
        ("soon", None),
        (10**20, None),
    ],
)
def test_epoch_to_datetime(value, expected):
    assert epoch_to_datetime(value) == expected


@pytest.mark.parametrize(
    "payload",
    [
        {"errorCode": 2, "errorMessage": "Policy not found"},
        {"error": {"errorCode": 2, "errorMessage": "Policy not found"}},
        {"response": [{"errorCode": 2, "errorString": "Policy not found"}]},
        {"errorCode": "2", "errorMessage": "Policy not found"},
    ],
)
def test_error_envelope_raises(payload):
    with pytest.raises(APIError, match="error code 2: Policy not found") as raised:
        raise_for_error(payload, "GET /V2/StoragePolicy/9")

    assert raised.value.error_code == 2


@pytest.mark.parametrize(
    "payload",
    [
        {"errorCode": 0, "errorMessage": ""},
        {"error": {}},
        {"error": {"errorCode": 0}},
        {"response": [{"errorCode": 0}]},
        {"response": [{"entityInfo": {"id": 3}}]},
        {"plans": []},
    ],
)
def test_error_envelope_success(payload):
    assert find_error(payload) is None


def test_login_locked_account_message():
    payload = {
        "errList": [{"errorCode": 1116, "errLogMessage": "Account locked"}],
        "isAccountLocked": True,
        "remainingLockTime": 1800,
    }

    with pytest.raises(AuthenticationError) as raised:
        parse_login_response(payload, "svc")

    assert "locked for another 1800 s" in str(raised.value)
    assert "'svc'" in str(raised.value)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("abc123", "QSDK abc123"),
        ("QSDK abc123", "QSDK abc123"),
        ("qsdk abc123", "QSDK abc123"),
        ("  abc123 ", "QSDK abc123"),
    ],
)
def test_token_prefix_added(token, expected):
    assert with_token_prefix(token) == expected


def test_excerpt_redacts_secrets():
    text = excerpt(
        '{"token": "QSDK 0123abcd", "echo": "hunter2"}\n<html>', secrets=("hunter2",)
    )

    assert "0123abcd" not in text
    assert "hunter2" not in text
    assert "\n" not in text


def test_excerpt_truncated():
    assert len(excerpt("x" * 5000)) == EXCERPT_LENGTH + 1


@pytest.mark.parametrize(
    "payload",
    [
        {"plans": []},
        {},
        {"error": {"errorCode": 0, "errorMessage": ""}},
        {"errorCode": 0, "processinginstructioninfo": {}},
    ],
)
def test_list_response_may_be_empty(payload):
    require_keys(payload, ("plans",), "GET /V2/Plan", may_be_empty=True)


def test_list_response_unknown_shape_rejected():
    payload = {"message": "maintenance page", "token": "QSDK 0123abcd"}

    with pytest.raises(MalformedResponse) as raised:
        require_keys(payload, ("plans",), "GET /V2/Plan", may_be_empty=True)

    message = str(raised.value)
    assert "GET /V2/Plan" in message
    assert "'plans'" in message
    assert "keys present: message, token" in message
    assert "0123abcd" not in message


def test_required_key_missing_rejected():
    with pytest.raises(MalformedResponse, match="lacks 'commcell'"):
        require_keys({}, ("commcell",), "GET /CommServ", may_be_empty=False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, 12),
        ("12", 12),
        (" -3 ", -3),
        ("12.7", 12),
        ("98765432109876543210", 98765432109876543210),
        (True, 1),
        ("1e400", None),
        (float("inf"), None),
        (float("nan"), None),
        ("twelve", None),
        (None, None),
        ([1], None),
    ],
)
def test_as_int_tolerant(value, expected):
    assert as_int(value) == expected
