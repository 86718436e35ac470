"""The job selection the simulator serves on each storage policy copy."""

import orjson
import pytest

from commserve_sim.scenario import ScenarioError, build_scenario
from tests.commserve_sim.conftest import api_client

pytestmark = pytest.mark.simulator

NOW = 1772366400  # 2026-03-01T12:00:00Z


def scenario(*secondary: dict) -> dict:
    primary = {"name": "Primary", "pool": "P1", "days": 30, "cycles": 1}
    return {
        "media_agents": [{"name": "ma01"}],
        "pools": [{"name": "P1", "media_agents": ["ma01"]}],
        "plans": [{"name": "Gold", "copies": [primary, *secondary]}],
        "clients": [{"name": "fs01", "plan": "Gold"}],
    }


def served_copies(simulator_factory, tmp_path, data: dict) -> dict[str, dict]:
    path = tmp_path / "scenario.json"
    path.write_bytes(orjson.dumps(data))
    simulator = simulator_factory("--scenario", str(path))

    with api_client(simulator, simulator.login()) as client:
        policies = client.get("V2/StoragePolicy").json()["policies"]
        policy_id = policies[0]["storagePolicy"]["storagePolicyId"]
        detail = client.get(
            f"V2/StoragePolicy/{policy_id}", params={"propertyLevel": 10}
        ).json()
    copies = detail["policies"][0]["copies"]
    return {copy["StoragePolicyCopy"]["copyName"]: copy for copy in copies}


def test_copies_serve_selection(simulator_factory, tmp_path):
    copies = served_copies(
        simulator_factory,
        tmp_path,
        scenario(
            {"name": "Mirror", "pool": "P1", "days": 60},
            {"name": "Vault", "pool": "P1", "days": 90, "selection": "fulls"},
            {"name": "Odd", "pool": "P1", "days": 90, "selective_rule": "weekly"},
        ),
    )

    assert copies["Primary"]["copyType"] == 1
    assert "selectiveCopyRules" not in copies["Primary"]
    assert copies["Mirror"]["copyType"] == 1
    assert "selectiveCopyRules" not in copies["Mirror"]
    assert copies["Vault"]["copyType"] == 2
    assert copies["Vault"]["selectiveCopyRules"] == {"selectiveRule": 2}
    assert copies["Odd"]["copyType"] == 2
    assert copies["Odd"]["selectiveCopyRules"] == {"selectiveRule": "weekly"}


@pytest.mark.parametrize(
    ("copy", "expected"),
    [
        ({"selective_rule": [4]}, "is not a whole number or text"),
        ({"selective_rule": True}, "is not a whole number or text"),
        ({"selection": "weekly"}, "use one of all, fulls"),
    ],
)
def test_bad_selection_names_the_key(copy, expected):
    data = scenario({"name": "Vault", "pool": "P1", "days": 90, **copy})

    with pytest.raises(ScenarioError) as error:
        build_scenario(data, seed=1, now=NOW)

    assert "plans[0].copies[1]." in str(error.value)
    assert expected in str(error.value)


def test_selective_rule_on_primary_rejected():
    data = scenario()
    data["plans"][0]["copies"][0]["selective_rule"] = 4

    with pytest.raises(ScenarioError, match="is set on a primary copy"):
        build_scenario(data, seed=1, now=NOW)
