"""The retention tools over stored rules and jobs, checked by hand."""

from datetime import timedelta

from apps.commcell.models import Job
from apps.retention.tools.dedup import analyze_pool
from apps.retention.tools.findings import analyze_overdue_fulls
from apps.retention.tools.optimizer import group_reviews, review_rule
from apps.retention.tools.reclamation import forecast_pool, free_space_trend
from apps.storage.models import StoragePool
from tests.factories import (
    DDBPartitionFactory,
    DDBStoreFactory,
    MediaAgentFactory,
    StoragePoolSnapshotFactory,
)

from .builders import FULL_BYTES, GIB, INCREMENTAL_BYTES, day

# Day 56 at 13:00 UTC, one hour after that day's data aging run.
NOW = day(56, hour=13)
CYCLE_BYTES = FULL_BYTES + 6 * INCREMENTAL_BYTES  # 160 GiB


def test_optimizer_one_cycle_impact(weekly_pool):
    # 7 days / 4 cycles with weekly fulls keeps a full max(28, 13) = 28 days.
    # Cycles of days 0-21 are due at full + 28 days: 28 jobs eligible now. With 1
    # cycle a cycle is due at its last job + 7 days, so the cycles of days 28, 35
    # and 42 (21 jobs, 480 GiB) become eligible too.
    review = review_rule(weekly_pool["rule"], NOW)

    impacts = {impact.code: impact for impact in review.impacts}
    one_cycle = impacts["retention.reduce_cycles"]
    assert review.full_interval_days == 7
    assert review.intent.group == "short_term"
    assert review.configuration == "7 days / 4 cycles"
    assert one_cycle.configuration == "7 days / 1 cycle"
    assert one_cycle.kept_days_before == 28
    assert one_cycle.kept_days_after == 13
    assert one_cycle.days_sooner == 15
    assert one_cycle.jobs == 56
    assert one_cycle.newly_eligible_jobs == 21
    assert one_cycle.newly_eligible_bytes == 3 * CYCLE_BYTES
    assert one_cycle.newly_eligible_bytes == 480 * GIB


def test_optimizer_groups_in_order(weekly_pool):
    review = review_rule(weekly_pool["rule"], NOW)

    groups = group_reviews([review])

    assert [group["group"] for group in groups] == ["short_term"]
    assert groups[0]["label"] == "Short-term (under 30 days)"


def test_reclamation_dedup_counts_savings_once(weekly_pool):
    # Four cycles (28 jobs) are eligible now. Their 640 GiB of media already are
    # the 3,200 GiB of application data after the 80 % savings.
    forecast = forecast_pool(weekly_pool["pool"], NOW)
    review = review_rule(weekly_pool["rule"], NOW)

    assert forecast.deduplicated is True
    assert forecast.warning
    assert forecast.savings_percent == 80
    copy = forecast.copies[0]
    assert copy.eligible_jobs == 28
    assert copy.eligible_bytes == 640 * GIB
    assert forecast.eligible_bytes == 640 * GIB
    # 1,000 MB free plus 640 GiB = 655,360 MB.
    assert forecast.free_mb_after_pruning == 1_000 + 655_360
    # The recommended 1 cycle adds the 480 GiB the optimizer shows for it.
    one_cycle = next(i for i in review.impacts if i.code == "retention.reduce_cycles")
    assert copy.recommended_change == "7 days / 1 cycle"
    assert copy.recommended_jobs == 21
    assert forecast.recommended_bytes == 480 * GIB
    assert forecast.recommended_bytes == one_cycle.newly_eligible_bytes


def test_reclamation_timeline_today_run(weekly_pool):
    # With 1 cycle the cycle of day 42 is due at its last job (day 48 22:00) plus
    # 7 days and ages at the day 56 12:00 run, one hour after this moment. The
    # cycle of day 49 waits for a newer full, so it has no date.
    rule = weekly_pool["rule"]
    rule.retention_cycles = 1
    rule.save()
    before_run = day(56, hour=11)

    forecast = forecast_pool(
        weekly_pool["pool"], before_run, with_recommendations=False
    )

    by_day = {row.day: row.bytes for row in forecast.timeline}
    assert forecast.timeline[0].day == day(56).date()
    assert by_day[day(56).date()] == CYCLE_BYTES
    assert by_day[day(56).date()] == 160 * GIB
    assert sum(by_day.values()) == 160 * GIB
    assert len(forecast.timeline) == 30
    assert forecast.timeline[-1].cumulative_bytes == 160 * GIB


def test_reclamation_plain_pool_full_bytes(weekly_pool):
    pool = weekly_pool["pool"]
    pool.pool_type = StoragePool.PoolType.NON_DEDUPLICATION
    pool.save()
    copy = weekly_pool["copy"]
    copy.dedup_enabled = False
    copy.save()

    forecast = forecast_pool(pool, NOW, with_recommendations=False)

    assert forecast.deduplicated is False
    assert forecast.warning == ""
    assert forecast.eligible_bytes == 4 * CYCLE_BYTES


