"""What-if: re-date the same jobs under a changed retention, and recommend changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from .cadence import kept_days
from .chain import DEFAULT_SETTINGS, evaluate_chain
from .clock import days_between
from .inputs import (
    INFINITE_DAYS,
    CopyRetention,
    EngineSettings,
    JobRecord,
    PendingAuxCopy,
)

SHORT_TERM_MAX_DAYS = 30  # short-term intent: under 30 days
LONG_TERM_MIN_DAYS = 90  # long-term intent: over 90 days


@dataclass(frozen=True, slots=True)
class RetentionChange:
    """A change to try: new days or cycles, extended rules off, or days-only mode on."""

    days: int | None = None
    cycles: int | None = None
    extended_off: bool = False
    days_only: bool = False

    def describe(self) -> str:
        parts = []
        if self.days is not None:
            parts.append(f"days={self.days}")
        if self.cycles is not None:
            parts.append(f"cycles={self.cycles}")
        if self.extended_off:
            parts.append("extended rules off")
        if self.days_only:
            parts.append("days-only on")
        return ", ".join(parts) or "no change"


@dataclass(frozen=True, slots=True)
class WhatIfResult:
    """The effect of a change on the aging of the same jobs at the same moment.

    ``newly_eligible_*`` count jobs eligible after the change but not before.
    ``jobs_sooner`` and ``jobs_dated_from_never`` count only the other jobs, which
    stay retained after the change: those whose date moves earlier, and those that
    had no date before. ``average_days_sooner`` averages over ``jobs_sooner``.
    """

    change: RetentionChange
    jobs: int
    eligible_before: int
    eligible_after: int
    newly_eligible_jobs: int
    newly_eligible_bytes: int
    jobs_sooner: int
    average_days_sooner: float
    jobs_dated_from_never: int


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A retention change worth proposing, with its estimated and measured effect."""

    code: str
    intent_group: str
    change: RetentionChange
    kept_days_before: float | None
    kept_days_after: float | None
    sentence: str
    effect: WhatIfResult | None


def apply_change(retention: CopyRetention, change: RetentionChange) -> CopyRetention:
    """Return ``retention`` with ``change`` applied."""
    updated = retention
    if change.days is not None:
        updated = replace(updated, days=change.days)
    if change.cycles is not None:
        updated = replace(updated, cycles=change.cycles, cycles_reported=True)
    if change.extended_off:
        updated = replace(updated, extended_rules=())
    if change.days_only:
        updated = replace(updated, days_only=True)
    return updated


def what_if(
    chains: Iterable[tuple[str, Sequence[JobRecord]]],
    retention: CopyRetention,
    change: RetentionChange,
    now: datetime,
    *,
    settings: EngineSettings = DEFAULT_SETTINGS,
    pending_aux_copies: Sequence[PendingAuxCopy] = (),
) -> WhatIfResult:
    """Evaluate each chain under the current and the changed retention and compare.

    Chains are consumed one at a time, so a caller can stream them from the database.
    """
    changed = apply_change(retention, change)
    totals = {
        "jobs": 0,
        "before": 0,
        "after": 0,
        "new": 0,
        "bytes": 0,
        "sooner": 0,
        "never": 0,
    }
    sooner_days = 0.0

    for key, jobs in chains:
        kwargs = {
            "chain_key": key,
            "settings": settings,
            "pending_aux_copies": pending_aux_copies,
        }
        before = evaluate_chain(jobs, retention, now, **kwargs)
        after = {
            v.job_id: v for v in evaluate_chain(jobs, changed, now, **kwargs).verdicts
        }
        for old in before.verdicts:
            new = after.get(old.job_id)
            if new is None:
                continue
            totals["jobs"] += 1
            totals["before"] += old.is_eligible
            totals["after"] += new.is_eligible
            if new.is_eligible and not old.is_eligible:
                totals["new"] += 1
                totals["bytes"] += new.size_bytes
            if new.is_eligible or old.is_eligible:
                continue
            if old.retain_until is None and new.retain_until is not None:
                totals["never"] += 1
            elif (
                old.retain_until
                and new.retain_until
                and new.retain_until < old.retain_until
            ):
                totals["sooner"] += 1
                sooner_days += days_between(old.retain_until, new.retain_until)

    average = sooner_days / totals["sooner"] if totals["sooner"] else 0.0
    return WhatIfResult(
        change=change,
        jobs=totals["jobs"],
        eligible_before=totals["before"],
        eligible_after=totals["after"],
        newly_eligible_jobs=totals["new"],
        newly_eligible_bytes=totals["bytes"],
        jobs_sooner=totals["sooner"],
        average_days_sooner=average,
        jobs_dated_from_never=totals["never"],
    )


