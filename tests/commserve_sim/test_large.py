"""The large preset, checked by counting instead of serializing a million jobs."""

from collections import Counter

import pytest

from commserve_sim.joblist import ArithmeticJobs, parse_job_query
from commserve_sim.jobs import JobRenderer, day_of
from commserve_sim.presets import build_large
from tests.commserve_sim.conftest import api_client

pytestmark = pytest.mark.simulator

NOW = 1772366400  # 2026-03-01T12:00:00Z
NINETY_DAYS = str(90 * 86400)


@pytest.fixture(scope="module")
def large():
    env = build_large(seed=7, now=NOW)
    jobs = ArithmeticJobs(env, JobRenderer(env, 7), day_of(NOW) - 90)
    return env, jobs


def _rules(env):
    return [
        (copy.days, copy.cycles, copy.data_aging, bool(copy.extended))
        for policy in env.policies
        for copy in policy.copies
    ]


def test_large_inventory_sizes(large):
    env, _ = large

    assert len(env.plans) == 250
    assert len({plan.policy.policy_id for plan in env.plans}) == 250
    assert env.copy_count() == 600
    assert len(env.pools) == 60
    assert len(env.media_agents) == 250
    assert len(env.ddb_stores) == 153  # 150, plus three that replaced sealed stores
    assert len(env.clients) == 20000


def test_large_has_a_million_jobs_in_90_days(large):
    _, jobs = large
    query = parse_job_query({"completedJobLookupTime": NINETY_DAYS}, NOW)

    assert jobs.total(query) >= 1_000_000


def test_large_deep_page_is_ascending(large):
    _, jobs = large
    query = parse_job_query({"completedJobLookupTime": NINETY_DAYS}, NOW)

    page = jobs.page(query, 777_777, 1000)
    ids = [job["jobId"] for job in page]

    assert len(ids) == 1000
    assert all(a < b for a, b in zip(ids, ids[1:], strict=False))


def test_large_last_page_ends_at_total(large):
    _, jobs = large
    query = parse_job_query({"completedJobLookupTime": NINETY_DAYS}, NOW)
    total = jobs.total(query)

    page = jobs.page(query, total - 10, 1000)

    assert len(page) == 10
    assert page[-1]["jobStartTime"] <= NOW


def test_large_locate_matches_iteration(large):
    _, jobs = large
    query = parse_job_query(
        {"jobFilter": "SYNTHFULL", "completedJobLookupTime": "864000"}, NOW
    )

    stepwise = jobs.page(query, 100, 50)
    combined = jobs.page(query, 0, 150)[100:]

    assert stepwise == combined


def test_large_retention_mix(large):
    env, _ = large
    rules = _rules(env)
    enabled = [(days, cycles) for days, cycles, aging, _ in rules if aging]

    assert 0.01 < sum(1 for *_, aging, _ in rules if not aging) / len(rules) < 0.06
    assert sum(1 for days, _ in enabled if days == -1) >= 10
    assert sum(1 for days, c in enabled if 0 < days <= 30 and c >= 2) >= 50
    assert sum(1 for _, cycles in enabled if cycles >= 3) >= 40
    assert sum(1 for _, cycles in enabled if cycles == 0) >= 30
    assert sum(1 for *_, extended in rules if extended) >= 40
    assert (30, 2) in enabled
    assert (30, 3) in enabled


def test_large_pools_mix(large):
    env, _ = large
    kinds = Counter(pool.storage_type for pool in env.pools)
    disk = [pool for pool in env.pools if pool.capacity_mb > 0]

    assert kinds["cloud"] >= 5
    assert kinds["hyperscale"] >= 2
    assert sum(1 for p in disk if p.free_mb / p.capacity_mb < 0.02) >= 2
    assert sum(1 for p in disk if 0.02 <= p.free_mb / p.capacity_mb < 0.10) >= 2
    assert sum(1 for pool in env.pools if pool.offline_reason) == 2
    assert any("<script>" in pool.name for pool in env.pools)


def test_large_media_agents_and_ddbs(large):
    env, _ = large

    assert sum(1 for agent in env.media_agents if not agent.online) >= 5
    assert sum(1 for store in env.ddb_stores if store.sealed_time) >= 10
    assert sum(1 for store in env.ddb_stores if not store.pruning_enabled) >= 2
    assert all(1 <= len(store.partitions) <= 4 for store in env.ddb_stores)


def test_large_clients_have_special_cases(large):
    env, _ = large
    cadences = Counter(env.cadence_of(client) for client in env.clients)

    assert cadences["incremental_forever"] >= 100
    assert cadences["weekly_synthetic_full"] >= 1000
    assert any(client.name == "O'Brien-FS" for client in env.clients)
    assert any(client.full_failure_rate >= 0.5 for client in env.clients)


def test_large_served_over_http(simulator_factory):
    simulator = simulator_factory("--preset", "large", "--seed", "7")

    with api_client(simulator, simulator.login()) as client:
        response = client.get(
            "Job",
            params={"completedJobLookupTime": NINETY_DAYS},
            headers={"limit": "9000", "offset": "500000"},
        )

    body = response.json()
    assert len(body["jobs"]) == 5000
    assert body["totalRecordsWithoutPaging"] >= 1_000_000
    assert simulator.clients == 20001
