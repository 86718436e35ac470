"""Each endpoint returns at least the keys of the matching sample response."""

import pytest

from tests.commserve_sim.conftest import api_client, key_paths, load_sample

pytestmark = pytest.mark.simulator

QCOMMAND = "Qcommand/qoperation%20execute"

ENDPOINTS = [
    ("CommServ", "commserv_GET.json"),
    ("Client", "client_GET_list.json"),
    ("Client/10001", "client_GET_id.json"),
    ("V2/Plan", "plan_GET_list.json"),
    ("V2/StoragePolicy?propertyLevel=20", "storagepolicy_V2_GET_list.json"),
    (
        "V2/StoragePolicy/501?propertyLevel=10",
        "storagepolicy_V2_GET_id_propertyLevel10.json",
    ),
    # Copy 1004 (the second copy of plan 502) has an extended retention rule.
    ("V2/StoragePolicy/502/Copy/1004", "storagepolicycopy_V2_GET.json"),
    ("StoragePool", "storagepool_GET_list.json"),
    ("StoragePool/3001", "storagepool_GET_id.json"),
    ("V2/MediaAgents", "mediaagent_V2_GET_list.json"),
    ("DDBInformation/7001", "ddbinformation_GET_id.json"),
]


@pytest.mark.parametrize(("path", "sample"), ENDPOINTS)
def test_endpoint_has_sample_keys(sim_api, path, sample):
    response = sim_api.get(path)

    assert response.status_code == 200
    missing = key_paths(load_sample(sample)) - key_paths(response.json())
    assert missing == set()


def test_job_list_has_sample_keys(sim_api):
    response = sim_api.get("Job", params={"jobFilter": ""}, headers={"limit": "2000"})

    missing = key_paths(load_sample("job_GET_list.json")) - key_paths(response.json())
    assert missing == set()


def test_job_by_id_has_sample_keys(sim_api):
    first = sim_api.get("Job", headers={"limit": "1"}).json()["jobs"][0]
    job_id = first["jobSummary"]["jobId"]

    response = sim_api.get(f"Job/{job_id}")

    assert response.json()["totalRecordsWithoutPaging"] == 1
    assert key_paths(load_sample("job_GET_id.json")) <= key_paths(response.json())
    assert response.json()["jobs"][0] == first


def test_job_by_unknown_id_is_empty(sim_api):
    response = sim_api.get("Job/42")

    assert response.status_code == 200
    assert response.json() == {"totalRecordsWithoutPaging": 0, "jobs": []}


def test_ddb_engines_have_sample_keys(sim_api):
    request = load_sample("qcommand_EVGui_DDBEnginesReq_POST_request.json")

    response = sim_api.post(QCOMMAND, json=request)

    sample = load_sample("qcommand_EVGui_DDBEnginesReq_POST_response.json")
    assert key_paths(sample) <= key_paths(response.json())


def test_substores_have_sample_keys(sim_api):
    request = {"EVGui_SubStoreListReq": {"commcellId": 2, "storeId": 7001}}

    response = sim_api.post(QCOMMAND, json=request)

    sample = load_sample("qcommand_EVGui_SubStoreListReq_POST_response.json")
    assert key_paths(sample) <= key_paths(response.json())


def test_substores_of_unknown_store_return_404(sim_api):
    request = {"EVGui_SubStoreListReq": {"commcellId": 2, "storeId": 99}}

    response = sim_api.post(QCOMMAND, json=request)

    assert response.status_code == 404
    assert "99" in response.json()["errorMessage"]


def test_unsupported_qcommand_returns_400(sim_api):
    response = sim_api.post(QCOMMAND, json={"EVGui_Other": {}})

    assert response.status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "Client/1",
        "V2/StoragePolicy/9999",
        "V2/StoragePolicy/501/Copy/1004",
        "StoragePool/1",
        "DDBInformation/1",
        "NoSuchEndpoint",
    ],
)
def test_unknown_object_returns_404(sim_api, path):
    response = sim_api.get(path)

    assert response.status_code == 404
    assert response.json()["errorMessage"]


def test_paths_are_case_insensitive(sim_api):
    response = sim_api.get("v2/storagepolicy")

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("api", "path", "sample"),
    [
        ("v2", "V2/MediaAgents", "mediaagent_V2_GET_list.json"),
        ("v4", "V4/mediaAgent", "v4_mediaagent_GET_list.json"),
        ("legacy", "MediaAgent", "mediaagent_GET_list_legacy.json"),
    ],
)
def test_mediaagent_api_switch(simulator_factory, api, path, sample):
    simulator = simulator_factory("--preset", "small", "--mediaagent-api", api)
    others = {"V2/MediaAgents", "V4/mediaAgent", "MediaAgent"} - {path}

    with api_client(simulator, simulator.login()) as client:
        response = client.get(path)
        statuses = {other: client.get(other).status_code for other in others}

    assert response.status_code == 200
    assert key_paths(load_sample(sample)) <= key_paths(response.json())
    assert set(statuses.values()) == {404}
