"""The plain logic of the retention tools on small cases checked by hand."""

from datetime import time, timedelta

import pytest

from apps.retention.engine import (
    CopyRetention,
    ExtendedKind,
    ExtendedRule,
    RetentionChange,
)
from apps.retention.tools.checker import analyze, explain, try_change
from apps.retention.tools.dedup import dedup_ratio
from apps.retention.tools.findings import overdue_findings
from apps.retention.tools.intent import (
    COMPLIANCE,
    DISASTER_RECOVERY,
    LONG_TERM,
    SHORT_TERM,
    STANDARD,
    classify_intent,
)
from apps.retention.tools.loading import job_size
from apps.retention.tools.reclamation import build_timeline, pending_state
from apps.retention.tools.schedules import (
    OverdueChain,
    PolicySchedule,
    ScheduleJob,
    analyze_policy,
    next_aging_run,
)

from .builders import FULL_BYTES, GIB, INCREMENTAL_BYTES, day, weekly_then_no_fulls

# Day 50 at 13:00 UTC, one hour after that day's data aging run.
NOW = day(50, hour=13)


@pytest.mark.parametrize(
    ("days", "group"),
    [
        (0, SHORT_TERM),
        (29, SHORT_TERM),
        (30, STANDARD),
        (90, STANDARD),
        (91, LONG_TERM),
        (-1, LONG_TERM),
    ],
)
def test_intent_day_boundaries(days, group):
    assert classify_intent(days).group == group


def test_intent_compliance_before_days():
    worm = classify_intent(14, worm=True)
    named = classify_intent(30, copy_name="Legal hold copy")
    yearly = classify_intent(
        30, extended=(ExtendedRule(ExtendedKind.YEAR, end_days=365),)
    )
    monthly = classify_intent(
        30, extended=(ExtendedRule(ExtendedKind.MONTH, end_days=90),)
    )

    assert worm.group == COMPLIANCE
    assert worm.basis == "the copy is WORM"
    assert named.group == COMPLIANCE
    assert yearly.group == COMPLIANCE
    assert "365 days" in yearly.basis
    assert monthly.group == STANDARD


@pytest.mark.parametrize(
    ("name", "group"),
    [
        ("DR copy", DISASTER_RECOVERY),
        ("Offsite", DISASTER_RECOVERY),
        ("aux_dr", DISASTER_RECOVERY),
        ("Primary", STANDARD),
        ("Address", STANDARD),
    ],
)
def test_intent_disaster_recovery_names(name, group):
    assert classify_intent(30, copy_name=name).group == group


def test_one_cycle_frees_stalled_cycle():
    # Fulls on days 0-28, then only incrementals to day 49. Under 14 days / 2
    # cycles the cycle of day 21 waits for a second newer full that never comes.
    # Under 1 cycle it is due at max(day 28, day 27 22:00 + 14 days) and ages at
    # the day 42 12:00 run: the day 21 full and six incrementals.
    jobs = weekly_then_no_fulls()

    result = try_change(
        CopyRetention(days=14, cycles=2),
        RetentionChange(cycles=1),
        7.0,
        NOW,
        chains=lambda: [("c1", jobs)],
    )

    assert result.effect is not None
    assert result.effect.newly_eligible_jobs == 7
    assert result.effect.newly_eligible_bytes == FULL_BYTES + 6 * INCREMENTAL_BYTES
    assert result.effect.newly_eligible_bytes == 160 * GIB
    # Those 7 jobs had no date before, but they count as eligible, not as dated.
    assert result.effect.jobs_dated_from_never == 0
    # With fulls every 7 days the days decide either way: max(2 x 7, 14 + 7 - 1).
    assert result.before.summary.kept_days == 20
    assert result.after.summary.kept_days == 20
    assert result.days_sooner == 0


def test_days_only_change_estimate():
    result = try_change(
        CopyRetention(days=14, cycles=2),
        RetentionChange(days_only=True),
        7.0,
        NOW,
    )

    assert result.effect is None
    assert result.after.summary.kept_days == 14
    assert result.days_sooner == 6
    assert any("2023E" in note for note in result.notes)


def test_explain_names_deciding_setting():
    cycles = explain(CopyRetention(days=30, cycles=4), 30.0)
    days = explain(CopyRetention(days=30, cycles=1), 7.0)
    unknown = explain(CopyRetention(days=30, cycles=2), None)
    off = explain(CopyRetention(days=30, cycles=2, data_aging_enabled=False), 7.0)

    assert cycles[0].startswith("The cycles decide")
    assert "120 days" in cycles[0]
    assert days[0].startswith("The days decide")
    assert "36 days" in days[0]
    assert "unknown" in unknown[0]
    assert off == ["Data aging is off on the copy, so no job ever ages."]


def test_job_size_applies_savings_once():
    # Media bytes already are the application bytes after the savings.
    assert job_size(20 * GIB, 100 * GIB, 80.0) == 20 * GIB
    assert job_size(None, 100 * GIB, 80.0) == 20 * GIB
    assert job_size(None, 100 * GIB, None) == 100 * GIB
    assert job_size(None, 100 * GIB, 120.0) == 0
    assert job_size(None, None, 80.0) == 0


