"""Faults switched on through the control API, as the collector's tests use them."""

import time

import httpx
import pytest

from tests.commserve_sim.conftest import api_client

pytestmark = pytest.mark.simulator


def _job_ids(client, offset, limit=100):
    headers = {"limit": str(limit), "offset": str(offset)}
    body = client.get("Job", headers=headers).json()
    return [row["jobSummary"]["jobId"] for row in body["jobs"]], body


def test_wrong_password_fault_rejects_every_login(sim_faults):
    sim_faults.set_fault("wrong_password")

    with pytest.raises(RuntimeError, match="Invalid username"):
        sim_faults.login()


def test_clearing_faults_restores_login(sim_faults):
    sim_faults.set_fault("wrong_password")
    sim_faults.clear_faults()

    assert sim_faults.login().startswith("QSDK ")


def test_error_500_for_count_requests(sim_faults, sim_api):
    sim_faults.set_fault("error_500", path="/StoragePool", count=2)

    statuses = [sim_api.get("StoragePool").status_code for _ in range(3)]
    other = sim_api.get("CommServ").status_code

    assert statuses == [500, 500, 200]
    assert other == 200


def test_error_500_always_until_cleared(sim_faults, sim_api):
    sim_faults.set_fault("error_500", path="/webconsole/api/V2/Plan")

    statuses = [sim_api.get("V2/Plan").status_code for _ in range(4)]
    sim_faults.clear_faults()

    assert statuses == [500] * 4
    assert sim_api.get("V2/Plan").status_code == 200


def test_rate_limit_429_sends_retry_after(sim_faults, sim_api):
    sim_faults.set_fault("rate_limit_429", path="/Job", count=1)

    limited = sim_api.get("Job")
    retried = sim_api.get("Job")

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert retried.status_code == 200


def test_expire_tokens_now(sim_faults, sim_api):
    sim_faults.set_fault("expire_tokens")

    response = sim_api.get("CommServ")

    assert response.status_code == 401


def test_expire_tokens_after_requests(sim_faults, sim_api):
    sim_faults.set_fault("expire_tokens", after_requests=2)

    statuses = [sim_api.get("CommServ").status_code for _ in range(3)]

    assert statuses == [200, 200, 401]


def test_expired_token_can_be_renewed(sim_faults):
    token = sim_faults.login(device_id="renewer")
    sim_faults.set_fault("expire_tokens")

    with api_client(sim_faults) as client:
        body = {"sessionId": token, "deviceId": "renewer"}
        new_token = client.post("RenewLoginToken", json=body).json()["token"]
        response = client.get("CommServ", headers={"Authtoken": new_token})

    assert response.status_code == 200


def test_malformed_json_body(sim_faults, sim_api):
    sim_faults.set_fault("malformed_json", path="/Client", count=1)

    broken = sim_api.get("Client")
    fixed = sim_api.get("Client")

    assert broken.status_code == 200
    with pytest.raises(ValueError):
        broken.json()
    assert fixed.json()["clientProperties"]


def test_repeat_page_serves_previous_page(sim_faults, sim_api):
    sim_faults.set_fault("repeat_page", from_offset=200, count=1)

    first, _ = _job_ids(sim_api, 100)
    second, _ = _job_ids(sim_api, 200)
    third, _ = _job_ids(sim_api, 200)

    assert second == first
    assert third != first


def test_repeat_page_skips_earlier_offsets(sim_faults, sim_api):
    sim_faults.set_fault("repeat_page", from_offset=300)

    early, _ = _job_ids(sim_api, 0)
    next_page, _ = _job_ids(sim_api, 100)

    assert early[-1] < next_page[0]


def test_truncate_pages_returns_empty_page(sim_faults, sim_api, commserve_sim):
    sim_faults.set_fault("truncate_pages", from_offset=100)

    before, _ = _job_ids(sim_api, 0)
    after, body = _job_ids(sim_api, 100)

    assert len(before) == 100
    assert after == []
    assert body["totalRecordsWithoutPaging"] == commserve_sim.expected_jobs()


def test_slow_fault_delays_response(sim_faults, sim_api):
    sim_faults.set_fault("slow", path="/CommServ", seconds=1, count=1)
    start = time.monotonic()

    with pytest.raises(httpx.ReadTimeout):
        sim_api.get("CommServ", timeout=0.3)

    assert time.monotonic() - start < 5


def test_faults_are_listed(sim_faults):
    body = sim_faults.set_fault("error_500", path="/Job", count=3)

    assert body["faults"][0]["fault"] == "error_500"
    assert body["faults"][0]["count"] == 3


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ({"fault": "explode"}, "unknown"),
        ({"fault": "error_500", "count": 0}, "count"),
        ({"fault": "slow", "seconds": "long"}, "seconds"),
        ({"fault": "wrong_password", "path": "/Job"}, "path"),
        (["error_500"], "JSON object"),
    ],
)
def test_invalid_fault_returns_400(sim_faults, body, word):
    response = sim_faults.http.post(f"{sim_faults.control_url}/faults", json=body)

    assert response.status_code == 400
    assert word in response.json()["errorMessage"]


def test_stats_count_requests_by_path_and_status(simulator_factory):
    simulator = simulator_factory("--preset", "small")
    simulator.set_fault("error_500", path="/CommServ", count=1)
    with api_client(simulator, simulator.login()) as client:
        client.get("CommServ")
        client.get("CommServ")
        client.get("Client", headers={"Authtoken": "QSDK nope"})

    requests = simulator.stats()["requests"]

    assert requests["GET /webconsole/api/CommServ"] == {"200": 1, "500": 1}
    assert requests["GET /webconsole/api/Client"] == {"401": 1}
    assert requests["POST /webconsole/api/Login"] == {"200": 1}


def test_fault_from_command_line(simulator_factory):
    simulator = simulator_factory("--preset", "small", "--fault", "wrong_password")

    with pytest.raises(RuntimeError, match="Invalid username"):
        simulator.login()
