"""The pruning analysis and its health rules, on factory data."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.pruning import analysis
from apps.pruning.models import PruningThresholds
from apps.pruning.rules import pruning_findings
from tests.factories import (
    CommCellFactory,
    DataAgingRunFactory,
    DDBPartitionFactory,
    DDBStoreFactory,
    DDBStoreSnapshotFactory,
    LogEventFactory,
    LogFileFactory,
    MediaAgentFactory,
    StoragePolicyCopyFactory,
    StoragePoolFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("pending", "status"),
    [
        (0, "ok"),
        (9_999, "ok"),
        (10_000, "warning"),
        (99_999, "warning"),
        (100_000, "critical"),
        (5_000_000, "critical"),
        (None, "unknown"),
    ],
)
def test_pending_status_at_default_thresholds(pending, status):
    thresholds = PruningThresholds()

    assert analysis.pending_deletes_status(pending, thresholds) == status


def test_pending_status_follows_saved_thresholds():
    PruningThresholds(pending_deletes_warning=50, pending_deletes_critical=60).save()
    thresholds = PruningThresholds.current()

    assert analysis.pending_deletes_status(49, thresholds) == "ok"
    assert analysis.pending_deletes_status(50, thresholds) == "warning"
    assert analysis.pending_deletes_status(60, thresholds) == "critical"


def test_thresholds_reject_critical_not_above_warning():
    thresholds = PruningThresholds(
        pending_deletes_warning=1000, pending_deletes_critical=1000
    )

    with pytest.raises(Exception) as raised:
        thresholds.full_clean()

    assert "pending_deletes_critical" in str(raised.value)
    assert "must be above the warning value" in str(raised.value)


def test_thresholds_single_row():
    PruningThresholds(no_activity_days=3).save()
    PruningThresholds(no_activity_days=5).save()

    assert PruningThresholds.objects.count() == 1
    assert PruningThresholds.current().no_activity_days == 5


def test_slope_of_straight_line():
    start = datetime(2026, 11, 1, tzinfo=UTC)
    points = [(start + timedelta(days=day), 1000 + 250 * day) for day in range(5)]

    assert analysis.slope_per_day(points) == pytest.approx(250.0)


def test_slope_needs_two_times():
    start = datetime(2026, 11, 1, tzinfo=UTC)

    assert analysis.slope_per_day([]) is None
    assert analysis.slope_per_day([(start, 5)]) is None
    assert analysis.slope_per_day([(start, 5), (start, 9)]) is None


class Layout:
    """One CommCell, pools with a DDB store each, and MediaAgents hosting them."""

    def __init__(self, pools: int = 1) -> None:
        self.commcell = CommCellFactory()
        self.pools = []
        self.stores = []
        for number in range(pools):
            pool = StoragePoolFactory(
                commcell=self.commcell,
                cv_id=100 + number,
                storage_policy_cv_id=500 + number,
            )
            store = DDBStoreFactory(
                commcell=self.commcell,
                cv_id=4100 + number,
                storage_policy_cv_id=500 + number,
            )
            self.pools.append(pool)
            self.stores.append(store)

    def host(self, agent, *stores) -> None:
        for store in stores:
            DDBPartitionFactory(store=store, media_agent=agent)


def test_store_pool_by_global_policy():
    layout = Layout(pools=2)

    mapping = analysis.store_pools(layout.commcell)

    assert [p.id for p in mapping[layout.stores[0].pk]] == [layout.pools[0].pk]
    assert [p.id for p in mapping[layout.stores[1].pk]] == [layout.pools[1].pk]


def test_store_pool_by_copy():
    commcell = CommCellFactory()
    pool = StoragePoolFactory(commcell=commcell, cv_id=77, storage_policy_cv_id=None)
    copy = StoragePolicyCopyFactory(commcell=commcell, cv_id=901, storage_pool_cv_id=77)
    store = DDBStoreFactory(
        commcell=commcell, storage_policy_cv_id=None, copy_cv_id=copy.cv_id
    )

    mapping = analysis.store_pools(commcell)

    assert [p.id for p in mapping[store.pk]] == [pool.pk]


def test_offline_agent_blocks_five_pools():
    layout = Layout(pools=5)
    agent = MediaAgentFactory(commcell=layout.commcell, name="ma-east", online=False)
    MediaAgentFactory(commcell=layout.commcell, name="ma-west", online=True)
    layout.host(agent, *layout.stores)

    states = analysis.media_agent_states(
        layout.commcell, analysis.store_pools(layout.commcell)
    )

    assert [state.name for state in states] == ["ma-east", "ma-west"]
    assert (
        states[0].message == "MediaAgent ma-east offline: pruning blocked for 5 pools"
    )
    assert len(states[0].blocked_stores) == 5
    assert states[1].message == ""
    assert states[1].blocked_pools == []


def test_offline_agent_one_pool_is_singular():
    layout = Layout(pools=1)
    agent = MediaAgentFactory(commcell=layout.commcell, name="ma1", online=False)
    layout.host(agent, layout.stores[0])

    states = analysis.media_agent_states(
        layout.commcell, analysis.store_pools(layout.commcell)
    )

    assert states[0].message == "MediaAgent ma1 offline: pruning blocked for 1 pool"


def test_store_rows_trend_and_status():
    layout = Layout(pools=1)
    store = layout.stores[0]
    store.pending_deletes = 120_000
    store.save()
    for day in range(4):
        DDBStoreSnapshotFactory(
            store=store,
            collected_at=NOW - timedelta(days=3 - day),
            pending_deletes=90_000 + 10_000 * day,
        )

    rows = analysis.store_rows(
        layout.commcell,
        analysis.store_pools(layout.commcell),
        PruningThresholds.current(),
        NOW,
    )

    assert rows[0]["pending_status"] == "critical"
    assert rows[0]["pending_trend_per_day"] == pytest.approx(10_000)
    assert rows[0]["pools"] == [
        {"id": layout.pools[0].pk, "name": layout.pools[0].name}
    ]


# A store's daily pending deletes over 30 days: 0, a backlog that grows for four
# days, then pruning clears it and it stays at 0 for three days.
CLEARED_SERIES = [0] * 23 + [22_800, 55_000, 90_100, 123_600] + [0, 0, 0]


def _daily(values: list[int]) -> list[tuple[datetime, int]]:
    start = NOW - timedelta(days=len(values) - 1)
    return [(start + timedelta(days=day), value) for day, value in enumerate(values)]


def test_trend_of_a_cleared_backlog_is_zero():
    assert analysis.slope_per_day(_daily(CLEARED_SERIES)) > 0
    assert analysis.recent_trend(_daily(CLEARED_SERIES)) == 0


def test_trend_right_after_a_drop_is_not_positive():
    assert analysis.recent_trend(_daily([10_000, 60_000, 0])) == 0
    assert analysis.recent_trend(_daily([10_000, 60_000, 1_000])) is None


def test_trend_restarts_after_a_partial_drop():
    series = _daily([50_000, 80_000, 110_000, 20_000, 25_000, 30_000])

    assert analysis.recent_trend(series) == pytest.approx(5_000)


def test_trend_of_steady_growth_uses_every_point():
    series = _daily([1_000, 2_000, 3_000, 4_000])

    assert analysis.recent_trend(series) == pytest.approx(1_000)


def test_store_rows_trend_after_backlog_cleared():
    layout = Layout(pools=1)
    store = layout.stores[0]
    store.pending_deletes = 0
    store.save()
    for collected_at, pending in _daily(CLEARED_SERIES):
        DDBStoreSnapshotFactory(
            store=store, collected_at=collected_at, pending_deletes=pending
        )

    rows = analysis.store_rows(
        layout.commcell,
        analysis.store_pools(layout.commcell),
        PruningThresholds.current(),
        NOW,
    )

    assert rows[0]["pending_status"] == "ok"
    assert rows[0]["pending_trend_per_day"] == 0


def codes(commcell, now=NOW) -> dict[str, list]:
    found: dict[str, list] = {}
    for finding in pruning_findings(commcell, now):
        found.setdefault(finding.code, []).append(finding)
    return found


def test_healthy_commcell_has_no_findings():
    layout = Layout(pools=2)
    agent = MediaAgentFactory(commcell=layout.commcell, online=True)
    layout.host(agent, *layout.stores)
    DataAgingRunFactory(commcell=layout.commcell, start_time=NOW - timedelta(hours=6))

    assert codes(layout.commcell) == {}


def test_rule_offline_agent_blocks():
    layout = Layout(pools=2)
    agent = MediaAgentFactory(commcell=layout.commcell, name="ma9", online=False)
    layout.host(agent, *layout.stores)

    finding = codes(layout.commcell)["pruning.media_agent_offline_blocks"][0]

    assert finding.subject_type == "media_agent"
    assert finding.subject_id == agent.pk
    assert finding.title == "MediaAgent ma9 offline: pruning blocked for 2 pools."
    assert sorted(finding.evidence["pools"]) == sorted(p.name for p in layout.pools)


def test_rule_offline_agent_reason_code_without_text():
    layout = Layout(pools=1)
    agent = MediaAgentFactory(
        commcell=layout.commcell,
        online=False,
        offline_reason="",
        status_text="",
        offline_reason_code=2,
    )
    layout.host(agent, *layout.stores)

    finding = codes(layout.commcell)["pruning.media_agent_offline_blocks"][0]

    assert finding.evidence["offline_reason"] == "reason code 2"


def test_rule_offline_agent_without_ddb_is_quiet():
    layout = Layout(pools=1)
    MediaAgentFactory(commcell=layout.commcell, online=False)

    assert "pruning.media_agent_offline_blocks" not in codes(layout.commcell)


@pytest.mark.parametrize(
    ("pending", "severity"),
    [(9_999, None), (10_000, "medium"), (99_999, "medium"), (100_000, "critical")],
)
def test_rule_pending_deletes_high(pending, severity):
    layout = Layout(pools=1)
    layout.stores[0].pending_deletes = pending
    layout.stores[0].save()

    found = codes(layout.commcell).get("pruning.pending_deletes_high", [])

    if severity is None:
        assert found == []
    else:
        assert [finding.severity for finding in found] == [severity]
        assert found[0].evidence["pending_deletes"] == pending


def test_rule_pending_unknown_is_quiet():
    layout = Layout(pools=1)

    assert "pruning.pending_deletes_high" not in codes(layout.commcell)


def test_rule_pruning_disabled():
    layout = Layout(pools=1)
    layout.stores[0].pruning_enabled = False
    layout.stores[0].save()

    found = codes(layout.commcell)["pruning.pruning_disabled"]

    assert found[0].subject_id == layout.stores[0].pk
    assert found[0].severity == "high"


def test_rule_partitions_offline():
    layout = Layout(pools=1)
    layout.stores[0].partitions_offline = 2
    layout.stores[0].save()

    found = codes(layout.commcell)["pruning.partitions_offline"]

    assert found[0].evidence["partitions_offline"] == 2


def test_rule_one_partition_offline_is_singular():
    layout = Layout(pools=1)
    layout.stores[0].partitions_offline = 1
    layout.stores[0].save()

    found = codes(layout.commcell)["pruning.partitions_offline"]

    assert found[0].title.endswith("has 1 offline partition.")


def test_rule_sealed_store():
    layout = Layout(pools=1)
    store = layout.stores[0]
    store.sealed_at = NOW - timedelta(days=4)
    store.pending_deletes = 1_234
    store.save()

    found = codes(layout.commcell)["pruning.ddb_sealed"]

    assert len(found) == 1
    assert found[0].severity == "info"
    assert found[0].subject_id == store.pk
    assert (NOW - timedelta(days=4)).strftime("%Y-%m-%d %H:%M UTC") in found[0].title
    assert found[0].evidence["sealed_at"] == store.sealed_at.isoformat()
    assert found[0].evidence["pending_deletes"] == 1_234
    assert found[0].evidence["pools"] == [layout.pools[0].name]
    assert "every job" in found[0].recommendation


def test_rule_active_store_is_not_sealed():
    layout = Layout(pools=1)

    assert "pruning.ddb_sealed" not in codes(layout.commcell)


@pytest.mark.parametrize(
    ("outcome", "status", "reported"),
    [
        ("failed", "Failed", True),
        ("killed", "Killed", True),
        ("completed", "Completed", False),
        ("completed_warnings", "Completed w/ one or more warnings", False),
    ],
)
def test_rule_data_aging_failed(outcome, status, reported):
    commcell = CommCellFactory()
    DataAgingRunFactory(commcell=commcell, start_time=NOW - timedelta(days=2))
    DataAgingRunFactory(
        commcell=commcell,
        start_time=NOW - timedelta(days=1),
        outcome=outcome,
        status=status,
    )

    found = codes(commcell).get("pruning.data_aging_failed", [])

    assert bool(found) is reported


def test_running_aging_does_not_hide_failure():
    commcell = CommCellFactory()
    DataAgingRunFactory(
        commcell=commcell,
        start_time=NOW - timedelta(days=1),
        outcome="failed",
        status="Failed",
    )
    DataAgingRunFactory(
        commcell=commcell,
        start_time=NOW - timedelta(hours=1),
        end_time=None,
        outcome="running",
        status="Running",
    )

    assert "pruning.data_aging_failed" in codes(commcell)


def prune_event(store, when, category="physical_prune", severity="info"):
    log_file = LogFileFactory(commcell=store.commcell)
    return LogEventFactory(
        log_file=log_file,
        commcell=store.commcell,
        ddb_store=store,
        store_cv_id=store.cv_id,
        occurred_at=when,
        category=category,
        severity=severity,
    )


def test_last_pruning_none_without_logs():
    layout = Layout(pools=1)

    pools = analysis.pool_rows(
        layout.commcell,
        analysis.store_pools(layout.commcell),
        PruningThresholds.current(),
        NOW,
    )

    assert pools[0]["last_pruning_at"] is None
    assert pools[0]["no_activity"] is None
    assert pools[0]["aging_without_pruning"] is None


def test_last_pruning_ignores_failures_and_other_categories():
    layout = Layout(pools=1)
    store = layout.stores[0]
    good = NOW - timedelta(days=2)
    prune_event(store, good)
    prune_event(store, NOW - timedelta(days=1), category="logical_prune")
    prune_event(
        store, NOW - timedelta(hours=5), category="mark_and_sweep", severity="high"
    )

    last = analysis.last_pruning_by_pool(
        layout.commcell, {layout.pools[0].pk: [store.pk]}
    )

    assert last == {layout.pools[0].pk: good}


def test_last_pruning_matches_store_id_without_link():
    layout = Layout(pools=1)
    store = layout.stores[0]
    event = prune_event(store, NOW - timedelta(days=1))
    event.ddb_store = None
    event.save()

    last = analysis.last_pruning_by_pool(
        layout.commcell, {layout.pools[0].pk: [store.pk]}
    )

    assert last[layout.pools[0].pk] == NOW - timedelta(days=1)


def test_rule_no_activity_after_seven_days():
    layout = Layout(pools=2)
    active, idle = layout.stores
    prune_event(active, NOW - timedelta(days=1))
    prune_event(idle, NOW - timedelta(days=8))

    found = codes(layout.commcell)["pruning.no_activity"]

    assert [finding.subject_id for finding in found] == [layout.pools[1].pk]


def test_rule_no_activity_needs_recent_logs():
    layout = Layout(pools=1)
    prune_event(layout.stores[0], NOW - timedelta(days=30))

    assert "pruning.no_activity" not in codes(layout.commcell)


def test_rule_aging_without_pruning():
    layout = Layout(pools=2)
    pruned, stalled = layout.stores
    aging = DataAgingRunFactory(
        commcell=layout.commcell, start_time=NOW - timedelta(hours=8)
    )
    prune_event(pruned, aging.end_time + timedelta(hours=1))
    prune_event(stalled, aging.end_time + timedelta(hours=2), category="logical_prune")

    found = codes(layout.commcell)["pruning.aging_without_pruning"]

    assert [finding.subject_id for finding in found] == [layout.pools[1].pk]
    assert found[0].evidence["data_aging_job_id"] == aging.job_id


def test_aging_without_pruning_unknown_without_later_logs():
    layout = Layout(pools=1)
    aging = DataAgingRunFactory(
        commcell=layout.commcell, start_time=NOW - timedelta(hours=8)
    )
    prune_event(layout.stores[0], aging.start_time - timedelta(days=1))

    assert "pruning.aging_without_pruning" not in codes(layout.commcell)


def test_success_rates_count_runs_and_events():
    layout = Layout(pools=1)
    commcell = layout.commcell
    for day in range(1, 4):
        DataAgingRunFactory(commcell=commcell, start_time=NOW - timedelta(days=day))
    DataAgingRunFactory(
        commcell=commcell,
        start_time=NOW - timedelta(days=4),
        outcome="failed",
        status="Failed",
    )
    DataAgingRunFactory(commcell=commcell, start_time=NOW - timedelta(days=40))
    for hours in (1, 2, 3):
        prune_event(layout.stores[0], NOW - timedelta(hours=hours))
    prune_event(layout.stores[0], NOW - timedelta(hours=4), category="error")

    rates = analysis.success_rates(commcell, NOW)

    assert rates["data_aging"]["completed"] == 3
    assert rates["data_aging"]["total"] == 4
    assert rates["data_aging"]["rate"] == 75.0
    assert rates["pruning_events"]["phase_events"] == 3
    assert rates["pruning_events"]["error_events"] == 1
    assert rates["pruning_events"]["rate"] == 75.0


def test_success_rates_empty():
    rates = analysis.success_rates(CommCellFactory(), NOW)

    assert rates["data_aging"]["rate"] is None
    assert rates["pruning_events"]["rate"] is None
    assert rates["pruning_events"]["logs_loaded"] is False


def test_summary_counts():
    layout = Layout(pools=3)
    layout.stores[2].sealed_at = NOW - timedelta(days=100)
    layout.stores[2].pruning_enabled = False
    layout.stores[2].save()
    agent = MediaAgentFactory(commcell=layout.commcell, online=False)
    MediaAgentFactory(commcell=layout.commcell, online=True)
    MediaAgentFactory(commcell=layout.commcell, online=None)
    layout.host(agent, layout.stores[0])

    summary = analysis.summarize(layout.commcell, NOW)

    assert summary["media_agents"]["online"] == 1
    assert summary["media_agents"]["offline"] == 1
    assert summary["media_agents"]["unknown"] == 1
    assert summary["ddb_stores"]["active"] == 2
    assert summary["ddb_stores"]["sealed"] == 1
    assert [s["id"] for s in summary["ddb_stores"]["pruning_disabled"]] == [
        layout.stores[2].pk
    ]
    assert summary["media_agents"]["offline_list"][0]["blocked_pools"] == [
        {"id": layout.pools[0].pk, "name": layout.pools[0].name}
    ]
