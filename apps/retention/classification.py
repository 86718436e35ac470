"""Classify the basic retention of one storage policy copy into a severity and a reason.

Pure Python: no database and no Django app registry, so the rules are testable alone.

Commvault ages a cycle (a full or synthetic full plus the jobs that depend on it) only
when every job in it is older than the retention days and at least as many newer fulls
exist as the retention cycles. With a full every P days and daily jobs in between,
the full of a cycle is therefore kept about max(C * P, D + P - 1) days for D days and C
cycles. That estimate assumes a fixed full interval, which the reasons state. Where
the cycle analysis measured the copy's full interval or kept time, the reasons use the
measured figures instead, so a copy has one effective retention on every page.
"""

from dataclasses import dataclass

from apps.commcell.cvclient.records import RetentionRecord

from .engine.cadence import plural
from .severity import Severity

INFINITE_DAYS = -1
DAYS_ONLY_CYCLES = 0

# Retention of fewer than this many days is short term, which extra cycles stretch
# most. 30 to 90 days is standard and over 90 days long term, as in the optimizer.
SHORT_TERM_BELOW_DAYS = 30
# Short-term retention with at least this many cycles is rated high.
SHORT_TERM_MIN_CYCLES = 2
# Any retention with at least this many cycles is rated medium.
MANY_CYCLES_MIN = 3

# Full intervals the reasons assume, in days.
WEEKLY_FULL_DAYS = 7
MONTHLY_FULL_DAYS = 30


class InvalidRetentionError(ValueError):
    """Retention values that no CommServe reports, such as -5 days."""


@dataclass(frozen=True, slots=True)
class Classification:
    severity: Severity
    reason: str


@dataclass(frozen=True, slots=True)
class MeasuredCadence:
    """The cadence the cycle analysis measured on a copy's jobs, in days.

    ``full_interval_days`` is the median gap between qualifying fulls and
    ``kept_days`` the median time a full stayed on the copy until its aging run.
    None stands for a value the analysis could not measure.
    """

    full_interval_days: float | None = None
    kept_days: float | None = None


def estimate_kept_days(days: int, cycles: int, full_interval_days: float) -> float:
    """Estimate how many days a full stays on the copy with one full every interval.

    Days-only retention (0 cycles) keeps jobs for the days alone. Infinite days are
    rejected because nothing ages.
    """
    if days == INFINITE_DAYS:
        raise InvalidRetentionError(
            "Infinite retention (-1 days) has no estimate because nothing ages."
        )
    if cycles == DAYS_ONLY_CYCLES:
        return days
    return max(cycles * full_interval_days, days + full_interval_days - 1)


def describe_retention(days: int, cycles: int, *, cycles_reported: bool = True) -> str:
    """Format days and cycles as an administrator reads them, e.g. "14 days / 2 cycles"."""
    days_text = "infinite days" if days == INFINITE_DAYS else plural(days, "day")

    if not cycles_reported:
        cycles_text = "cycles not reported"
    elif cycles == DAYS_ONLY_CYCLES:
        cycles_text = "days only"
    else:
        cycles_text = plural(cycles, "cycle")
    return f"{days_text} / {cycles_text}"


