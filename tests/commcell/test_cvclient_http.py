"""CommServeClient against the CommServe simulator running as a real HTTP server."""

import logging
import socket
from collections.abc import Iterator

import pytest

from apps.commcell.cvclient.client import CommServeClient
from apps.commcell.cvclient.errors import (
    APIError,
    AuthenticationError,
    CommServeUnreachable,
    MalformedResponse,
    NotFoundError,
    PagingError,
    ServerError,
    TLSVerificationError,
)
from tests.simulator import RunningSimulator, start_simulator

pytestmark = pytest.mark.simulator

LOG_CONTEXT = "commcell=sim run=7"
DAY = 86400
JOB_FILTER = "Backup,SYNTHFULL"
# Seconds of idle time before a simulator token expires, for the re-login test.
TOKEN_IDLE_SECONDS = 60


def make_client(simulator: RunningSimulator, **options) -> CommServeClient:
    settings = {
        "username": simulator.username,
        "password": simulator.password,
        "max_retries": 3,
        "backoff_seconds": 0.01,
        "log_context": LOG_CONTEXT,
    }
    settings.update(options)
    return CommServeClient(simulator.base_url, **settings)


def request_count(simulator: RunningSimulator, method_path: str, status: int) -> int:
    requests = simulator.stats()["requests"]
    return requests.get(f"{method_path}", {}).get(str(status), 0)


@pytest.fixture
def client(sim_faults) -> Iterator[CommServeClient]:
    with make_client(sim_faults) as client:
        yield client


@pytest.fixture(scope="module")
def tls_simulator() -> Iterator[RunningSimulator]:
    simulator = start_simulator("--preset", "small", "--tls-self-signed")
    yield simulator
    simulator.stop()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Login and sessions


def test_login_password_success(client, sim_faults):
    sim_faults.reset_stats()

    client.login()
    info = client.get_commserve()

    assert info.name == sim_faults.summary["commcell"]
    assert sim_faults.stats()["logins"]["ok"] == 1


def test_first_call_logs_in(client, sim_faults):
    sim_faults.reset_stats()

    clients = client.list_clients()

    assert len(clients) == sim_faults.clients
    assert sim_faults.stats()["logins"]["ok"] == 1


