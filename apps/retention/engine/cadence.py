"""Cadence: the measured full interval and how long data really stays on a copy.

With fulls every P days and jobs in between, D days and C cycles keep the full of a
cycle about ``max(C * P, D + P - 1)`` days, plus up to one day until the next daily
data aging run. Days-only retention keeps it D days.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from .inputs import INFINITE_DAYS, CopyRetention, EngineSettings
from .results import ChainResult

# Data aging runs once a day by default, so a job waits at most this long past its date.
AGING_LATENCY_DAYS = 1.0


@dataclass(frozen=True, slots=True)
class CadenceSummary:
    """The effective retention of a copy from its measured full interval.

    ``kept_days`` is None when nothing ages (infinite days or aging disabled) or when
    the interval is unknown in days+cycles mode. ``delay_percent`` is None for 0 days.
    """

    days: int
    cycles: int
    full_interval_days: float | None
    kept_days: float | None
    aging_latency_days: float
    delay_days: float | None
    delay_percent: float | None
    sentence: str


def measured_full_interval(intervals: Iterable[float | None]) -> float | None:
    """Return the median over chains of each chain's median gap between fulls."""
    known = [value for value in intervals if value is not None]
    return statistics.median(known) if known else None


def copy_full_interval(results: Iterable[ChainResult]) -> float | None:
    """Return the measured full interval of a copy from its chain results."""
    return measured_full_interval(result.full_interval_days for result in results)


def kept_days(
    days: int, cycles: int, interval: float, days_only: bool = False
) -> float:
    """Estimate how many days a full stays with fulls every ``interval`` days."""
    if days_only or cycles == 0:
        return float(days)
    return max(cycles * interval, days + interval - 1)


def kept_in_full_intervals(days: int, cycles: int) -> str:
    """Describe ``kept_days`` for an unknown full interval P: max(C * P, D + P - 1).

    Both terms grow with P, so the text names the one that decides, or both.
    """
    intervals = "one full interval" if cycles == 1 else f"{cycles} full intervals"
    if days <= 1:
        return intervals

    by_days = f"{plural(days - 1, 'day')} plus one full interval"
    if cycles == 1:
        return by_days
    return f"the longer of {intervals} and {by_days}"


def effective_retention(
    retention: CopyRetention,
    full_interval_days: float | None,
    settings: EngineSettings | None = None,
    *,
    interval_hint: str = "fewer than two fulls per chain",
) -> CadenceSummary:
    """Summarise how long data stays on the copy against its configured days.

    ``interval_hint`` ends the sentence when the interval is unknown: why it is
    unknown, or how the reader can supply it.
    """
    settings = settings or EngineSettings()
    cycles = (
        retention.cycles if retention.cycles_reported else settings.cycles_when_unknown
    )
    days_only = retention.days_only or cycles == 0
    label = _label(retention.days, cycles, days_only)

    if not retention.data_aging_enabled:
        return _no_estimate(
            retention,
            cycles,
            full_interval_days,
            f"{label}: data aging disabled, data kept forever",
        )
    if retention.days == INFINITE_DAYS:
        return _no_estimate(
            retention, cycles, full_interval_days, f"{label}: data kept forever"
        )
    if full_interval_days is None and not days_only:
        kept = kept_in_full_intervals(retention.days, cycles)
        return _no_estimate(
            retention,
            cycles,
            None,
            f"{label}: data kept {kept}, full interval unknown ({interval_hint})",
        )

    kept_for = kept_days(retention.days, cycles, full_interval_days or 0.0, days_only)
    delay = kept_for - retention.days
    percent = 100 * delay / retention.days if retention.days > 0 else None
    cadence = (
        ""
        if full_interval_days is None
        else f", fulls every {plural(round(full_interval_days), 'day')}"
    )
    change = f", {percent:+.0f}%" if percent is not None else ""
    sentence = f"{label}{cadence}: data kept {plural(round(kept_for), 'day')}{change}"
    return CadenceSummary(
        days=retention.days,
        cycles=cycles,
        full_interval_days=full_interval_days,
        kept_days=kept_for,
        aging_latency_days=AGING_LATENCY_DAYS,
        delay_days=delay,
        delay_percent=percent,
        sentence=sentence,
    )


def _no_estimate(
    retention: CopyRetention, cycles: int, interval: float | None, sentence: str
) -> CadenceSummary:
    return CadenceSummary(
        retention.days, cycles, interval, None, AGING_LATENCY_DAYS, None, None, sentence
    )


def plural(count: int, noun: str) -> str:
    """Return a count with its noun: "1 day", "2 days"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _label(days: int, cycles: int, days_only: bool) -> str:
    days_text = "infinite days" if days == INFINITE_DAYS else plural(days, "day")
    if days_only:
        return f"{days_text}, days only"
    return f"{days_text} / {plural(cycles, 'cycle')}"
