"""Command line: loopback only, ready line, TLS with a self-signed certificate."""

import ssl
import subprocess
import sys

import httpx
import pytest

from commserve_sim.cli import check_host
from tests.commserve_sim.conftest import api_client

pytestmark = pytest.mark.simulator


def test_non_loopback_host_is_refused():
    result = subprocess.run(
        [sys.executable, "-m", "commserve_sim", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert "--allow-remote" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_hosts_are_allowed(host):
    assert check_host(host, allow_remote=False) is None


def test_allow_remote_lifts_the_check():
    assert check_host("192.0.2.10", allow_remote=True) is None


def test_ready_line_names_http_url(commserve_sim):
    assert commserve_sim.base_url.startswith("http://127.0.0.1:")
    assert commserve_sim.base_url.endswith("/webconsole/api")


def test_busy_port_is_reported(commserve_sim):
    port = commserve_sim.base_url.split(":")[2].split("/")[0]

    result = subprocess.run(
        [sys.executable, "-m", "commserve_sim", "--port", port],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert "cannot listen" in result.stderr


@pytest.fixture
def tls_sim(simulator_factory):
    return simulator_factory("--preset", "small", "--tls-self-signed")


def test_tls_ready_line_is_https(tls_sim):
    assert tls_sim.base_url.startswith("https://127.0.0.1:")


def test_tls_certificate_fails_default_verification(tls_sim):
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(
            tls_sim.base_url + "/CommServ", headers={"Accept": "application/json"}
        )


def test_tls_certificate_verifies_when_trusted(tls_sim):
    context = ssl.create_default_context(cafile=str(tls_sim.certificate))
    token = tls_sim.login()

    with httpx.Client(verify=context) as client:
        response = client.get(
            tls_sim.base_url + "/CommServ",
            headers={"Accept": "application/json", "Authtoken": token},
        )

    assert response.status_code == 200


def test_tls_server_survives_failed_handshake(tls_sim):
    with pytest.raises(httpx.ConnectError):
        httpx.get(tls_sim.base_url + "/CommServ")

    assert tls_sim.login().startswith("QSDK ")


def test_control_api_outside_api_base(commserve_sim):
    with api_client(commserve_sim) as client:
        response = client.get(commserve_sim.control_url + "/nothing")

    assert response.status_code == 404
    assert "/__sim__/faults" in response.json()["errorMessage"]