def test_dedup_ratio_from_savings():
    assert dedup_ratio(80.0) == pytest.approx(5.0)
    assert dedup_ratio(0.0) == pytest.approx(1.0)
    assert dedup_ratio(None) is None
    assert dedup_ratio(100.0) is None


def test_pending_state_reasons():
    pending, reason = pending_state(12_000, True)
    flat, flat_reason = pending_state(0, False)
    freed, _ = pending_state(0, True)
    no_deletes, no_deletes_reason = pending_state(0, None)
    unknown, unknown_reason = pending_state(None, None)

    assert pending is True
    assert "12,000 pending deletes" in reason
    assert flat is True
    assert "did not rise" in flat_reason
    assert freed is False
    assert no_deletes is False
    assert "no pending deletes" in no_deletes_reason
    assert unknown is True
    assert "fewer than two capacity snapshots" in unknown_reason


def test_timeline_adds_days_and_caps():
    start = day(0, hour=13)
    timeline = {day(1).date(): 2 * 1024**2, day(3).date(): 5 * 1024**2}

    rows = build_timeline(timeline, start, free_mb=10, total_mb=15, horizon_days=4)

    assert [row.day for row in rows] == [day(n).date() for n in range(4)]
    assert [row.bytes for row in rows] == [0, 2 * 1024**2, 0, 5 * 1024**2]
    assert [row.cumulative_bytes // 1024**2 for row in rows] == [0, 2, 2, 7]
    assert [row.free_mb_after for row in rows] == [10, 12, 12, 15]


def _schedule_jobs(jobs, policy=1):
    return [
        ScheduleJob(
            policy,
            job.chain_key,
            job.chain_key,
            str(job.level),
            "completed",
            job.start,
            job.end,
        )
        for job in jobs
    ]


def test_schedule_cadence_weekday_and_overdue():
    jobs = _schedule_jobs(weekly_then_no_fulls())

    schedule = analyze_policy(jobs, NOW, name="SP-1")

    assert schedule is not None
    assert schedule.fulls == 5
    assert schedule.full_cadence_days == 7
    assert schedule.synthetic_cadence_days is None
    # Every full starts on a Sunday at 22:00.
    assert schedule.weekdays == [0, 0, 0, 0, 0, 0, 5]
    assert schedule.hours[22] == 5
    # The last full is 22 days old, more than 2 x 7 days.
    assert len(schedule.overdue) == 1
    assert schedule.overdue[0].days_since_full == pytest.approx(22 - 9 / 24)
    # A full at 22:00 waits 14 hours for the 12:00 run.
    assert schedule.median_hours_to_aging == 14
    # It ends at 23:00, 13 hours before the run.
    assert schedule.median_hours_end_to_aging == 13
    assert "13.0 hours before the next 12:00 run" in schedule.aging_sentence
    assert schedule.fulls_across_aging == 0


def test_schedule_full_running_at_aging_run():
    start = day(0, hour=10)
    jobs = [
        ScheduleJob(
            1, "c", "c", "full", "completed", start, start + timedelta(hours=3)
        ),
        ScheduleJob(
            1,
            "c",
            "c",
            "synthetic_full",
            "completed",
            start + timedelta(days=7),
            start + timedelta(days=7, hours=1),
        ),
    ]

    schedule = analyze_policy(jobs, start + timedelta(days=8), name="SP-2")

    assert schedule.fulls_across_aging == 1
    assert schedule.synthetic_fulls == 1
    assert "still running" in schedule.aging_sentence
    assert "1 full was still running" in schedule.aging_sentence
    assert "Moving its start earlier" in schedule.aging_sentence


def test_next_aging_run_with_offset():
    # 11:30 UTC is 12:30 at UTC+1, after that day's run, so the next is tomorrow.
    moment = day(0, hour=11).replace(minute=30)

    run = next_aging_run(moment, time(12, 0), offset_minutes=60)

    assert run == day(1, hour=11)


def test_typed_one_day_one_cycle_without_interval():
    analysis = analyze(CopyRetention(days=1, cycles=1), None)

    assert "data kept one full interval" in analysis.summary.sentence
    assert "type the full interval, or pick a plan" in analysis.summary.sentence
    assert "fewer than two fulls" not in analysis.summary.sentence
    assert "a full stays one full interval" in analysis.reasons[0]
    assert "Type the full interval, or pick a plan" in analysis.reasons[0]


def test_overdue_finding_one_chain_is_singular():
    schedule = PolicySchedule(
        storage_policy_id=1,
        storage_policy_name="SP-1",
        plan_name="",
        overdue=[OverdueChain("client/sub", None, None, 7.0)],
    )

    (finding,) = overdue_findings([schedule])

    assert finding.title == (
        "1 chain of SP-1 had no completed full in twice its full cadence."
    )