def test_login_wrong_password_rejected(sim_faults, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(sim_faults, password="not-the-password")

    with pytest.raises(AuthenticationError) as raised, client:
        client.login()

    message = str(raised.value)
    assert "Invalid username or password" in message
    assert sim_faults.base_url in message
    assert "Check the user name and password" in message
    assert "not-the-password" not in message
    assert "not-the-password" not in caplog.text


def test_login_fault_rejects_valid_password(sim_faults):
    sim_faults.set_fault("wrong_password")

    with (
        pytest.raises(AuthenticationError, match="rejected"),
        make_client(sim_faults) as client,
    ):
        client.get_commserve()


def test_token_mode_adds_prefix(sim_faults):
    token = sim_faults.login().removeprefix("QSDK ")

    with make_client(sim_faults, username="", password="", token=token) as client:
        info = client.get_commserve()

    assert info.cv_id is not None


def test_token_expiry_renewed(client, sim_faults):
    client.get_commserve()
    sim_faults.reset_stats()
    sim_faults.set_fault("expire_tokens")

    clients = client.list_clients()

    stats = sim_faults.stats()
    assert len(clients) == sim_faults.clients
    assert stats["renewals"]["ok"] == 1
    assert stats["logins"]["ok"] == 0
    assert request_count(sim_faults, "GET /webconsole/api/Client", 401) == 1


def test_renewal_logged_at_warning(client, sim_faults, caplog):
    client.get_commserve()
    sim_faults.set_fault("expire_tokens")
    caplog.set_level(logging.WARNING)

    client.list_clients()

    assert "renewing the token" in caplog.text
    assert LOG_CONTEXT in caplog.text


def test_failed_renewal_logs_in_again(simulator_factory):
    simulator = simulator_factory(
        "--preset", "small", "--freeze-clock",
        "--token-idle-seconds", str(TOKEN_IDLE_SECONDS),
    )  # fmt: skip
    client = make_client(simulator)
    client.get_commserve()
    # Past the idle timeout and the renewal horizon; a new login purges the session.
    simulator.advance_clock(TOKEN_IDLE_SECONDS + DAY + 10)
    simulator.login()

    with client:
        clients = client.list_clients()

    stats = simulator.stats()
    assert len(clients) == simulator.clients
    assert stats["renewals"]["failed"] == 1
    assert stats["logins"]["ok"] == 3


def test_unknown_token_rejected(sim_faults):
    client = make_client(sim_faults, username="", password="", token="QSDK 00ff")

    with pytest.raises(AuthenticationError) as raised, client:
        client.get_commserve()

    assert "Create a new token" in str(raised.value)
    assert "00ff" not in str(raised.value)


# Retries


def test_error_500_retried_then_succeeds(client, sim_faults):
    sim_faults.set_fault("error_500", path="/Client", count=2)
    sim_faults.reset_stats()

    clients = client.list_clients()

    assert len(clients) == sim_faults.clients
    assert request_count(sim_faults, "GET /webconsole/api/Client", 500) == 2


def test_error_500_storm_raises(sim_faults, caplog):
    sim_faults.set_fault("error_500", path="/StoragePool")
    caplog.set_level(logging.WARNING)
    client = make_client(sim_faults, max_retries=2)

    with pytest.raises(ServerError) as raised, client:
        client.list_storage_pools()

    message = str(raised.value)
    assert "/StoragePool" in message
    assert "HTTP 500" in message
    assert "all 3 attempts" in message
    assert request_count(sim_faults, "GET /webconsole/api/StoragePool", 500) == 3
    assert caplog.text.count("retry ") == 2


def test_rate_limit_429_retried_then_succeeds(client, sim_faults):
    sim_faults.set_fault("rate_limit_429", path="/V2/Plan", count=1)

    plans = client.list_plans()

    assert len(plans) == sim_faults.plans


def test_rate_limit_429_storm_raises(sim_faults):
    sim_faults.set_fault("rate_limit_429", path="/V2/Plan")
    client = make_client(sim_faults, max_retries=1)

    with pytest.raises(ServerError) as raised, client:
        client.list_plans()

    assert "HTTP 429" in str(raised.value)
    assert "all 2 attempts" in str(raised.value)


def test_read_timeout_raises_unreachable(sim_faults):
    sim_faults.set_fault("slow", path="/CommServ", seconds=1.0, count=2)
    client = make_client(sim_faults, timeout=0.2, max_retries=1)
    client.login()

    with pytest.raises(CommServeUnreachable) as raised, client:
        client.get_commserve()

    assert "timed out on all 2 attempts" in str(raised.value)


def test_unreachable_port_raises(caplog):
    caplog.set_level(logging.WARNING)
    url = f"http://127.0.0.1:{closed_port()}/webconsole/api"
    client = CommServeClient(
        url, username="u", password="p", max_retries=2, backoff_seconds=0.01,
        log_context=LOG_CONTEXT,
    )  # fmt: skip

    with pytest.raises(CommServeUnreachable) as raised, client:
        client.login()

    assert "could not connect on all 3 attempts" in str(raised.value)
    assert "/Login" in str(raised.value)
    assert caplog.text.count(LOG_CONTEXT) == 2


# Responses


def test_malformed_json_raises(client, sim_faults):
    client.login()
    sim_faults.set_fault("malformed_json", path="/Client", count=1)

    with pytest.raises(MalformedResponse) as raised:
        client.list_clients()

    assert "/Client" in str(raised.value)
    assert "not JSON" in str(raised.value)


def test_unknown_policy_not_found(client):
    with pytest.raises(NotFoundError) as raised:
        client.list_copies(999999)

    assert raised.value.status_code == 404
    assert "/V2/StoragePolicy/999999" in str(raised.value)


def test_inventory_counts_match(client, sim_faults):
    policies = client.list_storage_policies()
    copies = [copy for policy in policies for copy in client.list_copies(policy.cv_id)]

    assert len(client.list_plans()) == sim_faults.plans
    assert len(policies) == sim_faults.policies
    assert len(copies) == sim_faults.copies
    assert len(client.list_storage_pools()) == sim_faults.pools
    assert len(client.list_media_agents()) == sim_faults.media_agents


def test_ddb_stores_complete(client, sim_faults):
    stores = client.list_ddb_stores()

    partitions = sum(len(store.partitions) for store in stores)
    assert len(stores) == sim_faults.ddb_stores
    assert partitions == sim_faults.summary["ddb_partitions"]
    assert all(store.primary_records is not None for store in stores)


@pytest.mark.parametrize("api", ["v4", "legacy"])
def test_media_agent_fallback(simulator_factory, api):
    simulator = simulator_factory("--preset", "small", "--mediaagent-api", api)

    with make_client(simulator) as client:
        agents = client.list_media_agents()

    # The legacy list also names the CommServe, which is a MediaAgent too.
    names = {agent.name for agent in agents} - {simulator.summary["commcell"]}
    assert len(names) == simulator.media_agents
    assert request_count(simulator, "GET /webconsole/api/V2/MediaAgents", 404) == 1
    if api == "legacy":
        assert {agent.online for agent in agents} == {None}
    else:
        assert False in {agent.online for agent in agents}


# Job paging


def collect_pages(client: CommServeClient, **options):
    """Return the pages the listing yielded and the PagingError it ended with."""
    pages = []
    try:
        for page in client.iter_job_pages(**options):
            pages.append(page)
    except PagingError as exc:
        return pages, exc
    return pages, None


def test_job_paging_complete(client, sim_faults):
    lookback = 30 * DAY
    expected = sim_faults.expected_jobs(lookback, JOB_FILTER)

    pages, error = collect_pages(client, lookback_seconds=lookback, page_size=400)

    ids = [job.job_id for page in pages for job in page.jobs]
    assert error is None
    assert expected != sim_faults.expected_jobs(365 * DAY, JOB_FILTER)
    assert len(ids) == expected
    assert len(set(ids)) == expected
    assert [page.offset for page in pages] == list(range(0, expected, 400))
    assert {page.total for page in pages} == {expected}


def test_job_paging_repeated_page(client, sim_faults):
    sim_faults.set_fault("repeat_page", from_offset=800, count=1)

    pages, error = collect_pages(client, lookback_seconds=30 * DAY, page_size=400)

    assert [page.offset for page in pages] == [0, 400]
    assert error is not None
    assert "offset 800" in str(error)
    assert "800 of" in str(error)


def test_job_paging_truncated(client, sim_faults):
    sim_faults.set_fault("truncate_pages", from_offset=800, count=1)

    pages, error = collect_pages(client, lookback_seconds=30 * DAY, page_size=400)

    assert [page.offset for page in pages] == [0, 400]
    assert error is not None
    assert "empty page at offset 800" in str(error)
    assert "empty page" in str(error)


# Transport security


def test_tls_self_signed_rejected(tls_simulator, caplog):
    caplog.set_level(logging.WARNING)
    client = make_client(tls_simulator)

    with pytest.raises(TLSVerificationError) as raised, client:
        client.login()

    assert "CA bundle" in str(raised.value)
    assert "retry" not in caplog.text


def test_tls_ca_bundle_accepted(tls_simulator):
    client = make_client(tls_simulator, verify=str(tls_simulator.certificate))

    with client:
        info = client.get_commserve()

    assert info.cv_id is not None


def test_http_rejected_for_remote_host():
    with pytest.raises(ValueError, match="Use https://cs01.example.invalid"):
        CommServeClient("http://cs01.example.invalid/webconsole/api")


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:81/webconsole/api", "http://localhost/webconsole/api"],
)
def test_http_allowed_for_loopback(url):
    client = CommServeClient(url)

    client.close()

    assert client.base_url == url


