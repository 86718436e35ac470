"""Classify the basic retention of one storage policy copy into a severity and a reason.

Pure Python: no database and no Django app registry, so the rules are testable alone.

Commvault ages a cycle (a full or synthetic full plus the jobs that depend on it) only
when every job in it is older than the retention days and at least as many newer fulls
exist as the retention cycles. With a full every P days and daily jobs in between,
the full of a cycle is therefore kept about max(C * P, D + P - 1) days for D days and C
cycles. That estimate assumes a fixed full interval, which the reasons state.
"""

from dataclasses import dataclass

from apps.commcell.cvclient.records import RetentionRecord

from .severity import Severity

INFINITE_DAYS = -1
DAYS_ONLY_CYCLES = 0

# Retention of at most this many days is short term, which extra cycles stretch most.
SHORT_TERM_MAX_DAYS = 30
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


def estimate_kept_days(days: int, cycles: int, full_interval_days: int) -> int:
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
    days_text = "infinite days" if days == INFINITE_DAYS else _plural(days, "day")

    if not cycles_reported:
        cycles_text = "cycles not reported"
    elif cycles == DAYS_ONLY_CYCLES:
        cycles_text = "days only"
    else:
        cycles_text = _plural(cycles, "cycle")
    return f"{days_text} / {cycles_text}"


def classify(
    days: int,
    cycles: int,
    *,
    data_aging_enabled: bool,
    cycles_reported: bool = True,
    data_aging_reported: bool = True,
    full_interval_days: int = WEEKLY_FULL_DAYS,
) -> Classification:
    """Classify one copy's basic retention. The first matching rule wins.

    Data aging off is critical, infinite days info, short-term retention with several
    cycles high, many cycles medium, and everything else ok. When the CommServe did not
    report the cycles, the copy is rated as days-only retention and the reason states it.

    Raises InvalidRetentionError for days below -1, negative cycles or a full interval
    below one day.
    """
    _validate(days, cycles, full_interval_days)
    effective_cycles = cycles if cycles_reported else DAYS_ONLY_CYCLES
    label = describe_retention(days, cycles, cycles_reported=cycles_reported)

    if not data_aging_enabled:
        result = _aging_disabled(label)
    elif days == INFINITE_DAYS:
        result = _infinite(effective_cycles, label)
    elif days <= SHORT_TERM_MAX_DAYS and effective_cycles >= SHORT_TERM_MIN_CYCLES:
        result = _short_term_stretched(
            days, effective_cycles, label, full_interval_days
        )
    elif effective_cycles >= MANY_CYCLES_MIN:
        result = _many_cycles(days, effective_cycles, label, full_interval_days)
    else:
        result = _usual(days, effective_cycles, label, full_interval_days)

    notes = []
    rated_on_days = data_aging_enabled and days != INFINITE_DAYS
    if rated_on_days and not cycles_reported:
        notes.append(
            "The CommServe reported days but no cycles for this copy, so it is rated "
            "as days-only retention."
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
    record: RetentionRecord, *, full_interval_days: int = WEEKLY_FULL_DAYS
) -> Classification:
    """Classify the retention that the CommServe client parsed for one copy."""
    return classify(
        record.days,
        record.cycles,
        data_aging_enabled=record.data_aging_enabled,
        cycles_reported=record.cycles_reported,
        data_aging_reported=record.data_aging_reported,
        full_interval_days=full_interval_days,
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


def _short_term_stretched(
    days: int, cycles: int, label: str, full_interval_days: int
) -> Classification:
    kept_days = estimate_kept_days(days, cycles, full_interval_days)
    one_cycle_days = estimate_kept_days(days, 1, full_interval_days)
    if days > 0:
        growth = f"+{round((kept_days - days) * 100 / days)}%"
    else:
        growth = "instead of 0 days"
    reason = (
        f"{label}: with {_interval_name(full_interval_days)} data is kept about "
        f"{_plural(kept_days, 'day')}, {growth}. A cycle ages only after "
        f"{_plural(cycles, 'newer full')} have run"
    )
    if kept_days > one_cycle_days:
        reason += (
            f", so the cycles stretch this short-term retention (about "
            f"{_plural(one_cycle_days, 'day')} with 1 cycle)."
        )
    else:
        monthly_days = estimate_kept_days(days, cycles, MONTHLY_FULL_DAYS)
        reason += (
            f". At this full interval 1 cycle would keep data as long, but with "
            f"{_interval_name(MONTHLY_FULL_DAYS)} it is kept about "
            f"{_plural(monthly_days, 'day')}, and every failed full stretches it "
            "further."
        )
    return Classification(Severity.HIGH, reason)


def _many_cycles(
    days: int, cycles: int, label: str, full_interval_days: int
) -> Classification:
    at_interval = estimate_kept_days(days, cycles, full_interval_days)
    monthly = estimate_kept_days(days, cycles, MONTHLY_FULL_DAYS)
    return Classification(
        Severity.MEDIUM,
        f"{label}: a cycle ages only after {_plural(cycles, 'newer full')} have run, "
        "so retention grows with the full interval. Data is kept about "
        f"{_plural(at_interval, 'day')} with {_interval_name(full_interval_days)} and about "
        f"{_plural(monthly, 'day')} with {_interval_name(MONTHLY_FULL_DAYS)}.",
    )


def _usual(
    days: int, cycles: int, label: str, full_interval_days: int
) -> Classification:
    if cycles == DAYS_ONLY_CYCLES:
        if days == 0:
            aging = "jobs age at the next data aging run"
        else:
            aging = f"jobs age once they are older than {_plural(days, 'day')}"
        return Classification(Severity.OK, f"{label}: days-only retention, so {aging}.")

    kept_days = estimate_kept_days(days, cycles, full_interval_days)
    return Classification(
        Severity.OK,
        f"{label}: within the usual bounds. With {_interval_name(full_interval_days)} "
        f"data is kept about {_plural(kept_days, 'day')}.",
    )


def _interval_name(full_interval_days: int) -> str:
    if full_interval_days == WEEKLY_FULL_DAYS:
        return "weekly fulls (one every 7 days)"
    if full_interval_days == MONTHLY_FULL_DAYS:
        return "monthly fulls (one every 30 days)"
    return f"a full every {_plural(full_interval_days, 'day')}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