def classify(
    days: int,
    cycles: int,
    *,
    data_aging_enabled: bool,
    cycles_reported: bool = True,
    data_aging_reported: bool = True,
    full_interval_days: int = WEEKLY_FULL_DAYS,
    measured: MeasuredCadence | None = None,
    days_only_setting: bool = False,
) -> Classification:
    """Classify one copy's basic retention. The first matching rule wins.

    Data aging off is critical, infinite days info, short-term retention (under 30
    days) with several cycles high, many cycles medium, and everything else ok. When
    the CommServe did not report the cycles, or the CommCell's days-only retention
    setting is on (``days_only_setting``), the copy is rated as days-only retention
    and the reason states it. The reason estimates the kept time with a full every
    ``full_interval_days``. The ``measured`` cadence replaces that interval with the
    measured one and the estimate with the measured kept time, but never changes the
    severity.

    Raises InvalidRetentionError for days below -1, negative cycles or a full interval
    below one day.
    """
    _validate(days, cycles, full_interval_days)
    cycles_ignored = days_only_setting and cycles_reported and cycles > 0
    effective_cycles = cycles if cycles_reported else DAYS_ONLY_CYCLES
    if cycles_ignored:
        effective_cycles = DAYS_ONLY_CYCLES
    label = describe_retention(days, cycles, cycles_reported=cycles_reported)
    cadence = _cadence(full_interval_days, measured)

    if not data_aging_enabled:
        result = _aging_disabled(label)
    elif days == INFINITE_DAYS:
        result = _infinite(effective_cycles, label)
    elif days < SHORT_TERM_BELOW_DAYS and effective_cycles >= SHORT_TERM_MIN_CYCLES:
        result = _short_term_stretched(days, effective_cycles, label, cadence)
    elif effective_cycles >= MANY_CYCLES_MIN:
        result = _many_cycles(days, effective_cycles, label, cadence)
    else:
        result = _usual(days, effective_cycles, label, cadence)

    notes = []
    rated_on_days = data_aging_enabled and days != INFINITE_DAYS
    if rated_on_days and not cycles_reported:
        notes.append(
            "The CommServe reported days but no cycles for this copy, so it is rated "
            "as days-only retention."
        )
    if rated_on_days and cycles_ignored:
        notes.append(
            "The days-only retention setting of this CommCell is on, so the CommServe "
            "ignores the cycles."
        )
    if not data_aging_reported:
        notes.append(
            "The CommServe did not report the data aging switch of this copy, so data "
            "aging is assumed to be on."
        )
    if notes:
        result = Classification(result.severity, " ".join([result.reason, *notes]))
    return result


def classify_record(
    record: RetentionRecord,
    *,
    full_interval_days: int = WEEKLY_FULL_DAYS,
    measured: MeasuredCadence | None = None,
) -> Classification:
    """Classify the retention that the CommServe client parsed for one copy."""
    return classify(
        record.days,
        record.cycles,
        data_aging_enabled=record.data_aging_enabled,
        cycles_reported=record.cycles_reported,
        data_aging_reported=record.data_aging_reported,
        full_interval_days=full_interval_days,
        measured=measured,
    )


def _validate(days: int, cycles: int, full_interval_days: int) -> None:
    if days < INFINITE_DAYS:
        raise InvalidRetentionError(
            f"Retention days {days} is invalid: expected 0 or more, or -1 for infinite."
        )
    if cycles < 0:
        raise InvalidRetentionError(
            f"Retention cycles {cycles} is invalid: expected 0 or more "
            "(0 means days-only retention)."
        )
    if full_interval_days < 1:
        raise InvalidRetentionError(
            f"Full interval {full_interval_days} days is invalid: expected 1 or more."
        )


def _aging_disabled(label: str) -> Classification:
    return Classification(
        Severity.CRITICAL,
        "Data aging is disabled on this copy, so none of its jobs are aged and its data "
        f"is kept forever. The saved retention of {label} is ignored until data aging "
        "is enabled again.",
    )


def _infinite(cycles: int, label: str) -> Classification:
    reason = (
        f"{label}: infinite retention (-1 days), so jobs on this copy are never aged "
        "and its data stays on disk until someone deletes the jobs."
    )
    if cycles > 0:
        reason += " The cycles change nothing because the days are never met."
    return Classification(Severity.INFO, reason)


@dataclass(frozen=True, slots=True)
class _Cadence:
    """The full interval a reason estimates with, and the measured kept time if any."""

    interval_days: float
    interval_text: str
    interval_measured: bool
    kept_days: float | None


def _cadence(assumed_days: int, measured: MeasuredCadence | None) -> _Cadence:
    measured = measured or MeasuredCadence()
    interval = measured.full_interval_days
    if interval is None or interval <= 0:
        return _Cadence(
            assumed_days, _interval_name(assumed_days), False, measured.kept_days
        )
    text = f"a full every {interval:.1f} days (the measured median)"
    return _Cadence(interval, text, True, measured.kept_days)


