"""Retention optimizer: each rule's intent, the recommended change and its impact.

The impact of a change comes from ``what_if`` over the copy's jobs, read chain by
chain from the database: jobs and bytes that become eligible for aging now, and how
many days sooner the other jobs age.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from apps.commcell.models import StoragePolicyCopy
from apps.retention.engine import (
    CopyRetention,
    EngineSettings,
    JobRecord,
    RetentionChange,
    apply_change,
    copy_full_interval,
    evaluate_copy,
    recommend,
    what_if,
)
from apps.retention.models import CopyRetentionSummary, RetentionRule

from .context import ToolSettings
from .intent import GROUP_LABELS, GROUP_ORDER, Intent, classify_intent
from .loading import copy_job_source, copy_retention, iter_copy_chains, iter_policy_jobs

logger = logging.getLogger(__name__)

ChainSource = Callable[[StoragePolicyCopy], Iterable[tuple[str, list[JobRecord]]]]
EstimateSource = Callable[[StoragePolicyCopy], str]


@dataclass(frozen=True, slots=True)
class ChangeImpact:
    """One recommended change to a copy and what it frees."""

    code: str
    change: str
    configuration: str
    reason: str
    kept_days_before: float | None
    kept_days_after: float | None
    days_sooner: float | None
    jobs: int
    newly_eligible_jobs: int
    newly_eligible_bytes: int
    # Jobs still retained after the change whose date moves earlier, and those
    # that get a date for the first time. Jobs eligible before are not counted.
    jobs_sooner: int
    average_days_sooner: float
    jobs_dated_from_never: int = 0


@dataclass(frozen=True, slots=True)
class RuleReview:
    """A copy's retention rule, its intent and the changes worth proposing."""

    rule_id: int
    copy_id: int
    copy_name: str
    storage_policy_id: int
    storage_policy_name: str
    plan_name: str
    configuration: str
    intent: Intent
    full_interval_days: float | None
    impacts: list[ChangeImpact] = field(default_factory=list)
    # Why the jobs are an estimate (a secondary copy without its job list), or "".
    estimate: str = ""


def describe_retention(retention: CopyRetention) -> str:
    """Return a rule as an administrator types it: "14 days / 2 cycles"."""
    if retention.days < 0:
        text = "infinite days"
    else:
        text = f"{retention.days} day{'s' if retention.days != 1 else ''}"
    if retention.days_only or (retention.cycles_reported and retention.cycles == 0):
        text += ", days only"
    elif retention.cycles_reported:
        text += f" / {retention.cycles} cycle{'s' if retention.cycles != 1 else ''}"
    else:
        text += " / cycles not reported"
    if retention.extended_rules:
        count = len(retention.extended_rules)
        text += f", {count} extended rule{'s' if count != 1 else ''}"
    if not retention.data_aging_enabled:
        text += ", data aging off"
    return text


def extended_rules_keep_longer(
    retention: CopyRetention, settings: EngineSettings | None = None
) -> bool:
    """Return True when an extended rule may keep a full longer than basic retention.

    Basic retention keeps every job at least its days from the job's start, so an
    extended rule that keeps its fulls for no more days never keeps a job longer,
    and turning it off frees nothing.
    """
    engine = settings or EngineSettings()
    for rule in retention.extended_rules:
        if not rule.enabled:
            continue
        if rule.end_days < 0 or retention.days < 0:
            return True
        grace = rule.grace_days if engine.apply_extended_grace_days else 0
        if rule.end_days + grace > retention.days:
            return True
    return False


def policy_full_interval(
    storage_policy_id: int,
    retention: CopyRetention,
    now: datetime,
    *,
    jobs_for: Callable[[int], Iterable[JobRecord]] = iter_policy_jobs,
    settings: EngineSettings | None = None,
) -> float | None:
    """Return the measured full interval of a storage policy in days.

    The stored cadence summary of the policy's primary copy is used when the
    retention analysis has run. Otherwise the engine measures the jobs once.
    """
    stored = (
        CopyRetentionSummary.objects.filter(storage_policy_id=storage_policy_id)
        .order_by("copy__copy_precedence", "pk")
        .values_list("median_full_interval_days", flat=True)
        .first()
    )
    if stored is not None:
        return stored
    return copy_full_interval(
        evaluate_copy(
            jobs_for(storage_policy_id),
            retention,
            now,
            settings=settings or EngineSettings(),
        )
    )


