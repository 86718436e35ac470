"""Login, token expiry and renewal, and the checks every API request passes."""

import base64

import pytest

from tests.commserve_sim.conftest import api_client, key_paths, load_sample

pytestmark = pytest.mark.simulator


def _password(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _login(client, username: str, password: str, device_id: str = "dev-1"):
    body = {
        "username": username,
        "password": _password(password),
        "deviceId": device_id,
    }
    return client.post("Login", json=body)


def test_login_returns_qsdk_token(commserve_sim):
    with api_client(commserve_sim) as client:
        response = _login(client, "cvadmin", "simulator")

    assert response.status_code == 200
    assert response.json()["token"].startswith("QSDK ")


def test_login_response_has_sample_keys(commserve_sim):
    with api_client(commserve_sim) as client:
        body = _login(client, "cvadmin", "simulator").json()

    sample = load_sample("login_POST_response.json")
    assert key_paths(sample) <= key_paths(body)
    assert body["errList"] == []


def test_login_wrong_password_returns_errlist(commserve_sim):
    with api_client(commserve_sim) as client:
        response = _login(client, "cvadmin", "wrong")

    body = response.json()
    assert response.status_code == 200
    assert "token" not in body
    assert body["errList"][0]["errLogMessage"] == "Invalid username or password"
    assert key_paths(load_sample("login_POST_response_failure.json")) <= key_paths(body)


def test_login_password_not_base64_fails(commserve_sim):
    with api_client(commserve_sim) as client:
        body = {"username": "cvadmin", "password": "simulator!!"}
        response = client.post("Login", json=body)

    assert "token" not in response.json()
    assert response.json()["errList"][0]["errorCode"] == 5


def test_login_failure_counted_in_stats(simulator_factory):
    simulator = simulator_factory("--preset", "small", "--seed", "3")
    with api_client(simulator) as client:
        _login(client, "cvadmin", "wrong")
        _login(client, "cvadmin", "simulator")

    logins = simulator.stats()["logins"]
    assert logins["failed"] == 1
    assert logins["ok"] == 1


def test_request_without_token_returns_401(commserve_sim):
    with api_client(commserve_sim) as client:
        response = client.get("Client")

    assert response.status_code == 401
    assert "Authtoken" in response.json()["errorMessage"]


def test_request_with_unknown_token_returns_401(commserve_sim):
    with api_client(commserve_sim, "QSDK 0000") as client:
        response = client.get("CommServ")

    assert response.status_code == 401


def test_request_accepting_xml_returns_406(commserve_sim):
    with api_client(commserve_sim, commserve_sim.login()) as client:
        response = client.get("CommServ", headers={"Accept": "application/xml"})

    assert response.status_code == 406
    assert "application/json" in response.json()["errorMessage"]


def test_request_accepting_anything_succeeds(commserve_sim):
    with api_client(commserve_sim, commserve_sim.login()) as client:
        response = client.get("CommServ", headers={"Accept": "*/*"})

    assert response.status_code == 200


@pytest.fixture
def idle_sim(simulator_factory):
    return simulator_factory(
        "--preset",
        "small",
        "--seed",
        "7",
        "--freeze-clock",
        "--token-idle-seconds",
        "60",
    )


def test_token_expires_after_idle_time(idle_sim):
    token = idle_sim.login()
    idle_sim.advance_clock(61)

    with api_client(idle_sim, token) as client:
        response = client.get("CommServ")

    assert response.status_code == 401


def test_token_use_resets_idle_time(idle_sim):
    token = idle_sim.login()
    with api_client(idle_sim, token) as client:
        idle_sim.advance_clock(50)
        first = client.get("CommServ")
        idle_sim.advance_clock(50)
        second = client.get("CommServ")

    assert first.status_code == 200
    assert second.status_code == 200


def test_renew_expired_token_with_same_device(idle_sim):
    token = idle_sim.login(device_id="collector-1")
    idle_sim.advance_clock(61)

    with api_client(idle_sim) as client:
        body = {"sessionId": token, "deviceId": "collector-1"}
        renewed = client.post("RenewLoginToken", json=body).json()
        new_token = renewed["token"]
        after = client.get("CommServ", headers={"Authtoken": new_token})
        old = client.get("CommServ", headers={"Authtoken": token})

    assert new_token.startswith("QSDK ")
    assert new_token != token
    assert renewed["error"] == {}
    assert after.status_code == 200
    assert old.status_code == 401
    assert idle_sim.stats()["renewals"]["ok"] == 1


def test_renew_with_other_device_fails(commserve_sim):
    token = commserve_sim.login(device_id="collector-1")
    with api_client(commserve_sim) as client:
        body = {"sessionId": token, "deviceId": "someone-else"}
        response = client.post("RenewLoginToken", json=body)
        still_valid = client.get("CommServ", headers={"Authtoken": token})

    assert "token" not in response.json()
    assert "deviceId" in response.json()["error"]["errorMessage"]
    assert still_valid.status_code == 200


def test_renew_unknown_token_fails(commserve_sim):
    with api_client(commserve_sim) as client:
        body = {"sessionId": "QSDK feedface", "deviceId": "collector-1"}
        response = client.post("RenewLoginToken", json=body)

    assert "token" not in response.json()
    assert response.json()["error"]["errorCode"] == 1


def test_renew_accepts_token_without_prefix(commserve_sim):
    token = commserve_sim.login(device_id="collector-2")
    with api_client(commserve_sim) as client:
        body = {"sessionId": token.removeprefix("QSDK "), "deviceId": "collector-2"}
        response = client.post("RenewLoginToken", json=body)

    assert response.json()["token"].startswith("QSDK ")


def test_custom_credentials_accepted(simulator_factory):
    simulator = simulator_factory(
        "--preset", "small", username="svc", password="pä$$ wörd"
    )

    with api_client(simulator) as client:
        good = _login(client, "svc", "pä$$ wörd").json()
        default = _login(client, "cvadmin", "simulator").json()

    assert good["userName"] == "svc"
    assert "token" not in default
