"""The evolving state over HTTP, the clock endpoint, data aging jobs and log files."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from commserve_sim.jobs import day_of, day_start
from tests.commserve_sim.conftest import api_client

pytestmark = pytest.mark.simulator

START = "2026-03-10T15:20:00Z"
NOW = int(dt.datetime(2026, 3, 10, 15, 20, tzinfo=dt.UTC).timestamp())
HOUR = 3600
# The record layout of the simulator's logs: pid, tid, mm/dd hh:mm:ss, job, message.
RECORD = re.compile(
    r"^(?P<pid>\d+)\s+(?P<tid>[0-9a-f]+)\s+(?P<month>\d\d)/(?P<day>\d\d)\s+"
    r"(?P<time>\d\d:\d\d:\d\d)\s+(?P<job>\d+|###)\s+(?P<message>\S.*)$"
)
ENGINE_TOKEN = re.compile(r"^(\d+)-(\d+)-(\d+)-(\d+) ")


def at(days_ago: int, clock: str) -> int:
    hours, minutes = clock.split(":")
    return day_start(day_of(NOW) - days_ago) + int(hours) * HOUR + int(minutes) * 60


def iso(moment: int) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("simlogs")


@pytest.fixture(scope="module")
def evolving(log_dir):
    from tests.simulator import start_simulator

    simulator = start_simulator(
        "--preset",
        "small",
        "--seed",
        "7",
        "--now",
        START,
        "--log-dir",
        str(log_dir),
        "--log-max-kb",
        "8",
        "--log-days",
        "14",
    )
    yield simulator
    simulator.stop()


@pytest.fixture
def client_at(evolving):
    """Return a function that sets the clock and returns a freshly logged-in client.

    Tokens expire after 30 idle minutes of simulated time, so each jump logs in again.
    """
    clients = []

    def move(moment: int):
        set_clock(evolving, iso(moment))
        client = api_client(evolving, evolving.login())
        clients.append(client)
        return client

    yield move
    for client in clients:
        client.close()
    set_clock(evolving, START)


def set_clock(simulator, value):
    return simulator.http.post(f"{simulator.control_url}/clock", json={"now": value})


def media_agent(api, name):
    agents = api.get("V2/MediaAgents").json()["mediaAgentList"]
    return next(a for a in agents if a["mediaAgent"]["mediaAgentName"] == name)


# Clock ----------------------------------------------------------------------------


def test_clock_can_be_set_back_and_forth(evolving):
    earlier = at(9, "12:00")

    response = set_clock(evolving, iso(earlier))

    assert response.status_code == 200
    assert response.json()["now"] == earlier
    assert evolving.http.get(f"{evolving.control_url}/clock").json()["now"] == earlier
    assert set_clock(evolving, NOW).json()["now"] == NOW
    advanced = evolving.http.post(
        f"{evolving.control_url}/clock", json={"advance_seconds": 60}
    )
    assert advanced.json()["now"] == NOW + 60
    set_clock(evolving, START)


@pytest.mark.parametrize(
    "body",
    [
        {"now": "2026-03-01T10:00:00"},
        {"now": "yesterday"},
        {"now": True},
        {"now": "2026-03-01T10:00:00Z", "advance_seconds": 5},
        {"advance_seconds": -1},
    ],
)
def test_invalid_clock_bodies_are_refused(evolving, body):
    before = evolving.http.get(f"{evolving.control_url}/clock").json()["now"]

    response = evolving.http.post(f"{evolving.control_url}/clock", json=body)

    assert response.status_code == 400
    assert "ISO 8601" in response.json()["errorMessage"]
    assert evolving.http.get(f"{evolving.control_url}/clock").json()["now"] == before


# Evolving API values ----------------------------------------------------------------


def test_media_agent_goes_offline_and_comes_back(client_at):
    offline = media_agent(client_at(at(9, "12:00")), "ma02")
    back = media_agent(client_at(at(8, "16:00")), "ma02")

    assert (offline["status"], offline["offlineReason"]) == (0, 1)
    assert (back["status"], back["offlineReason"]) == (1, 0)


def test_pool_free_space_moves_with_the_clock(client_at):
    def free(api, name):
        pools = api.get("StoragePool").json()["storagePoolList"]
        pool = next(
            p for p in pools if p["storagePoolEntity"]["storagePoolName"] == name
        )
        return pool["totalFreeSpace"]

    api = client_at(at(10, "18:00"))
    earlier = free(api, "HSXPool01"), free(api, "CloudPool01")
    api = client_at(at(3, "18:00"))
    later = free(api, "HSXPool01"), free(api, "CloudPool01")

    assert later[0] < earlier[0]
    assert earlier[1] == later[1] == -1


def test_pending_deletes_and_seal_over_http(client_at):
    def pending(api, store_id):
        rows = api.get(f"DDBInformation/{store_id}").json()["SubStoreList"]
        return [row["pendingDeletes"] for row in rows]

    def engines(api):
        body = api.post(
            "Qcommand/qoperation%20execute", json={"EVGui_DDBEnginesReq": {}}
        )
        return {engine["storeId"]: engine for engine in body.json()["engines"]}

    api = client_at(at(5, "18:00"))
    blocked = pending(api, 7006)
    before_seal = engines(api)
    api = client_at(at(1, "09:00"))
    resumed = pending(api, 7006)
    after_seal = engines(api)

    assert len(blocked) == 3
    assert min(blocked) > 0
    assert resumed == [0, 0, 0]
    assert before_seal[7003]["sealedTime"] == 0
    assert 7007 not in before_seal
    assert after_seal[7003]["sealedTime"] == at(4, "12:30")
    assert after_seal[7007]["sealedTime"] == 0


# Data aging jobs --------------------------------------------------------------------


def test_data_aging_job_filter(client_at):
    api = client_at(NOW)

    def jobs(job_filter, limit=500):
        response = api.get(
            "Job",
            params={"jobFilter": job_filter, "completedJobLookupTime": 30 * 86400},
            headers={"limit": str(limit)},
        )
        return response.json()

    aging = jobs("Data Aging")
    summaries = [entry["jobSummary"] for entry in aging["jobs"]]
    every = jobs("")["totalRecordsWithoutPaging"]
    backups = jobs("Backup")["totalRecordsWithoutPaging"]
    synthetic = jobs("SYNTHFULL")["totalRecordsWithoutPaging"]

    assert aging["totalRecordsWithoutPaging"] == 30
    assert {job["jobType"] for job in summaries} == {"Data Aging"}
    assert all(job["jobStartTime"] % 86400 == 12 * HOUR for job in summaries)
    statuses = {job["status"] for job in summaries}
    assert "Completed" in statuses
    assert "Failed" in statuses
    assert all(
        job["totalNumOfFiles"] == 0 for job in summaries if job["status"] == "Failed"
    )
    assert all(
        job["totalNumOfFiles"] > 0 for job in summaries if job["status"] == "Completed"
    )
    assert backups + synthetic + 30 == every


# Log files --------------------------------------------------------------------------


def read_records(folder: Path) -> dict[str, list[re.Match]]:
    records: dict[str, list[re.Match]] = {}
    for path in sorted(folder.glob("*.log")):
        lines = path.read_text(encoding="utf-8").splitlines()
        matches = [RECORD.match(line) for line in lines]
        assert all(matches), f"{path.name}: {lines[matches.index(None)]!r}"
        records[path.name] = matches
    return records


def test_logs_are_written_per_host_with_rollover(evolving, log_dir):
    hosts = sorted(path.name for path in log_dir.iterdir() if path.is_dir())

    assert "cs01" in hosts
    assert "ma02" in hosts
    assert "ma05" not in hosts  # offline for the whole period
    assert {p.name for p in (log_dir / "cs01").iterdir()} >= {"MediaManagerPrune.log"}
    ma02 = {path.name for path in (log_dir / "ma02").iterdir()}
    assert {"SIDBPrune.log", "SIDBPrune_1.log", "SIDBEngine.log", "CVMA.log"} <= ma02
    assert {"SIDBPhysicalDeletes.log", "CloudFileAccess.log"} <= ma02
    for path in log_dir.rglob("*.log"):
        assert path.stat().st_size <= 8 * 1024


def test_log_lines_follow_state(evolving, log_dir):
    offline_from, offline_to = at(6, "08:00"), at(2, "10:00")
    phases = set()
    for host in sorted(p for p in log_dir.iterdir() if p.is_dir()):
        for name, matches in read_records(host).items():
            for match in matches:
                month, day = int(match["month"]), int(match["day"])
                clock = dt.time.fromisoformat(match["time"])
                moment = int(
                    dt.datetime.combine(
                        dt.date(2026, month, day), clock, dt.UTC
                    ).timestamp()
                )
                assert moment <= NOW
                if host.name == "ma06":
                    assert not offline_from <= moment < offline_to, match.group(0)
                if name.startswith("SIDBPrune"):
                    token = ENGINE_TOKEN.match(match["message"])
                    assert token, match.group(0)
                    phases.add(token.group(2))
                    if token.group(1) == "7006":
                        assert not offline_from <= moment < offline_to, match.group(0)

    assert phases == {"2", "3"}
    text = "\n".join(p.read_text() for p in log_dir.rglob("*.log"))
    for fragment in (
        "Pruned AfId",
        "Finalizing SI entries in chunk",
        " H ",
        "Mark and Sweep blocks complete. Status [Success]",
        "Deleted folder",
        "Deleted directory",
        "RemoveFile() - ",
        "Submitting Magnetic Pruning for",
        "Unable to get size of volume",
        "(Permission denied)",
        "on MediaAgent [ma06] is offline",
        "Disabling pruning control flag",
        "Pruning is [Enabled] now",
        "DDB store [7003] sealed. New DDB store [7007] is active.",
        "Pending delete records [",
    ):
        assert fragment in text, fragment


def test_logs_endpoint_rewrites_the_same_content(evolving, log_dir):
    before = {p.relative_to(log_dir): p.read_bytes() for p in log_dir.rglob("*.log")}

    response = evolving.http.post(f"{evolving.control_url}/logs")

    assert response.status_code == 200
    assert response.json()["files"] == len(before)
    after = {p.relative_to(log_dir): p.read_bytes() for p in log_dir.rglob("*.log")}
    assert after == before


def test_log_refresh_follows_the_clock_forward(simulator_factory, tmp_path):
    simulator = simulator_factory(
        "--preset",
        "small",
        "--log-dir",
        str(tmp_path),
        "--log-days",
        "1",
        "--log-refresh-seconds",
        "1",
    )
    engine_log = tmp_path / "ma01" / "SIDBEngine.log"
    first = engine_log.stat().st_size

    simulator.advance_clock(2 * 86400)
    grown = wait_for_size(engine_log, lambda size: size > first)
    now = simulator.http.get(f"{simulator.control_url}/clock").json()["now"]
    set_clock(simulator, now - 86400)
    time.sleep(2.5)

    assert grown > first
    assert engine_log.stat().st_size == grown


def wait_for_size(path: Path, done, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and done(path.stat().st_size):
            return path.stat().st_size
        time.sleep(0.2)
    return path.stat().st_size


def test_logs_endpoint_needs_a_log_dir(commserve_sim):
    response = commserve_sim.http.post(f"{commserve_sim.control_url}/logs")

    assert response.status_code == 409
    assert "--log-dir" in response.json()["errorMessage"]


def test_log_options_are_checked():
    result = subprocess.run(
        [sys.executable, "-m", "commserve_sim", "--port", "0", "--log-days", "400"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert "--log-days 400" in result.stderr
