"""The simulated state over time, derived without HTTP from the small preset."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from commserve_sim import responses
from commserve_sim.evolution import Timeline
from commserve_sim.jobs import day_of, day_start
from commserve_sim.model import STORE_FLAG_PRUNING_ENABLED
from commserve_sim.presets import build_large, build_small
from commserve_sim.scenario import ScenarioError, build_scenario

# A fixed start time, 15:20 UTC, so every event of the preset lies in the past.
NOW = int(dt.datetime(2026, 3, 10, 15, 20, tzinfo=dt.UTC).timestamp())
HOUR = 3600
DAY = 86400


def at(days_ago: int, clock: str) -> int:
    hours, minutes = clock.split(":")
    return day_start(day_of(NOW) - days_ago) + int(hours) * HOUR + int(minutes) * 60


@pytest.fixture(scope="module")
def env():
    return build_small(7, NOW)


@pytest.fixture(scope="module")
def timeline(env):
    return Timeline(env, 7)


def by_name(items, name):
    return next(item for item in items if item.name == name)


def test_state_is_a_pure_function_of_time():
    first = Timeline(build_small(7, NOW), 7)
    second = Timeline(build_small(7, NOW), 7)
    for moment in (at(13, "06:00"), at(6, "12:30"), NOW, NOW + 5 * DAY):
        states = [timeline.state(moment) for timeline in (first, second)]
        bodies = [
            (
                responses.pool_list(state),
                responses.media_agents_v2(state),
                responses.ddb_engines(state),
                [responses.ddb_information(state, s, moment) for s in state.ddb_stores],
            )
            for state in states
        ]
        assert orjson.dumps(bodies[0]) == orjson.dumps(bodies[1])

    # Asking in another order gives the same values: nothing is accumulated.
    later_first = Timeline(build_small(7, NOW), 7)
    later_first.state(NOW + 3 * DAY)
    early = later_first.state(at(7, "13:00"))
    assert orjson.dumps(responses.ddb_information(early, early.ddb_stores[5], 0)) == (
        orjson.dumps(
            responses.ddb_information(
                first.state(at(7, "13:00")),
                first.state(at(7, "13:00")).ddb_stores[5],
                0,
            )
        )
    )


def test_state_at_start_equals_built(env, timeline):
    state = timeline.state(NOW)

    for pool in env.pools:
        evolved = state.pool_by_id[pool.pool_id]
        assert (evolved.free_mb, evolved.size_on_disk_mb, evolved.status) == (
            pool.free_mb,
            pool.size_on_disk_mb,
            pool.status,
        )
    assert [agent.online for agent in state.media_agents] == [
        agent.online for agent in env.media_agents
    ]


def test_pools_fill_at_their_own_rates(timeline):
    def free(name, moment):
        return by_name(timeline.state(moment).pools, name).free_mb

    # HSXPool01 fills fast, DiskPool03 stays flat, the cloud pool keeps -1.
    assert free("HSXPool01", at(4, "18:00")) < free("HSXPool01", at(10, "18:00"))
    assert free("DiskPool03", at(4, "18:00")) == free("DiskPool03", at(10, "18:00"))
    assert free("CloudPool01", at(4, "18:00")) == -1
    cloud_used = [
        by_name(timeline.state(moment).pools, "CloudPool01").size_on_disk_mb
        for moment in (at(10, "18:00"), at(4, "18:00"))
    ]
    assert cloud_used[0] < cloud_used[1]

    # DiskPool01 drops 2 TB after the pruning run at 14:00 five days back.
    before, after = (
        free("DiskPool01", at(5, "13:59")),
        free("DiskPool01", at(5, "14:00")),
    )
    assert after - before > 1.9 * 1024**2
    assert free("DiskPool01", at(3, "14:00")) < after


def test_media_agent_outages_follow_the_schedule(timeline):
    def agent(name, moment):
        return by_name(timeline.state(moment).media_agents, name)

    assert agent("ma02", at(9, "08:59")).online
    assert not agent("ma02", at(9, "09:00")).online
    assert agent("ma02", at(9, "09:00")).offline_reason_code == 1
    assert agent("ma02", at(8, "15:00")).online

    # ma06 stays offline for four days; its partition of the HSX store follows it.
    for moment in (at(6, "08:00"), at(4, "00:00"), at(2, "09:59")):
        assert not agent("ma06", moment).online
        store = timeline.state(moment).store_by_id[7006]
        assert [partition.online for partition in store.partitions] == [
            False,
            True,
            True,
        ]
    assert agent("ma06", at(2, "10:00")).online
    # ma05 was offline at the start time and stays offline throughout.
    assert not agent("ma05", at(13, "00:00")).online


def test_pending_deletes_grow_while_blocked_and_fall_after(timeline):
    def pending(moment):
        store = timeline.state(moment).store_by_id[7006]
        return store.partitions[0].pending_deletes

    daily = [pending(at(days, "18:00")) for days in (6, 5, 4, 3)]
    assert daily == sorted(daily)
    assert daily[-1] > daily[1] > 0

    # After ma06 returns (2 days back at 10:00) pruning drains the backlog.
    assert pending(at(2, "09:00")) > 0
    assert pending(at(1, "09:00")) < pending(at(2, "09:00"))
    assert pending(at(1, "09:00")) == 0

    # A store whose pruning flag was cleared at the start time only grows.
    full = [
        timeline.state(moment).store_by_id[7004].partitions[0].pending_deletes
        for moment in (at(10, "18:00"), at(5, "18:00"), NOW)
    ]
    assert full == sorted(full)
    assert full[0] < full[-1]


def test_pruning_pause_clears_the_store_flag(timeline):
    def flags(moment):
        return timeline.state(moment).store_by_id[7001].store_flags

    assert flags(at(12, "09:59")) & STORE_FLAG_PRUNING_ENABLED
    assert not flags(at(11, "12:00")) & STORE_FLAG_PRUNING_ENABLED
    assert flags(at(10, "16:00")) & STORE_FLAG_PRUNING_ENABLED
    assert timeline.pruning_block(timeline.env.store_by_id[7001], at(11, "12:00"))


def test_seal_replaces_the_store_at_its_time(timeline):
    seal = at(4, "12:30")
    before = timeline.state(seal - 1)
    after = timeline.state(seal)

    assert before.store_by_id[7003].sealed_time == 0
    assert 7007 not in before.store_by_id
    assert after.store_by_id[7003].sealed_time == seal
    assert after.store_by_id[7007].sealed_time == 0
    assert after.store_by_id[7007].pool_id == after.store_by_id[7003].pool_id
    engines = responses.ddb_engines(after)["engines"]
    assert {engine["storeId"] for engine in engines} >= {7003, 7007}


def test_pool_offline_when_agents_down():
    data = {
        "media_agents": [{"name": "maA"}, {"name": "maB"}],
        "pools": [{"name": "P1", "media_agents": ["maA"]}, {"name": "P2"}],
        "ddb_stores": [{"name": "S1", "pool": "P1", "partitions": ["maA"]}],
        "plans": [
            {"name": "Plan", "copies": [{"name": "Primary", "pool": "P1", "days": 30}]}
        ],
        "clients": [{"name": "c", "plan": "Plan"}],
        "evolution": {
            "media_agent_outages": [
                {"media_agent": "maA", "from_days_ago": 3, "to_days_ago": 1}
            ]
        },
    }
    env = build_scenario(data, 1, NOW)
    timeline = Timeline(env, 1)

    assert by_name(timeline.state(at(2, "00:00")).pools, "P1").status.startswith(
        "Offline (Library is offline"
    )
    assert by_name(timeline.state(NOW).pools, "P1").status == "Online"


def test_data_aging_outcomes(timeline):
    runs = [timeline.data_aging(day) for day in range(day_of(NOW) - 120, day_of(NOW))]
    failed = [run for run in runs if run.status == "Failed"]

    assert 0 < len(failed) < len(runs) // 4
    assert all(run.aged_jobs == 0 for run in failed)
    assert all(run.aged_jobs > 0 for run in runs if run.status != "Failed")


def test_large_preset_evolves_from_its_built_state():
    env = build_large(3, NOW)
    timeline = Timeline(env, 3)
    state = timeline.state(NOW)

    assert sum(1 for agent in state.media_agents if not agent.online) == 12
    assert len(state.ddb_stores) == 153
    assert len(env.evolution.outages) == 10
    earlier = timeline.state(NOW - 7 * DAY)
    assert len(earlier.ddb_stores) < len(state.ddb_stores) or any(
        store.created_time <= NOW - 7 * DAY for store in env.ddb_stores
    )


def test_scenario_evolution_keys_are_checked():
    base = {
        "media_agents": [{"name": "maA"}],
        "pools": [{"name": "P1", "media_agents": ["maA"]}],
        "plans": [
            {"name": "Plan", "copies": [{"name": "Primary", "pool": "P1", "days": 30}]}
        ],
        "clients": [{"name": "c", "plan": "Plan"}],
    }
    bad = {**base, "evolution": {"pools": [{"pool": "P9"}]}}
    with pytest.raises(ScenarioError, match=r"evolution\.pools\[0\]\.pool"):
        build_scenario(bad, 1, NOW)

    window = {"media_agent": "maA", "from_days_ago": 1, "to_days_ago": 2}
    reversed_window = {**base, "evolution": {"media_agent_outages": [window]}}
    with pytest.raises(ScenarioError, match="to_days_ago"):
        build_scenario(reversed_window, 1, NOW)
