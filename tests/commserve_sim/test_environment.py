"""The small preset as the API returns it: counts, retention classes, hostile names."""

import pytest

pytestmark = pytest.mark.simulator


def _copies(sim_api):
    plans = sim_api.get("V2/Plan").json()["plans"]
    return [copy for plan in plans for copy in plan["storage"]["copy"]]


def _rules(copy):
    rules = copy["retentionRules"]
    return (
        rules["retainBackupDataForDays"],
        rules["retainBackupDataForCycles"],
        rules["retentionFlags"]["enableDataAging"],
    )


def test_summary_counts_match_api(sim_api, commserve_sim):
    clients = sim_api.get("Client").json()["clientProperties"]
    plans = sim_api.get("V2/Plan").json()["plans"]
    policies = sim_api.get("V2/StoragePolicy").json()["policies"]
    pools = sim_api.get("StoragePool").json()["storagePoolList"]
    agents = sim_api.get("V2/MediaAgents").json()["mediaAgentList"]
    engines = sim_api.post(
        "Qcommand/qoperation%20execute", json={"EVGui_DDBEnginesReq": {}}
    ).json()["engines"]
    copies = sum(policy["numberOfCopies"] for policy in policies)

    assert len(clients) == commserve_sim.clients
    assert len(plans) == commserve_sim.plans
    assert len(policies) == commserve_sim.policies
    assert copies == commserve_sim.copies
    assert len(pools) == commserve_sim.pools
    assert len(agents) == commserve_sim.media_agents
    assert len(engines) == commserve_sim.ddb_stores


def test_small_preset_sizes(commserve_sim):
    assert commserve_sim.plans == 10
    assert commserve_sim.copies == 25
    assert commserve_sim.pools == 6
    assert commserve_sim.media_agents == 8
    assert (
        commserve_sim.ddb_stores == 7
    )  # six, plus the one that replaced a sealed store
    assert commserve_sim.clients == 51


def test_small_preset_has_every_retention_class(sim_api):
    rules = [_rules(copy) for copy in _copies(sim_api)]
    enabled = [(days, cycles) for days, cycles, aging in rules if aging]

    assert any(aging == 0 for _, _, aging in rules)
    assert any(0 < days < 30 and cycles >= 2 for days, cycles in enabled)
    assert (30, 2) in enabled
    assert (30, 3) in enabled
    assert any(cycles >= 3 for _, cycles in enabled)
    assert any(days == -1 for days, _ in enabled)
    assert any(cycles == 0 for _, cycles in enabled)
    assert (30, 1) in enabled


def test_small_preset_has_extended_retention(sim_api):
    copies = sim_api.get("V2/StoragePolicy/502/Copy/1004").json()["copy"]

    rule = copies["retentionRules"]["extendedRetentionRuleOne"]
    assert rule["isEnabled"] == 1
    assert rule["rule"] == 8
    assert rule["endDays"] == 365


def test_plan_copies_point_at_existing_pools(sim_api):
    pool_ids = {
        pool["storagePoolEntity"]["storagePoolId"]
        for pool in sim_api.get("StoragePool").json()["storagePoolList"]
    }

    for copy in _copies(sim_api):
        assert copy["useGlobalPolicy"]["storagePolicyId"] in pool_ids


def test_pools_include_cloud_full_offline_and_hyperscale(sim_api):
    pools = sim_api.get("StoragePool").json()["storagePoolList"]
    disk = [pool for pool in pools if pool["totalCapacity"] > 0]

    assert any(pool["totalCapacity"] == -1 for pool in pools)
    assert any(p["totalFreeSpace"] / p["totalCapacity"] < 0.02 for p in disk)
    assert any(pool["status"].startswith("Offline (") for pool in pools)
    assert any(pool["statusCode"] == 300 for pool in pools)


def test_pool_detail_links_ddb_stores(sim_api):
    detail = sim_api.get("StoragePool/3001").json()["storagePoolDetails"]
    store_ids = [entry["storeId"] for entry in detail["dedupDBDetailsList"]]

    assert store_ids == [7001, 7002]
    assert detail["mediaAgents"][0]["mediaAgent"]["mediaAgentName"] == "ma01"


def test_one_media_agent_offline(sim_api):
    agents = sim_api.get("V2/MediaAgents").json()["mediaAgentList"]
    offline = [agent for agent in agents if agent["status"] != 1]

    assert len(offline) == 1
    assert offline[0]["offlineReason"] == 2


def test_ddb_engines_sealed_and_pruning_disabled(sim_api):
    engines = sim_api.post(
        "Qcommand/qoperation%20execute", json={"EVGui_DDBEnginesReq": {}}
    ).json()["engines"]

    # One sealed long ago, one sealed four days before the start time.
    assert sum(1 for engine in engines if engine["sealedTime"] != 0) == 2
    assert sum(1 for e in engines if not e["storeFlags"] & 536870912) == 1


def test_partitions_on_media_agents(sim_api):
    agents = {
        agent["mediaAgent"]["mediaAgentId"]
        for agent in sim_api.get("V2/MediaAgents").json()["mediaAgentList"]
    }
    request = {"EVGui_SubStoreListReq": {"commcellId": 2, "storeId": 7006}}

    partitions = sim_api.post("Qcommand/qoperation%20execute", json=request).json()

    assert len(partitions["subStoreList"]) == 3
    for partition in partitions["subStoreList"]:
        assert partition["MediaAgent"]["id"] in agents


def test_hostile_names_served_verbatim(sim_api):
    plans = sim_api.get("V2/Plan").json()["plans"]
    clients = sim_api.get("Client").json()["clientProperties"]
    pools = sim_api.get("StoragePool").json()["storagePoolList"]

    plan_names = {plan["plan"]["planName"] for plan in plans}
    client_names = {c["client"]["clientEntity"]["clientName"] for c in clients}
    pool_names = {p["storagePoolEntity"]["storagePoolName"] for p in pools}
    assert '<b>Finance</b> "Gold"' in plan_names
    assert "O'Brien-FS" in client_names
    assert "<img src=x onerror=alert(1)>" in client_names
    assert "<script>alert(1)</script>" in pool_names


def test_client_with_data_aging_disabled(sim_api):
    detail = sim_api.get("Client/10016").json()["clientProperties"][0]
    options = detail["clientProps"]["clientActivityControl"]["activityControlOptions"]

    assert {"activityType": 16, "enableActivityType": False} in options
