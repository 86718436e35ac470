"""Retention rule checker: how long a rule keeps data, and what a change would do.

The rule comes from a plan (its storage policy's primary copy) or is typed in. The
full interval is measured from the plan's jobs or typed in. A change is rated by the
cadence estimate and, when a plan gives jobs, by ``what_if`` over those jobs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from apps.retention.engine import (
    INFINITE_DAYS,
    CadenceSummary,
    CopyRetention,
    EngineSettings,
    JobRecord,
    RetentionChange,
    WhatIfResult,
    apply_change,
    effective_retention,
    what_if,
)
from apps.retention.engine.cadence import kept_in_full_intervals, plural
from apps.retention.engine.whatif import format_days

from .intent import Intent, classify_intent
from .optimizer import describe_retention, extended_rules_keep_longer

# Hint that tells a checker user how to supply the full interval of a days and
# cycles rule.
INTERVAL_HINT = (
    "type the full interval, or pick a plan with at least two fulls per chain"
)

ChainSource = Callable[[], Iterable[tuple[str, list[JobRecord]]]]


@dataclass(frozen=True, slots=True)
class RuleAnalysis:
    """The effective retention of a rule and the reasons behind it."""

    configuration: str
    intent: Intent
    summary: CadenceSummary
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class ChangeResult:
    """A rule before and after a change, and the jobs and bytes the change frees."""

    before: RuleAnalysis
    after: RuleAnalysis
    change: str
    days_sooner: float | None
    effect: WhatIfResult | None = None
    notes: list[str] = field(default_factory=list)


def explain(retention: CopyRetention, interval: float | None) -> list[str]:
    """List in plain sentences which setting decides how long data stays."""
    days, cycles = retention.days, retention.cycles
    reasons: list[str] = []
    if not retention.data_aging_enabled:
        return ["Data aging is off on the copy, so no job ever ages."]
    if days == INFINITE_DAYS:
        return ["Retention days are infinite, so no job ever ages."]

    if retention.days_only or (retention.cycles_reported and cycles == 0):
        reasons.append(
            f"Days-only retention: each job ages {plural(days, 'day')} after it "
            "starts, whatever the fulls do (Commvault 2023E or later)."
        )
    elif interval is None:
        reasons.append(
            f"The full interval is unknown. With {plural(cycles, 'cycle')} a full "
            f"stays {kept_in_full_intervals(days, cycles)}. "
            f"{INTERVAL_HINT.capitalize()} to turn this into days."
        )
    else:
        by_cycles = cycles * interval
        by_days = days + interval - 1
        if by_cycles > by_days:
            reasons.append(
                f"The cycles decide: {plural(cycles, 'cycle')} of "
                f"{day_count(interval)} keep a full {day_count(by_cycles)}, more "
                f"than the {day_count(by_days)} that {plural(days, 'day')} plus one "
                "full interval need."
            )
        else:
            reasons.append(
                f"The days decide: the last job of a cycle must be "
                f"{plural(days, 'day')} old, so a full stays {days} + "
                f"{format_days(interval)} - 1 = {day_count(by_days)}."
            )
        reasons.append(
            "Data aging runs once a day, so a job can stay up to one more day."
        )
    for rule in retention.extended_rules:
        kept = (
            "forever"
            if rule.end_days == INFINITE_DAYS
            else plural(rule.end_days, "day")
        )
        reasons.append(
            f"An extended rule keeps one full per {rule.kind.value} period {kept}."
        )
    if retention.extended_rules and not extended_rules_keep_longer(retention):
        reasons.append(
            f"The extended rules keep no full longer than the basic "
            f"{plural(days, 'day')}, so they have no effect."
        )
    elif retention.extended_rules and retention.dedup:
        reasons.append(
            "On a deduplicated copy the extended fulls keep the blocks they share "
            "with basic jobs, so aging basic jobs frees little space."
        )
    return reasons


def day_count(days: float) -> str:
    """Return a number of days with one decimal at most: "17.5 days", "1 day"."""
    return f"{format_days(days)} day{'' if days == 1 else 's'}"


def analyze(retention: CopyRetention, interval: float | None) -> RuleAnalysis:
    """Return the effective retention of a rule at a full interval."""
    return RuleAnalysis(
        configuration=describe_retention(retention),
        intent=classify_intent(
            retention.days,
            copy_name=retention.copy_name,
            worm=retention.worm,
            extended=retention.extended_rules,
        ),
        summary=effective_retention(retention, interval, interval_hint=INTERVAL_HINT),
        reasons=explain(retention, interval),
    )


def try_change(
    retention: CopyRetention,
    change: RetentionChange,
    interval: float | None,
    now: datetime,
    *,
    chains: ChainSource | None = None,
    settings: EngineSettings | None = None,
) -> ChangeResult:
    """Compare a rule with a changed rule, and with ``chains`` count the jobs it frees.

    ``settings`` are the engine settings of the rule's CommCell (defaults if None).
    """
    changed = apply_change(retention, change)
    before = analyze(retention, interval)
    after = analyze(changed, interval)

    sooner = None
    if before.summary.kept_days is not None and after.summary.kept_days is not None:
        sooner = before.summary.kept_days - after.summary.kept_days

    notes = []
    if changed.days_only and not retention.days_only:
        notes.append(
            "Days-only retention needs Commvault 2023E or later with "
            "EnableDaysOnlyRetention; aged incrementals show as Pending "
            "Consolidation until a synthetic full."
        )
    if retention.worm:
        notes.append(
            "The copy is WORM: the lock may reject a shorter retention, which then "
            "applies to new jobs only."
        )

    effect = None
    if chains is not None:
        effect = what_if(
            chains(), retention, change, now, settings=settings or EngineSettings()
        )
    return ChangeResult(
        before=before,
        after=after,
        change=change.describe(),
        days_sooner=sooner,
        effect=effect,
        notes=notes,
    )
