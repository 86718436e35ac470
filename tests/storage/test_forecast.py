"""Fill-rate forecasts on series with a known rate."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from apps.storage import forecast
from apps.storage.forecast import Sample

START = datetime(2026, 8, 1, 0, 0, tzinfo=UTC)
TOTAL_MB = 10_000_000.0


def daily(used_by_day: list[float], per_day: int = 1) -> list[Sample]:
    """Build `per_day` snapshots per day with the given used MB."""
    step = timedelta(hours=24 / per_day)
    return [
        Sample(START + timedelta(days=day) + step * index, used, TOTAL_MB)
        for day, used in enumerate(used_by_day)
        for index in range(per_day)
    ]


def test_theil_sen_exact_line():
    xs = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    ys = [3.0 + 2.5 * x for x in xs]

    fit = forecast.theil_sen(xs, ys)

    assert fit.slope == pytest.approx(2.5)
    assert fit.low == pytest.approx(2.5)
    assert fit.high == pytest.approx(2.5)
    assert fit.intercept == pytest.approx(3.0)


def test_theil_sen_needs_two_x_values():
    with pytest.raises(ValueError, match="two distinct x values"):
        forecast.theil_sen([1.0, 1.0], [2.0, 3.0])


def test_exact_line_days_until_full():
    # 2048 MB (2 GB) a day from 4,000,000 MB used: 6,000,000 MB free after day 29.
    used = [4_000_000 + 2048 * day for day in range(30)]

    result = forecast.forecast(daily(used, per_day=24))

    free = TOTAL_MB - used[-1]
    assert result.status == forecast.FILLING
    assert result.points == 30
    assert result.rate_gb_per_day == pytest.approx(2.0)
    assert result.rate_low_gb_per_day == pytest.approx(2.0)
    assert result.rate_high_gb_per_day == pytest.approx(2.0)
    assert result.days_until_full == pytest.approx(free / 2048)
    assert result.full_on == date(2026, 8, 30) + timedelta(days=2901)


def test_outliers_barely_move_the_rate():
    used = [4_000_000 + 10_240 * day for day in range(60)]
    for day in (5, 17, 33, 48):
        used[day] += 600_000  # Single days far above the line, such as a bad read.

    result = forecast.forecast(daily(used))

    assert result.status == forecast.FILLING
    assert result.rate_gb_per_day == pytest.approx(10.0, rel=0.02)
    assert result.rate_low_gb_per_day <= 10.0 <= result.rate_high_gb_per_day


def test_noise_interval_contains_true_rate():
    generator = random.Random(11)
    used = [2_000_000 + 10_240 * day + generator.gauss(0, 40_000) for day in range(90)]

    result = forecast.forecast(daily(used))

    assert result.status == forecast.FILLING
    assert result.rate_gb_per_day == pytest.approx(10.0, rel=0.05)
    assert result.days_until_full_earliest < result.days_until_full
    assert result.days_until_full < result.days_until_full_latest


def test_noise_interval_coverage_near_95_percent():
    xs = [float(day) for day in range(60)]
    covered = 0
    for seed in range(200):
        generator = random.Random(seed)
        ys = [1000.0 + 5.0 * x + generator.gauss(0, 20) for x in xs]
        fit = forecast.theil_sen(xs, ys)
        covered += fit.low < 5.0 < fit.high

    assert 0.9 <= covered / 200 <= 0.99


def test_falling_use_is_not_filling():
    used = [6_000_000 - 5_000 * day for day in range(30)]

    result = forecast.forecast(daily(used))

    assert result.status == forecast.NOT_FILLING
    assert result.rate_gb_per_day < 0
    assert result.days_until_full is None


def test_flat_use_is_not_filling():
    result = forecast.forecast(daily([6_000_000] * 20))

    assert result.status == forecast.NOT_FILLING
    assert result.rate_gb_per_day == 0


def test_too_short_series():
    result = forecast.forecast(daily([1_000_000, 1_100_000, 1_200_000], per_day=6))

    assert result.status == forecast.TOO_FEW_POINTS
    assert result.points == 3
    assert "at least 5" in result.message


def test_no_samples_is_not_reported():
    result = forecast.forecast([])

    assert result.status == forecast.NOT_REPORTED


def test_full_pool():
    result = forecast.forecast(daily([TOTAL_MB] * 10))

    assert result.status == forecast.FULL


def test_fit_starts_after_pruning_drop():
    # Fills 20 GB/day, pruning frees 1,000,000 MB on day 40, then 5 GB/day.
    before = [3_000_000 + 20_480 * day for day in range(40)]
    after = [before[-1] - 1_000_000 + 5_120 * day for day in range(20)]

    result = forecast.forecast(daily(before + after))

    assert result.pruning_drop_on == (START + timedelta(days=40)).date()
    assert result.points == 20
    assert result.rate_gb_per_day == pytest.approx(5.0)


def test_short_history_after_pruning_drop():
    before = [3_000_000 + 20_480 * day for day in range(40)]
    after = [before[-1] - 1_000_000 + 5_120 * day for day in range(3)]

    result = forecast.forecast(daily(before + after))

    assert result.status == forecast.TOO_FEW_POINTS
    assert "since pruning freed space" in result.message


def test_window_keeps_last_ninety_days():
    # Fast growth long ago, slower growth in the last 90 days.
    old = [1_000_000 + 40_960 * day for day in range(60)]
    recent = [old[-1] + 10_240 * (day + 1) for day in range(90)]

    result = forecast.forecast(daily(old + recent))

    assert result.points == 90
    assert result.rate_gb_per_day == pytest.approx(10.0)


def test_daily_median_ignores_one_odd_snapshot():
    samples = daily([4_000_000 + 1024 * day for day in range(10)], per_day=5)
    samples[7] = Sample(samples[7].collected_at, 9_000_000, TOTAL_MB)

    result = forecast.forecast(samples)

    assert result.rate_gb_per_day == pytest.approx(1.0)


def test_projection_at_typed_rate():
    projection = forecast.project(10_240.0, 1.0, date(2027, 1, 1))

    assert projection.days_until_full == pytest.approx(10.0)
    assert projection.full_on == date(2027, 1, 11)
    assert projection.series(365)[-1] == ("2027-01-11", 0.0)


def test_projection_zero_rate_never_fills():
    projection = forecast.project(10_240.0, 0.0, date(2027, 1, 1))

    assert projection.full_on is None
    assert len(projection.series(30)) == 31