def test_reclamation_recent_aged_pending(weekly_pool):
    # Mark the cycle of day 21 aged: its rule date, day 49 12:00, is within 14 days.
    aged = Job.objects.filter(
        storage_policy=weekly_pool["plan"].storage_policy,
        start_time__gte=day(21),
        start_time__lt=day(28),
    ).update(is_aged=True)

    forecast = forecast_pool(weekly_pool["pool"], NOW, with_recommendations=False)

    assert aged == 7
    assert forecast.pruning_pending is True
    assert forecast.copies[0].aged_recent_jobs == 7
    assert forecast.aged_not_freed_bytes == 160 * GIB
    assert forecast.copies[0].eligible_jobs == 21


def _store_on(pool, **fields):
    pool.storage_policy_cv_id = 8_800
    pool.save()
    return DDBStoreFactory(commcell=pool.commcell, storage_policy_cv_id=8_800, **fields)


def test_reclamation_pruning_disabled_frees_nothing(weekly_pool):
    pool = weekly_pool["pool"]
    _store_on(pool, name="Dedup_7004", pruning_enabled=False, pending_deletes=562_400)

    forecast = forecast_pool(pool, NOW)

    assert forecast.eligible_bytes == 640 * GIB
    assert forecast.free_mb_after_pruning == 1_000
    assert forecast.free_mb_after_recommended == 1_000
    assert {row.free_mb_after for row in forecast.timeline} == {1_000}
    assert "Pruning is disabled on DDB store Dedup_7004" in forecast.blocked_reason
    assert forecast.pending_deletes == 562_400
    assert forecast.pruning_pending is True


def test_reclamation_offline_media_agent_frees_nothing(weekly_pool):
    pool = weekly_pool["pool"]
    store = _store_on(pool, name="Dedup_7005", pending_deletes=0)
    agent = MediaAgentFactory(commcell=pool.commcell, name="ma-down", online=False)
    DDBPartitionFactory(store=store, media_agent=agent)

    forecast = forecast_pool(pool, NOW, with_recommendations=False)

    assert forecast.free_mb_after_pruning == 1_000
    assert "MediaAgent ma-down" in forecast.blocked_reason


def test_reclamation_online_store_frees_space(weekly_pool):
    pool = weekly_pool["pool"]
    store = _store_on(pool, name="Dedup_7006", pending_deletes=0)
    DDBPartitionFactory(
        store=store, media_agent=MediaAgentFactory(commcell=pool.commcell)
    )

    forecast = forecast_pool(pool, NOW, with_recommendations=False)

    assert forecast.blocked_reason == ""
    assert forecast.free_mb_after_pruning == 1_000 + 655_360


def test_free_space_rise_in_the_middle_counts(weekly_pool):
    pool = weekly_pool["pool"]
    for days_ago, free in ((12, 340_000), (8, 330_000), (6, 375_000), (1, 320_000)):
        StoragePoolSnapshotFactory(
            pool=pool, collected_at=NOW - timedelta(days=days_ago), free_space_mb=free
        )

    assert free_space_trend(pool, NOW) is True


def test_free_space_falling_all_along_did_not_rise(weekly_pool):
    pool = weekly_pool["pool"]
    for days_ago, free in ((12, 340_000), (8, 330_000), (1, 320_000)):
        StoragePoolSnapshotFactory(
            pool=pool, collected_at=NOW - timedelta(days=days_ago), free_space_mb=free
        )

    assert free_space_trend(pool, NOW) is False


def test_dedup_extended_hold(weekly_pool):
    # A monthly rule keeps the last full of September (day 21, 27 Sep) a year,
    # though its cycle is eligible under basic retention.
    rule = weekly_pool["rule"]
    rule.extended_rules = [
        {"slot": 1, "rule": "monthly_fulls", "end_days": 365, "grace_days": 0}
    ]
    rule.save()

    result = analyze_pool(weekly_pool["pool"], NOW)

    assert result is not None
    assert result.savings_percent == 80
    assert result.dedup_ratio == 5
    hold = result.holds[0]
    assert hold.rules == "month for 365 days"
    assert hold.held_jobs == 1
    assert hold.held_bytes == FULL_BYTES
    assert hold.freed_jobs_without_rules == 1
    assert "selective copy" in hold.advice


def test_overdue_full_finding(weekly_pool):
    # The last full ran on day 49; at day 80 it is 31 days old, over 2 x 7 days.
    findings = list(analyze_overdue_fulls(weekly_pool["commcell"], day(80)))

    assert len(findings) == 1
    finding = findings[0]
    assert finding.code == "retention.full_overdue"
    assert finding.subject_type == "storage_policy"
    assert finding.subject_id == weekly_pool["plan"].storage_policy_id
    assert finding.evidence["chains"] == 1
    assert finding.evidence["full_cadence_days"] == 7
    assert finding.title.startswith("1 chain of Weekly / ")


def test_no_finding_when_fulls_recent(weekly_pool):
    # On day 56 the day 49 full is 7 days old, within 2 x 7 days.
    assert list(analyze_overdue_fulls(weekly_pool["commcell"], day(56))) == []
