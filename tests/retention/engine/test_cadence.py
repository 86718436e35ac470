"""Measured full interval and effective retention against the configured days."""

import pytest

from apps.retention.engine import (
    CopyRetention,
    copy_full_interval,
    effective_retention,
    evaluate_chain,
    measured_full_interval,
)

from .builders import at, history, job


def test_chain_interval_is_median_gap():
    jobs = [
        job(1, 1, "full"),
        job(8, 8, "full"),
        job(15, 15, "full"),
        job(40, 40, "full"),
    ]

    result = evaluate_chain(jobs, CopyRetention(days=7, cycles=1), at(41))

    assert result.full_interval_days == 7


def test_failed_fulls_not_in_interval():
    jobs = [job(1, 1, "full"), job(4, 4, "full", "failed"), job(8, 8, "full")]

    result = evaluate_chain(jobs, CopyRetention(days=7, cycles=1), at(9))

    assert result.full_interval_days == 7


def test_copy_interval_is_median_over_chains():
    weekly = evaluate_chain(history(60, 7), CopyRetention(days=7, cycles=1), at(61))
    single = evaluate_chain(
        [job(1, 1, "full")], CopyRetention(days=7, cycles=1), at(61)
    )

    assert copy_full_interval([weekly, single, weekly]) == 7
    assert measured_full_interval([1.0, 7.0, 30.0, None]) == 7.0
    assert measured_full_interval([None]) is None


@pytest.mark.parametrize(
    ("days", "cycles", "interval", "kept", "sentence"),
    [
        (
            14,
            2,
            7,
            20,
            "14 days / 2 cycles, fulls every 7 days: data kept 20 days, +43%",
        ),
        (
            30,
            4,
            30,
            120,
            "30 days / 4 cycles, fulls every 30 days: data kept 120 days, +300%",
        ),
        (
            30,
            1,
            30,
            59,
            "30 days / 1 cycle, fulls every 30 days: data kept 59 days, +97%",
        ),
        (
            30,
            1,
            7,
            36,
            "30 days / 1 cycle, fulls every 7 days: data kept 36 days, +20%",
        ),
    ],
)
def test_effective_retention_worked_examples(days, cycles, interval, kept, sentence):
    summary = effective_retention(CopyRetention(days=days, cycles=cycles), interval)

    assert summary.kept_days == kept
    assert summary.sentence == sentence
    assert summary.delay_days == kept - days
    assert summary.aging_latency_days == 1.0


def test_days_only_keeps_configured_days():
    summary = effective_retention(CopyRetention(days=14, cycles=2, days_only=True), 7)

    assert summary.kept_days == 14
    assert summary.delay_percent == 0


def test_aging_disabled_has_no_estimate():
    summary = effective_retention(
        CopyRetention(days=30, cycles=2, data_aging_enabled=False), 7
    )

    assert summary.kept_days is None
    assert "data aging disabled" in summary.sentence


def test_unknown_interval_has_no_estimate():
    summary = effective_retention(CopyRetention(days=30, cycles=2), None)

    assert summary.kept_days is None
    assert "full interval unknown" in summary.sentence


def test_zero_days_has_no_percent():
    summary = effective_retention(CopyRetention(days=0, cycles=1), 7)

    assert summary.kept_days == 7
    assert summary.delay_percent is None


@pytest.mark.parametrize(
    ("days", "cycles", "kept"),
    [
        (1, 1, "one full interval"),
        (0, 2, "2 full intervals"),
        (2, 1, "1 day plus one full interval"),
        (30, 1, "29 days plus one full interval"),
        (30, 2, "the longer of 2 full intervals and 29 days plus one full interval"),
    ],
)
def test_unknown_interval_states_kept_in_intervals(days, cycles, kept):
    summary = effective_retention(CopyRetention(days=days, cycles=cycles), None)

    assert f"data kept {kept}," in summary.sentence


def test_unknown_interval_sentence_ends_with_hint():
    summary = effective_retention(
        CopyRetention(days=1, cycles=1), None, interval_hint="type the interval"
    )

    assert summary.sentence == (
        "1 day / 1 cycle: data kept one full interval, full interval unknown "
        "(type the interval)"
    )


def test_one_day_sentence_is_singular():
    summary = effective_retention(CopyRetention(days=1, cycles=1), 1.0)

    assert summary.sentence == (
        "1 day / 1 cycle, fulls every 1 day: data kept 1 day, +0%"
    )