def test_missing_ca_bundle_rejected(tmp_path):
    missing = tmp_path / "missing.pem"

    with pytest.raises(ValueError, match="does not exist"):
        CommServeClient("https://cs01.example.invalid/api", verify=str(missing))


def test_credentials_in_url_rejected():
    with pytest.raises(ValueError, match="user name or password"):
        CommServeClient("https://user:secret@cs01.example.invalid/api")


def test_job_paging_empty_listing(client, sim_faults):
    expected = sim_faults.expected_jobs(1, JOB_FILTER)

    pages, error = collect_pages(client, lookback_seconds=1, page_size=400)

    assert error is None
    assert len(pages) == 1
    assert pages[0].total == expected
    assert len(pages[0].jobs) == expected


def test_secrets_not_logged(client, sim_faults, caplog):
    caplog.set_level(logging.DEBUG)
    client.get_commserve()
    sim_faults.set_fault("expire_tokens")

    client.list_clients()

    token = client._token.removeprefix("QSDK ")
    assert sim_faults.password not in caplog.text
    assert token not in caplog.text


def test_bad_request_raises_api_error(client):
    with pytest.raises(APIError) as raised:
        next(client.iter_job_pages(lookback_seconds=DAY, category="Bogus"))

    assert raised.value.status_code == 400
    assert "jobCategory" in str(raised.value)