def review_rule(
    rule: RetentionRule,
    now: datetime,
    *,
    chains_for: ChainSource = iter_copy_chains,
    estimate_for: EstimateSource | None = None,
    full_interval_days: float | None = None,
    tool_settings: ToolSettings | None = None,
) -> RuleReview:
    """Classify a rule's intent and measure each recommended change over its jobs.

    ``chains_for(copy)`` must return a fresh chain iterator on every call, because
    each change reads the jobs again. ``estimate_for(copy)`` returns the estimate
    note of the copy's job list.
    """
    context = tool_settings or ToolSettings()
    copy = rule.copy
    retention = copy_retention(rule, copy, days_only=context.days_only)
    interval = full_interval_days
    if interval is None:
        interval = policy_full_interval(
            rule.storage_policy_id, retention, now, settings=context.engine
        )
    if estimate_for is None:
        estimate = copy_job_source(copy).estimate
    else:
        estimate = estimate_for(copy)
    intent = classify_intent(
        rule.retention_days,
        copy_name=copy.name,
        worm=copy.worm,
        extended=retention.extended_rules,
    )
    review = RuleReview(
        rule_id=rule.pk,
        copy_id=copy.pk,
        copy_name=copy.name,
        storage_policy_id=rule.storage_policy_id,
        storage_policy_name=rule.storage_policy.name,
        plan_name=rule.plan.name if rule.plan_id else "",
        configuration=describe_retention(retention),
        intent=intent,
        full_interval_days=interval,
        estimate=estimate,
    )

    for proposal in recommend(retention, interval):
        if proposal.change.extended_off and not extended_rules_keep_longer(
            retention, context.engine
        ):
            continue
        effect = what_if(
            chains_for(copy), retention, proposal.change, now, settings=context.engine
        )
        review.impacts.append(
            _impact(retention, proposal.change, proposal, interval, effect)
        )
    logger.debug(
        "rule %s (copy %s): %d changes proposed",
        rule.pk,
        copy.pk,
        len(review.impacts),
    )
    return review


def _impact(retention, change: RetentionChange, proposal, interval, effect):
    before = proposal.kept_days_before
    after = proposal.kept_days_after
    if change.extended_off:
        # The cadence estimate covers basic retention only, so the days an
        # extended rule keeps its fulls are not part of it.
        before = after = None
    sooner = None
    if before is not None and after is not None:
        sooner = before - after
    return ChangeImpact(
        code=proposal.code,
        change=change.describe(),
        configuration=describe_retention(apply_change(retention, change)),
        reason=proposal.sentence,
        kept_days_before=before,
        kept_days_after=after,
        days_sooner=sooner,
        jobs=effect.jobs,
        newly_eligible_jobs=effect.newly_eligible_jobs,
        newly_eligible_bytes=effect.newly_eligible_bytes,
        jobs_sooner=effect.jobs_sooner,
        average_days_sooner=effect.average_days_sooner,
        jobs_dated_from_never=effect.jobs_dated_from_never,
    )


def rules_to_review(commcell_id: int | None = None):
    """Return the live copies' rules in a stable order, ready for ``review_rule``."""
    rules = RetentionRule.objects.filter(copy__removed_at__isnull=True).select_related(
        "copy", "storage_policy", "plan"
    )
    if commcell_id is not None:
        rules = rules.filter(commcell_id=commcell_id)
    return rules.order_by("storage_policy__name", "copy__copy_precedence", "pk")


def group_reviews(reviews: Iterable[RuleReview]) -> list[dict]:
    """Group reviews by intent, in the order short, standard, long, DR, compliance."""
    groups: dict[str, list[RuleReview]] = {key: [] for key in GROUP_ORDER}
    for review in reviews:
        groups[review.intent.group].append(review)
    return [
        {"group": key, "label": GROUP_LABELS[key], "reviews": groups[key]}
        for key in GROUP_ORDER
        if groups[key]
    ]
