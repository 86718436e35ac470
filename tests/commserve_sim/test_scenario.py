"""Scenario files: the example loads, explicit jobs are served, bad files are rejected."""

import subprocess
import sys
from pathlib import Path

import orjson
import pytest
import yaml

from commserve_sim.scenario import ScenarioError, build_scenario
from tests.commserve_sim.conftest import api_client

pytestmark = pytest.mark.simulator

EXAMPLE = (
    Path(__file__).resolve().parents[2] / "commserve_sim" / "scenarios" / "example.yaml"
)
NOW = 1772366400  # 2026-03-01T12:00:00Z


def _minimal() -> dict:
    return {
        "media_agents": [{"name": "ma01"}],
        "pools": [{"name": "P1", "media_agents": ["ma01"]}],
        "plans": [
            {"name": "Gold", "copies": [{"pool": "P1", "days": 30, "cycles": 1}]}
        ],
        "clients": [{"name": "fs01", "plan": "Gold"}],
    }


def test_example_scenario_is_served(simulator_factory):
    simulator = simulator_factory("--scenario", str(EXAMPLE))

    with api_client(simulator, simulator.login()) as client:
        plans = client.get("V2/Plan").json()["plans"]
        clients = client.get("Client").json()["clientProperties"]

    assert [plan["plan"]["planName"] for plan in plans] == ["Lab-Gold", 'Lab "Archive"']
    assert len(clients) == 7
    assert simulator.ddb_stores == 5
    assert simulator.expected_jobs(job_filter="Backup,SYNTHFULL") > 100


def test_example_scenario_copy_rules():
    env = build_scenario(yaml.safe_load(EXAMPLE.read_text()), seed=1, now=NOW)
    gold, archive = env.plans

    assert (gold.policy.copies[0].days, gold.policy.copies[0].cycles) == (30, 2)
    assert gold.policy.copies[1].extended[0].end_days == 730
    assert archive.policy.copies[0].data_aging is False


def test_scenario_from_json_file(simulator_factory, tmp_path):
    path = tmp_path / "scenario.json"
    path.write_bytes(orjson.dumps(_minimal()))

    simulator = simulator_factory("--scenario", str(path))

    assert simulator.plans == 1
    assert simulator.clients == 2


def test_explicit_jobs_are_served(simulator_factory, tmp_path):
    scenario = _minimal()
    scenario["jobs"] = {
        "explicit": [
            {"client": "fs01", "level": "Full", "start": "2026-02-01T22:00:00Z"},
            {"client": "fs01", "level": "Incremental", "days_ago": 3, "time": "22:00"},
            {"client": "fs01", "level": "Full", "status": "Failed", "days_ago": 1},
        ]
    }
    path = tmp_path / "jobs.yaml"
    path.write_text(yaml.safe_dump(scenario))
    simulator = simulator_factory(
        "--scenario", str(path), "--now", "2026-03-01T12:00:00Z"
    )

    with api_client(simulator, simulator.login()) as client:
        body = client.get("Job").json()

    jobs = [row["jobSummary"] for row in body["jobs"]]
    assert body["totalRecordsWithoutPaging"] == 3
    assert [job["backupLevelName"] for job in jobs] == ["Full", "Incremental", "Full"]
    assert jobs[2]["status"] == "Failed"
    assert jobs[0]["jobId"] < jobs[1]["jobId"] < jobs[2]["jobId"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s.pop("plans"), "plans: is missing"),
        (lambda s: s.update(extra=1), "unknown key 'extra'"),
        (
            lambda s: s["plans"][0]["copies"][0].update(days="thirty"),
            "plans[0].copies[0].days",
        ),
        (lambda s: s["plans"][0]["copies"][0].update(days=0), "-1 for infinite"),
        (
            lambda s: s["plans"][0]["copies"][0].update(pool="P9"),
            "pool 'P9' is not defined",
        ),
        (lambda s: s["clients"][0].update(plan="Silver"), "clients[0].plan"),
        (lambda s: s["clients"][0].update(start="25:00"), "HH:MM"),
        (lambda s: s["plans"][0].update(cadence="hourly"), "weekly_full"),
        (lambda s: s["pools"][0].update(type="tape"), "pools[0].type"),
        (lambda s: s["pools"].append({"name": "P1"}), "'P1' is used twice"),
        (lambda s: s.update(jobs={"generate": {}, "explicit": []}), "exactly one"),
        (lambda s: s["clients"][0].update(phase=9), "clients[0].phase"),
    ],
)
def test_bad_scenario_names_the_key(change, expected):
    scenario = _minimal()
    change(scenario)

    with pytest.raises(ScenarioError) as error:
        build_scenario(scenario, seed=1, now=NOW)

    assert expected in str(error.value)


def test_bad_scenario_file_exits_with_message(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("plans: [\n")

    result = subprocess.run(
        [sys.executable, "-m", "commserve_sim", "--scenario", str(path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert "is not valid JSON or YAML" in result.stderr
    assert result.stdout == ""