def format_days(value: float) -> str:
    """Format a number of days with one decimal, or none when it is whole: "17.5"."""
    text = f"{value:,.1f}"
    return text.removesuffix(".0")


def intent_group(days: int) -> str:
    """Return the intent group of ``days``: short_term, standard or long_term."""
    if days == INFINITE_DAYS or days > LONG_TERM_MIN_DAYS:
        return "long_term"
    if days < SHORT_TERM_MAX_DAYS:
        return "short_term"
    return "standard"


def recommend(
    retention: CopyRetention,
    full_interval_days: float | None,
    *,
    chains: Sequence[tuple[str, Sequence[JobRecord]]] = (),
    now: datetime | None = None,
    settings: EngineSettings = DEFAULT_SETTINGS,
    pending_aux_copies: Sequence[PendingAuxCopy] = (),
) -> list[Recommendation]:
    """Propose retention changes that shorten how long data stays, with their effect.

    A change is proposed only when the cadence estimate keeps data for less time
    after it. With ``chains`` and ``now`` each proposal also carries the what-if counts.
    """
    if (
        not retention.data_aging_enabled
        or retention.days == INFINITE_DAYS
        or retention.days < 0
    ):
        return []

    group = intent_group(retention.days)
    days, cycles = (
        retention.days,
        retention.cycles if retention.cycles_reported else settings.cycles_when_unknown,
    )
    proposals: list[tuple[str, RetentionChange, float | None, float | None, str]] = []
    current = None
    if full_interval_days is not None and not retention.days_only and cycles > 0:
        current = kept_days(days, cycles, full_interval_days)
        one_cycle = kept_days(days, 1, full_interval_days)
        if cycles > 1 and one_cycle < current:
            proposals.append(
                (
                    "retention.reduce_cycles",
                    RetentionChange(cycles=1),
                    current,
                    one_cycle,
                    f"Reduce to 1 cycle so the {days} days govern: with fulls every "
                    f"{format_days(full_interval_days)} days, {days} days / {cycles} cycles "
                    f"keeps data {format_days(current)} days, 1 cycle keeps it "
                    f"{format_days(one_cycle)} days.",
                )
            )
        if group == "short_term" and days + full_interval_days - 1 > days:
            proposals.append(
                (
                    "retention.days_only",
                    RetentionChange(days_only=True),
                    current,
                    float(days),
                    f"Days-only retention keeps data {days} days in place of "
                    f"{format_days(current)}. "
                    "It needs Commvault 2023E or later with EnableDaysOnlyRetention, and aged "
                    "incrementals stay as Pending Consolidation until a synthetic full.",
                )
            )
    if retention.extended_rules and (retention.dedup or retention.worm):
        proposals.append(
            (
                "retention.extended_off",
                RetentionChange(extended_off=True),
                current,
                current,
                "Extended retention on a deduplicated or WORM copy keeps the blocks of the "
                "selected fulls, so little space returns when basic jobs age. Consider a "
                "selective copy with longer basic retention in place of extended rules.",
            )
        )

    lock = (
        " The WORM lock may refuse a shorter retention; it then applies to new jobs only."
        if retention.worm
        else ""
    )
    results = []
    for code, change, before, after, sentence in proposals:
        effect = None
        if chains and now is not None:
            effect = what_if(
                chains,
                retention,
                change,
                now,
                settings=settings,
                pending_aux_copies=pending_aux_copies,
            )
        results.append(
            Recommendation(code, group, change, before, after, sentence + lock, effect)
        )
    return results