def _kept_clause(days: int, cycles: int, cadence: _Cadence) -> tuple[str, float]:
    """Word how long data is kept: measured if known, else estimated at the interval."""
    if cadence.kept_days is not None:
        return _measured_text(cadence.kept_days), cadence.kept_days

    kept_days = estimate_kept_days(days, cycles, cadence.interval_days)
    text = f"with {cadence.interval_text} data is kept about {_days(kept_days)}"
    return text, kept_days


def _measured_text(kept_days: float) -> str:
    return f"data is kept {kept_days:.1f} days as measured on this copy's jobs"


def _short_term_stretched(
    days: int, cycles: int, label: str, cadence: _Cadence
) -> Classification:
    kept_text, kept_days = _kept_clause(days, cycles, cadence)
    if days > 0:
        growth = f"{round((kept_days - days) * 100 / days):+d}%"
    else:
        growth = "instead of 0 days"
    reason = f"{label}: {kept_text}, {growth}"
    if cadence.kept_days is not None and cadence.interval_measured:
        reason += f", with {cadence.interval_text}"
    reason += f". A cycle ages only after {plural(cycles, 'newer full')} have run"

    at_interval = estimate_kept_days(days, cycles, cadence.interval_days)
    one_cycle_days = estimate_kept_days(days, 1, cadence.interval_days)
    if at_interval > one_cycle_days:
        with_interval = (
            "" if cadence.interval_measured else f" and {cadence.interval_text}"
        )
        reason += (
            ", so the cycles stretch this short-term retention (about "
            f"{_days(one_cycle_days)} with 1 cycle{with_interval})."
        )
    else:
        monthly_days = estimate_kept_days(days, cycles, MONTHLY_FULL_DAYS)
        reason += (
            ". At this full interval 1 cycle would keep data as long, but with "
            f"{_interval_name(MONTHLY_FULL_DAYS)} it would be kept about "
            f"{_days(monthly_days)}, and every failed full stretches it further."
        )
    return Classification(Severity.HIGH, reason)


def _many_cycles(
    days: int, cycles: int, label: str, cadence: _Cadence
) -> Classification:
    monthly = estimate_kept_days(days, cycles, MONTHLY_FULL_DAYS)
    reason = (
        f"{label}: a cycle ages only after {plural(cycles, 'newer full')} have run, "
        "so retention grows with the full interval. "
    )
    if cadence.kept_days is not None:
        reason += _measured_text(cadence.kept_days).capitalize()
        if cadence.interval_measured:
            reason += f", with {cadence.interval_text}"
        reason += ", and would be kept about "
    else:
        at_interval = estimate_kept_days(days, cycles, cadence.interval_days)
        reason += (
            f"Data is kept about {_days(at_interval)} with {cadence.interval_text} "
            "and about "
        )
    reason += f"{_days(monthly)} with {_interval_name(MONTHLY_FULL_DAYS)}."
    return Classification(Severity.MEDIUM, reason)


def _usual(days: int, cycles: int, label: str, cadence: _Cadence) -> Classification:
    if cycles == DAYS_ONLY_CYCLES:
        if days == 0:
            aging = "jobs age at the next data aging run"
        else:
            aging = f"jobs age once they are older than {plural(days, 'day')}"
        return Classification(Severity.OK, f"{label}: days-only retention, so {aging}.")

    kept_text, _ = _kept_clause(days, cycles, cadence)
    return Classification(
        Severity.OK,
        f"{label}: within the usual bounds. {kept_text[0].upper()}{kept_text[1:]}.",
    )


def _interval_name(full_interval_days: int) -> str:
    if full_interval_days == WEEKLY_FULL_DAYS:
        return "weekly fulls (one every 7 days)"
    if full_interval_days == MONTHLY_FULL_DAYS:
        return "monthly fulls (one every 30 days)"
    return f"a full every {plural(full_interval_days, 'day')}"


def _days(value: float) -> str:
    """Format a number of days: whole numbers as "36 days", others as "30.5 days"."""
    if float(value).is_integer():
        return plural(int(value), "day")
    return f"{value:.1f} days"
