"""Fill rate and days until full of a storage pool, from its snapshots.

Method: each UTC day's used space is the median of that day's snapshots. The fill
rate is the Theil–Sen slope of those daily medians over the last `WINDOW_DAYS` days:
the median of the slopes between every pair of days, so a few outlier days move it
little. Its 95% interval is Sen's rank interval (P. K. Sen, "Estimates of the
regression coefficient based on Kendall's tau", JASA 63, 1968). Days until full is
the free space of the latest snapshot divided by the rate. When the used space fell
by more than `DROP_FRACTION` of the capacity from one day to the next (pruning freed
space), only the days from that fall on are fitted.

Sizes are in MB as the CommServe reports them; a GB is 1024 MB.
"""

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

WINDOW_DAYS = 90
# Fewer daily points than this give no forecast: the interval would be too wide.
MIN_POINTS = 5
DROP_FRACTION = 0.02
# Two-sided 95% quantile of the standard normal distribution.
Z_95 = 1.959964
MB_PER_GB = 1024.0

METHOD = (
    "The fill rate is the Theil–Sen slope (the median of the slopes between every "
    f"pair of days) of each day's median used space over the last {WINDOW_DAYS} days, "
    "with Sen's 95% interval. Days until full is today's free space divided by that "
    "rate. After pruning freed more than "
    f"{DROP_FRACTION:.0%} of the capacity in a day, only the days since are used."
)

FILLING = "filling"
NOT_FILLING = "not_filling"
TOO_FEW_POINTS = "too_few_points"
NOT_REPORTED = "not_reported"
FULL = "full"


class Sample(NamedTuple):
    """One snapshot: its time, and the used and total space in MB."""

    collected_at: datetime
    used_mb: float
    total_mb: float


@dataclass(frozen=True)
class SlopeFit:
    slope: float
    low: float
    high: float
    intercept: float


@dataclass(frozen=True)
class Forecast:
    """A pool's fill rate (GB per day) and days until full, each with its interval.

    `days_until_full_latest` is None when the rate's interval reaches zero or below:
    the data then cannot rule out that the pool stops filling.
    """

    status: str
    message: str
    points: int = 0
    window_start: date | None = None
    window_end: date | None = None
    pruning_drop_on: date | None = None
    free_mb: float | None = None
    total_mb: float | None = None
    rate_gb_per_day: float | None = None
    rate_low_gb_per_day: float | None = None
    rate_high_gb_per_day: float | None = None
    days_until_full: float | None = None
    days_until_full_earliest: float | None = None
    days_until_full_latest: float | None = None
    full_on: date | None = None
    full_earliest_on: date | None = None
    full_latest_on: date | None = None

    def as_dict(self) -> dict:
        data = dict(self.__dict__)
        for key, value in data.items():
            if isinstance(value, date):
                data[key] = value.isoformat()
            elif isinstance(value, float):
                data[key] = round(value, 3)
        return data


def theil_sen(xs: Sequence[float], ys: Sequence[float], z: float = Z_95) -> SlopeFit:
    """Fit y = intercept + slope * x and return the slope with Sen's interval.

    Raises ValueError with fewer than two distinct x values. The interval uses the
    normal approximation of Kendall's S without a correction for ties.
    """
    n = len(xs)
    slopes = sorted(
        (ys[j] - ys[i]) / (xs[j] - xs[i])
        for i in range(n)
        for j in range(i + 1, n)
        if xs[j] != xs[i]
    )
    if not slopes:
        raise ValueError(f"Theil–Sen needs two distinct x values; got {n} points.")

    slope = statistics.median(slopes)
    intercept = statistics.median(y - slope * x for x, y in zip(xs, ys, strict=True))

    count = len(slopes)
    spread = z * math.sqrt(n * (n - 1) * (2 * n + 5) / 18.0)
    low_index = max(round((count - spread) / 2.0) - 1, 0)
    high_index = min(round((count + spread) / 2.0), count - 1)
    return SlopeFit(slope, slopes[low_index], slopes[high_index], intercept)


def daily_medians(samples: Iterable[Sample]) -> list[tuple[date, float]]:
    """Return (UTC day, median used MB) pairs, oldest first."""
    by_day: dict[date, list[float]] = defaultdict(list)
    for sample in samples:
        by_day[sample.collected_at.astimezone(UTC).date()].append(sample.used_mb)
    return [(day, statistics.median(values)) for day, values in sorted(by_day.items())]


def last_pruning_drop(
    points: Sequence[tuple[date, float]], total_mb: float
) -> int | None:
    """Return the index of the first point after the last large fall, if any."""
    threshold = DROP_FRACTION * total_mb
    for index in range(len(points) - 1, 0, -1):
        if points[index - 1][1] - points[index][1] > threshold:
            return index
    return None


