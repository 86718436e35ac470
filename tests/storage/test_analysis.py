"""Pool status by free space, the dashboard summary, actions and health rules."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.storage import analysis
from apps.storage.analysis import Thresholds
from apps.storage.models import StorageThresholds
from tests.factories import (
    CommCellFactory,
    MediaAgentFactory,
    MediaAgentSnapshotFactory,
    StoragePoolFactory,
    StoragePoolSnapshotFactory,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DEFAULTS = Thresholds()


@pytest.mark.parametrize(
    ("free_percent", "status"),
    [
        (0.0, "critical"),
        (9.99, "critical"),
        (10.0, "warning"),
        (19.99, "warning"),
        (20.0, "low"),
        (29.99, "low"),
        (30.0, "ok"),
        (100.0, "ok"),
        (None, "not_reported"),
    ],
)
def test_classify_boundaries(free_percent, status):
    assert analysis.classify(free_percent, DEFAULTS) == status


def test_classify_uses_given_thresholds():
    thresholds = Thresholds(critical_below=5, warning_below=8, low_below=12)

    assert analysis.classify(9.0, thresholds) == "low"
    assert analysis.classify(12.0, thresholds) == "ok"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("total", "free"),
    [(-1, -1), (0, 0), (None, None), (1000, None), (-5, 10), (1000, -1)],
)
def test_unreported_capacity_is_not_a_percentage(total, free):
    pool = StoragePoolFactory(total_capacity_mb=total, free_space_mb=free)

    row = analysis.pool_row(pool, DEFAULTS)

    assert row["free_percent"] is None
    assert row["status"] == "not_reported"


def make_pools(commcell, percents: dict[str, float | None]) -> None:
    for name, percent in percents.items():
        if percent is None:
            StoragePoolFactory(
                commcell=commcell, name=name, total_capacity_mb=-1, free_space_mb=-1
            )
        else:
            StoragePoolFactory(
                commcell=commcell,
                name=name,
                total_capacity_mb=100_000,
                free_space_mb=int(percent * 1000),
            )


@pytest.mark.django_db
def test_summary_counts_totals_and_fullest():
    commcell = CommCellFactory()
    make_pools(
        commcell,
        {"a": 1.97, "b": 5.0, "c": 15.0, "d": 25.0, "e": 50.0, "cloud": None},
    )

    summary = analysis.summarize(analysis.pools_for_dashboard(), DEFAULTS)

    counts = {item["status"]: item["count"] for item in summary["statuses"]}
    assert summary["count"] == 6
    assert counts == {
        "critical": 2,
        "warning": 1,
        "low": 1,
        "ok": 1,
        "not_reported": 1,
    }
    assert summary["totals"]["pools_reporting"] == 5
    assert summary["totals"]["capacity_mb"] == 500_000
    assert summary["totals"]["free_mb"] == 96_970
    assert summary["totals"]["used_mb"] == 403_030
    assert [row["name"] for row in summary["fullest"]] == ["a", "b", "c", "d", "e"]


@pytest.mark.django_db
def test_fullest_keeps_ten():
    commcell = CommCellFactory()
    make_pools(commcell, {f"p{index:02d}": float(index) for index in range(1, 15)})

    summary = analysis.summarize(analysis.pools_for_dashboard(), DEFAULTS)

    assert len(summary["fullest"]) == 10
    assert summary["fullest"][0]["name"] == "p01"


@pytest.mark.django_db
def test_removed_pools_are_left_out():
    pool = StoragePoolFactory(removed_at=NOW)

    assert pool not in analysis.pools_for_dashboard()


@pytest.mark.django_db
def test_action_list_in_plain_words():
    commcell = CommCellFactory()
    make_pools(
        commcell,
        {"Pool X": 1.97, "Pool Y": 4.0, "Pool Z": 8.5, "w": 12.0, "cloud": None},
    )

    summary = analysis.summarize(analysis.pools_for_dashboard(), DEFAULTS)

    assert summary["actions"] == [
        "3 pools critically low: manual pruning recommended",
        "Pool Pool X at 1.97% free: act now",
        "Pool Pool Y at 4.00% free: act now",
        "Pool Pool Z at 8.50% free: act now",
        "4 pools under 20%: evidence of pruning failure",
        "1 pool not reporting capacity: check free space in the CommCell Console "
        "or the cloud provider",
    ]


@pytest.mark.django_db
def test_no_actions_when_all_ok():
    make_pools(CommCellFactory(), {"fine": 60.0})

    summary = analysis.summarize(analysis.pools_for_dashboard(), DEFAULTS)

    assert summary["actions"] == []


@pytest.mark.django_db
def test_thresholds_load_stored_row():
    StorageThresholds.objects.update_or_create(
        pk=1, defaults={"critical_below": 5, "warning_below": 15, "low_below": 25}
    )

    thresholds = Thresholds.load()

    assert thresholds.critical_below == 5
    assert thresholds.low_below == 25


def findings_by_code(findings) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for finding in findings:
        grouped.setdefault(finding.code, []).append(finding)
    return grouped


@pytest.mark.django_db
def test_pool_rules_report_each_status():
    commcell = CommCellFactory()
    make_pools(commcell, {"crit": 3.0, "warn": 12.0, "low": 22.0, "ok": 70.0})
    make_pools(commcell, {"cloud": None})

    grouped = findings_by_code(analysis.analyze_pools(commcell, NOW))

    assert [f.subject_name for f in grouped["storage.pool_critical"]] == ["crit"]
    assert grouped["storage.pool_critical"][0].severity == "critical"
    assert [f.subject_name for f in grouped["storage.pool_warning"]] == ["warn"]
    assert [f.subject_name for f in grouped["storage.pool_low"]] == ["low"]
    assert [f.subject_name for f in grouped["storage.capacity_not_reported"]] == [
        "cloud"
    ]
    assert "storage.pool_ok" not in grouped


@pytest.mark.django_db
def test_full_soon_rule_uses_forecast():
    commcell = CommCellFactory()
    pool = StoragePoolFactory(
        commcell=commcell, total_capacity_mb=1_000_000, free_space_mb=400_000
    )
    slow = StoragePoolFactory(
        commcell=commcell, total_capacity_mb=1_000_000, free_space_mb=400_000
    )
    for day in range(30):
        when = NOW - timedelta(days=29 - day)
        # 20,480 MB (20 GB) a day ends with 400,000 MB free: about 20 days left.
        StoragePoolSnapshotFactory(
            pool=pool,
            collected_at=when,
            total_capacity_mb=1_000_000,
            free_space_mb=400_000 + 20_480 * (29 - day),
        )
        # 1 GB a day leaves about 390 days.
        StoragePoolSnapshotFactory(
            pool=slow,
            collected_at=when,
            total_capacity_mb=1_000_000,
            free_space_mb=400_000 + 1024 * (29 - day),
        )

    grouped = findings_by_code(analysis.analyze_pools(commcell, NOW))

    soon = grouped["storage.pool_full_soon"]
    assert [finding.subject_id for finding in soon] == [pool.pk]
    assert soon[0].evidence["rate_gb_per_day"] == pytest.approx(20.0)
    assert soon[0].evidence["days_until_full"] == pytest.approx(19.531, abs=0.01)


@pytest.mark.django_db
def test_media_agent_offline_duration_from_snapshots():
    agent = MediaAgentFactory(online=False, offline_reason="Services down")
    for hours_ago, online in ((30, True), (20, True), (10, False), (5, False)):
        MediaAgentSnapshotFactory(
            media_agent=agent,
            collected_at=NOW - timedelta(hours=hours_ago),
            online=online,
        )

    findings = list(analysis.analyze_media_agents(agent.commcell, NOW))

    assert len(findings) == 1
    assert findings[0].code == "storage.media_agent_offline"
    assert findings[0].evidence["offline_hours"] == 10.0
    assert findings[0].evidence["offline_since_is_first_snapshot"] is False
    assert "for 10 hours (Services down)" in findings[0].title


@pytest.mark.django_db
def test_media_agent_offline_since_first_snapshot():
    agent = MediaAgentFactory(online=False)
    MediaAgentSnapshotFactory(
        media_agent=agent, collected_at=NOW - timedelta(hours=48), online=False
    )

    findings = list(analysis.analyze_media_agents(agent.commcell, NOW))

    assert findings[0].evidence["offline_hours"] == 48.0
    assert findings[0].evidence["offline_since_is_first_snapshot"] is True
    assert "at least 2 days" in findings[0].title


@pytest.mark.django_db
def test_online_media_agent_has_no_finding():
    agent = MediaAgentFactory(online=True)

    assert list(analysis.analyze_media_agents(agent.commcell, NOW)) == []


def test_analyzers_are_registered():
    from apps.core.findings import registered_analyzers

    analyzers = registered_analyzers()

    assert analyzers["storage.pools"] is analysis.analyze_pools
    assert analyzers["storage.media_agents"] is analysis.analyze_media_agents


@pytest.mark.django_db
def test_full_soon_title_without_an_empty_range():
    commcell = CommCellFactory()
    pool = StoragePoolFactory(
        commcell=commcell, total_capacity_mb=1_000_000, free_space_mb=400_000
    )
    for day in range(30):
        StoragePoolSnapshotFactory(
            pool=pool,
            collected_at=NOW - timedelta(days=29 - day),
            total_capacity_mb=1_000_000,
            free_space_mb=400_000 + 20_480 * (29 - day),
        )

    soon = findings_by_code(analysis.analyze_pools(commcell, NOW))[
        "storage.pool_full_soon"
    ]

    assert soon[0].title == f"Pool {pool.name} will be full in about 20 days."


@pytest.mark.django_db
def test_media_agent_offline_shows_reason_code_and_days():
    agent = MediaAgentFactory(online=False, offline_reason="", offline_reason_code=2)
    MediaAgentSnapshotFactory(
        media_agent=agent, collected_at=NOW - timedelta(days=14), online=False
    )

    findings = list(analysis.analyze_media_agents(agent.commcell, NOW))

    assert findings[0].title == (
        f"MediaAgent {agent.name} is offline for at least 14 days (reason code 2)."
    )
    assert findings[0].evidence["offline_hours"] == 336.0


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (1, "1 hour"),
        (10, "10 hours"),
        (47.5, "47.5 hours"),
        (48, "2 days"),
        (60, "2.5 days"),
    ],
)
def test_offline_duration(hours, text):
    assert analysis.offline_duration(hours) == text


@pytest.mark.django_db
def test_predictor_tiny_rate_gives_years_not_never():
    pool = StoragePoolFactory(total_capacity_mb=1_000_000, free_space_mb=400_000)

    prediction = analysis.predict(pool, 0.0000001, NOW)

    assert "does not fill" not in prediction.message
    assert "more than" in prediction.message
    assert "years" in prediction.message
    assert prediction.message.startswith("At 1e-07 GiB/day")


@pytest.mark.django_db
def test_predictor_zero_rate_does_not_fill():
    pool = StoragePoolFactory(total_capacity_mb=1_000_000, free_space_mb=400_000)

    assert analysis.predict(pool, 0.0, NOW).message == (
        "At 0.00 GiB/day the pool does not fill."
    )