def forecast(samples: Sequence[Sample], window_days: int = WINDOW_DAYS) -> Forecast:
    """Forecast a pool from its snapshots that report capacity, in any order."""
    if not samples:
        return Forecast(NOT_REPORTED, "No snapshot of this pool reports its capacity.")

    latest = max(samples, key=lambda sample: sample.collected_at)
    end_day = latest.collected_at.astimezone(UTC).date()
    start_day = end_day - timedelta(days=window_days - 1)
    points = [point for point in daily_medians(samples) if point[0] >= start_day]
    return forecast_daily(points, latest.used_mb, latest.total_mb)


def forecast_daily(
    points: Sequence[tuple[date, float]], used_mb: float, total_mb: float
) -> Forecast:
    """Forecast from (UTC day, median used MB) pairs, oldest first, of one window.

    `used_mb` and `total_mb` are the pool's space now, which sets the free space
    that the rate fills.
    """
    free_mb = total_mb - used_mb
    base = {"free_mb": free_mb, "total_mb": total_mb}
    if free_mb <= 0:
        return Forecast(FULL, "The pool has no free space left.", **base)

    points = list(points)
    drop_index = last_pruning_drop(points, total_mb)
    drop_on = None
    if drop_index is not None:
        drop_on = points[drop_index][0]
        points = points[drop_index:]

    window = {
        "points": len(points),
        "window_start": points[0][0] if points else None,
        "window_end": points[-1][0] if points else None,
        "pruning_drop_on": drop_on,
        **base,
    }
    if len(points) < MIN_POINTS:
        since = f" since pruning freed space on {drop_on}" if drop_on else ""
        return Forecast(
            TOO_FEW_POINTS,
            f"Only {len(points)} days of history{since}. A forecast needs at least "
            f"{MIN_POINTS}.",
            **window,
        )

    xs = [float((day - points[0][0]).days) for day, _ in points]
    fit = theil_sen(xs, [used for _, used in points])
    return _forecast_from_fit(fit, points[-1][0], window)


def _forecast_from_fit(fit: SlopeFit, end_day: date, window: dict) -> Forecast:
    rates = {
        "rate_gb_per_day": fit.slope / MB_PER_GB,
        "rate_low_gb_per_day": fit.low / MB_PER_GB,
        "rate_high_gb_per_day": fit.high / MB_PER_GB,
    }
    if fit.slope <= 0:
        return Forecast(
            NOT_FILLING,
            "Not filling: the used space is flat or falling.",
            **window,
            **rates,
        )

    free_mb = window["free_mb"]
    days = free_mb / fit.slope
    earliest = free_mb / fit.high
    latest = free_mb / fit.low if fit.low > 0 else None
    message = (
        f"Full in about {days:.0f} days at {rates['rate_gb_per_day']:.1f} GiB/day."
    )
    if latest is None:
        message += " The interval includes no growth, so there is no latest date."
    return Forecast(
        FILLING,
        message,
        **window,
        **rates,
        days_until_full=days,
        days_until_full_earliest=earliest,
        days_until_full_latest=latest,
        full_on=_day_after(end_day, days),
        full_earliest_on=_day_after(end_day, earliest),
        full_latest_on=_day_after(end_day, latest) if latest is not None else None,
    )


def _day_after(start: date, days: float) -> date | None:
    # Beyond about 2,700 years a date overflows, and such a date means nothing anyway.
    if days > 1_000_000:
        return None
    return start + timedelta(days=math.ceil(days))


@dataclass(frozen=True)
class Projection:
    """Free space of a pool at a constant fill rate, from `start` on."""

    rate_gb_per_day: float
    free_mb: float
    start: date
    days_until_full: float | None
    full_on: date | None

    def series(self, horizon_days: int) -> list[tuple[str, float]]:
        """Return (ISO day, free GB) pairs from start, at most `horizon_days` long."""
        rate_mb = self.rate_gb_per_day * MB_PER_GB
        length = horizon_days
        if self.days_until_full is not None:
            length = min(horizon_days, math.ceil(self.days_until_full))
        step = max(1, length // 200)
        pairs = []
        for offset in range(0, length + 1, step):
            free = max(self.free_mb - rate_mb * offset, 0.0)
            day = self.start + timedelta(days=offset)
            pairs.append((day.isoformat(), round(free / MB_PER_GB, 2)))
        return pairs


def project(free_mb: float, rate_gb_per_day: float, start: date) -> Projection:
    """Project the free space at a constant rate. A rate of 0 or less never fills."""
    if rate_gb_per_day <= 0:
        return Projection(rate_gb_per_day, free_mb, start, None, None)
    days = max(free_mb, 0.0) / (rate_gb_per_day * MB_PER_GB)
    return Projection(rate_gb_per_day, free_mb, start, days, _day_after(start, days))
