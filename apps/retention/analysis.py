"""The nightly cycle analysis: refresh the cadence tables, then report findings from them.

``analyze_cycles`` is the registered analyzer ``retention.cycles``. It rewrites
ChainCadence and CopyRetentionSummary with ``apps.retention.sql.refresh`` and reads
those rows back as findings, so the pages read stored results and compute nothing per
request. ``store_full_success`` aggregates full backups per plan and client in SQL and
stores them as FullBackupSuccess rows for the backup success page.
"""

import logging
import math
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from apps.commcell.models import CommCell, Job, Plan
from apps.core.findings import FindingData

from . import sql
from .assumptions import settings_for
from .data_quality import MAX_EXAMPLES, data_quality_findings
from .disagreement import compared_job_count as compared_job_count
from .disagreement import reported_disagreement_findings
from .engine import CopyRetention, kept_days
from .engine.cadence import plural
from .models import (
    ChainCadence,
    CopyRetentionSummary,
    FullBackupSuccess,
    RetentionRule,
)

logger = logging.getLogger(__name__)

ANALYZER_NAME = "retention.cycles"

# Effective retention more than this much over the configured days is a delay.
DELAY_FLAG_PERCENT = 30.0
# A plan whose fulls succeed less often than this over the window is flagged.
FULL_SUCCESS_TARGET_PERCENT = 95.0
SUCCESS_WINDOW_DAYS = 30

FULL_LEVELS = (Job.Level.FULL, Job.Level.SYNTHETIC_FULL)
SUCCESS_OUTCOMES = (
    Job.Outcome.COMPLETED,
    Job.Outcome.COMPLETED_WARNINGS,
    Job.Outcome.COMPLETED_ERRORS,
)


def analyze_cycles(commcell: CommCell, now: datetime) -> Iterator[FindingData]:
    """Refresh the CommCell's cadence tables as of ``now`` and report what they show."""
    settings = settings_for(commcell)
    counts = sql.refresh(commcell.pk, now=now, settings=settings)
    success_rows = store_full_success(commcell, now)
    logger.info(
        "CommCell %s (id %s): cycle analysis over %d chains, %d copies and %d "
        "plan/client full success rows",
        commcell.name,
        commcell.pk,
        counts.chains,
        counts.copies,
        success_rows,
    )

    yield from cycle_delay_findings(commcell)
    yield from open_cycle_findings(commcell)
    yield from reported_disagreement_findings(commcell, settings)
    yield from full_success_findings(commcell, now)
    yield from data_quality_findings(commcell, now)


def copy_retention(rule: RetentionRule) -> CopyRetention:
    """Build the engine's view of a stored rule (basic values and copy options)."""
    copy = rule.copy
    return CopyRetention(
        days=rule.retention_days,
        cycles=rule.retention_cycles,
        cycles_reported=rule.cycles_reported,
        data_aging_enabled=rule.data_aging_enabled,
        days_only=rule.cycles_reported and rule.retention_cycles == 0,
        worm=copy.worm,
        dedup=copy.dedup_enabled,
        job_based_retention=rule.job_based_retention,
        copy_name=copy.name,
    )


def delay_percent(days: int | None, effective: float | None) -> float | None:
    """Return how much longer than ``days`` data stays, in percent of the days."""
    if days is None or days <= 0 or effective is None:
        return None
    return 100.0 * (effective - days) / days


def cycle_recommendation(days: int, cycles: int, interval: float | None) -> str:
    """Recommend the change that brings the kept time within 30% of the days.

    Each proposal states the kept time it gives at the measured full interval, from
    the estimate ``max(C * P, D + P - 1)``. With 1 cycle a full stays at least
    D + P - 1 days, so where fewer cycles are not enough the text names the full
    interval that is, and days-only retention, which keeps data for the days alone.
    """
    if days <= 0:
        return "Set retention days above 0 to compare the kept time with them."
    if interval is None:
        return (
            "The full interval is not measured (fewer than two fulls per chain), so "
            "the effect of fewer cycles is unknown. Days-only retention keeps data "
            f"{_days_text(days)}. Otherwise run fulls or synthetic fulls on a regular "
            "schedule so that cycles close."
        )

    limit = days * (1 + DELAY_FLAG_PERCENT / 100)
    at_interval = f"at the measured full interval of {interval:.1f} days"
    current = kept_days(days, cycles, interval)
    one_cycle = kept_days(days, 1, interval)
    if cycles > 1 and one_cycle < current:
        advice = (
            f"Reduce to 1 cycle: {at_interval}, data is then kept about "
            f"{_kept_text(one_cycle, days)}."
        )
        if one_cycle <= limit:
            return advice
        advice += (
            f" Cycles alone cannot bring it within {DELAY_FLAG_PERCENT:.0f}% of "
            f"{_days_text(days)}:"
        )
    elif current <= limit:
        return (
            f"{at_interval.capitalize()}, {plural(cycles, 'cycle')} should keep "
            f"data about {_kept_text(current, days)}, so the longer measured time "
            "comes from longer gaps between fulls or from failed fulls. Run fulls or "
            "synthetic fulls on a regular schedule and fix the failing ones."
        )
    else:
        advice = (
            f"{at_interval.capitalize()}, {plural(cycles, 'cycle')} "
            f"{'keeps' if cycles == 1 else 'keep'} data about "
            f"{_kept_text(current, days)}. To come within "
            f"{DELAY_FLAG_PERCENT:.0f}% of {_days_text(days)}:"
        )

    # The maximum full interval P at which 1 cycle keeps D + P - 1 within the limit.
    fulls_every = math.floor(days * DELAY_FLAG_PERCENT / 100 + 1)
    schedule = "every day" if fulls_every == 1 else f"every {fulls_every} days"
    return (
        f"{advice} run fulls or synthetic fulls {schedule} with 1 cycle, which keeps "
        f"data about {_kept_text(kept_days(days, 1, fulls_every), days)}, or switch "
        f"to days-only retention, which keeps data {_days_text(days)}."
    )


def _kept_text(kept: float, days: int) -> str:
    """Word a kept time with its growth over the days, e.g. "30.5 days (+118%)"."""
    percent = round((kept - days) * 100 / days)
    return f"{_days_text(kept)} ({percent:+d}%)"


def _days_text(value: float) -> str:
    if float(value).is_integer():
        return plural(int(value), "day")
    return f"{value:.1f} days"


def cycle_delay_findings(commcell: CommCell) -> Iterator[FindingData]:
    """Report copies that keep data more than 30% longer than their days."""
    summaries = (
        CopyRetentionSummary.objects.filter(
            commcell=commcell,
            retention_days__gt=0,
            effective_retention_days__isnull=False,
            data_aging_enabled=True,
        )
        .select_related("copy", "storage_policy", "plan")
        .order_by("pk")
    )
    for summary in summaries:
        percent = delay_percent(
            summary.retention_days, summary.effective_retention_days
        )
        if percent is None or percent <= DELAY_FLAG_PERCENT:
            continue
        yield _delay_finding(summary, percent)


def _delay_finding(summary: CopyRetentionSummary, percent: float) -> FindingData:
    days = summary.retention_days or 0
    cycles = summary.retention_cycles or 0
    interval = summary.median_full_interval_days
    effective = summary.effective_retention_days or 0.0
    cadence = "unknown" if interval is None else f"{interval:.1f} days"
    return FindingData(
        code="retention.cycle_delay",
        severity="high" if percent > 100 else "medium",
        subject_type="copy",
        subject_id=summary.copy_id,
        subject_name=f"{summary.storage_policy.name} / {summary.copy.name}",
        title=(
            f"{plural(days, 'day')} / {plural(cycles, 'cycle')} with fulls every "
            f"{cadence} keeps data {effective:.1f} days as measured on this copy's "
            f"jobs, {percent:+.0f}% over the configured days."
        ),
        recommendation=cycle_recommendation(days, cycles, interval),
        evidence={
            "retention_days": days,
            "retention_cycles": cycles,
            "full_interval_days": _round(interval),
            "effective_retention_days": _round(effective),
            "delay_days": _round(summary.retention_delay_days),
            "delay_percent": round(percent, 1),
            "chains": summary.chain_count,
            "plan": summary.plan.name if summary.plan else None,
        },
    )


def open_cycle_sentence(chain: ChainCadence) -> str:
    """Describe why a chain's newest cycle is still open."""
    if chain.last_full_start is None:
        since = chain.first_job_start
        if chain.failed_full_count:
            return f"{chain.failed_full_count} failed fulls and no good full since {since:%Y-%m-%d}"
        return f"no full at all since the first job on {since:%Y-%m-%d}"
    since = chain.last_full_start
    if chain.failed_fulls_since_last_full:
        return (
            f"{chain.failed_fulls_since_last_full} failed fulls since the last good "
            f"full on {since:%Y-%m-%d}"
        )
    return f"no full since {since:%Y-%m-%d}"


def open_cycle_findings(commcell: CommCell) -> Iterator[FindingData]:
    """Report each client whose chains have an open cycle older than the limit.

    The limit is the CommCell's open_cycle_factor (default 2) times the days.

    One finding per client names its oldest open chain and lists the others in the
    evidence. Chains without a client row are reported on their copy.
    """
    chains = (
        ChainCadence.objects.filter(commcell=commcell, open_cycle_flagged=True)
        .select_related("storage_policy", "retention_rule", "copy")
        .order_by("-open_cycle_age_days", "pk")
    )
    grouped: dict[tuple[str, int | None], list[ChainCadence]] = defaultdict(list)
    for chain in chains:
        if chain.client_id is not None:
            grouped[("client", chain.client_id)].append(chain)
        elif chain.copy_id is not None:
            grouped[("copy", chain.copy_id)].append(chain)

    for (subject_type, subject_id), group in grouped.items():
        yield _open_cycle_finding(subject_type, subject_id, group)


def _open_cycle_finding(
    subject_type: str, subject_id: int | None, chains: list[ChainCadence]
) -> FindingData:
    oldest = chains[0]
    days = oldest.retention_rule.retention_days if oldest.retention_rule else None
    failing = any(chain.failed_fulls_since_last_full for chain in chains)
    title = (
        f"Open cycle {oldest.open_cycle_age_days:.0f} days old on "
        f"{_chain_name(oldest)}: {open_cycle_sentence(oldest)}."
    )
    if len(chains) > 1:
        title += f" {len(chains) - 1} more chains of this client have open cycles."
    recommendation = (
        "Fix the failing fulls: nothing in an open cycle ages until a full completes."
        if failing
        else "Schedule fulls or synthetic fulls: nothing in an open cycle ages until "
        "a full completes."
    )
    name = oldest.client_name if subject_type == "client" else _chain_name(oldest)
    return FindingData(
        code="retention.open_cycle",
        severity="high",
        subject_type=subject_type,
        subject_id=subject_id,
        subject_name=name or f"{subject_type} {subject_id}",
        title=title,
        recommendation=recommendation,
        evidence={
            "retention_days": days,
            "chains": [_chain_evidence(chain) for chain in chains[:MAX_EXAMPLES]],
            "chain_count": len(chains),
        },
    )


def _chain_name(chain: ChainCadence) -> str:
    subclient = chain.subclient_name or "default subclient"
    where = chain.storage_policy.name
    if chain.copy is not None:
        where += f" / {chain.copy.name}"
    return f"{chain.client_name} / {subclient} on {where}"


def _chain_evidence(chain: ChainCadence) -> dict[str, Any]:
    return {
        "chain": _chain_name(chain),
        "open_cycle_age_days": _round(chain.open_cycle_age_days),
        "last_full_start": _iso(chain.last_full_start),
        "failed_fulls_since_last_full": chain.failed_fulls_since_last_full,
    }


def full_jobs(commcell_ids: list[int] | None, now: datetime) -> QuerySet[Job]:
    """Return the full and synthetic full jobs that started in the 30 days before now."""
    jobs = Job.objects.filter(
        start_time__gt=now - timedelta(days=SUCCESS_WINDOW_DAYS),
        start_time__lte=now,
        level__in=FULL_LEVELS,
    )
    if commcell_ids is not None:
        jobs = jobs.filter(commcell_id__in=commcell_ids)
    return jobs


def full_success(
    jobs: QuerySet[Job], *, by_client: bool = True
) -> list[dict[str, Any]]:
    """Count fulls, successes, failures and running fulls per plan (and client).

    This is one GROUP BY over the job rows, and ``full_jobs`` sets the window. Killed
    and other outcomes count as failures, and running fulls count as neither.
    """
    keys = ["commcell_id", "plan_id", "plan__name"]
    if by_client:
        keys += ["client_id", "client_name"]
    return list(
        jobs.order_by()
        .values(*keys)
        .annotate(
            fulls=Count("pk"),
            succeeded=Count("pk", filter=Q(outcome__in=SUCCESS_OUTCOMES)),
            running=Count("pk", filter=Q(outcome=Job.Outcome.RUNNING)),
        )
        .order_by("plan__name", *(["client_name"] if by_client else []))
    )


def store_full_success(commcell: CommCell, now: datetime) -> int:
    """Rewrite the CommCell's FullBackupSuccess rows as of ``now``; return the count.

    Run it after ``sql.refresh``, because each row counts the chains whose open
    cycle contains failed fulls from the refreshed ChainCadence rows.
    """
    blocked = _blocked_chain_counts(commcell)
    rows = [
        FullBackupSuccess(
            commcell_id=commcell.pk,
            plan_id=row["plan_id"],
            client_id=row["client_id"],
            plan_name=row["plan__name"] or "",
            client_name=row["client_name"],
            fulls=row["fulls"],
            succeeded=row["succeeded"],
            failed=row["fulls"] - row["succeeded"] - row["running"],
            running=row["running"],
            blocked_chains=blocked.get((row["plan_id"], row["client_id"]), 0),
            window_start=now - timedelta(days=SUCCESS_WINDOW_DAYS),
            computed_at=now,
        )
        for row in full_success(full_jobs([commcell.pk], now))
    ]
    FullBackupSuccess.objects.filter(commcell=commcell).delete()
    FullBackupSuccess.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _blocked_chain_counts(commcell: CommCell) -> dict[tuple[int, int | None], int]:
    """Count chains with failed fulls in their open cycle, per plan and client.

    Under days-only retention cycles do not hold data, so no chain is blocked.
    """
    if settings_for(commcell).days_only_retention:
        return {}

    plans_of_policy: dict[int, list[int]] = defaultdict(list)
    plans = Plan.objects.filter(commcell=commcell, storage_policy__isnull=False)
    for plan_id, policy_id in plans.values_list("pk", "storage_policy_id"):
        plans_of_policy[policy_id].append(plan_id)

    # A job has a chain on the primary copy and on each secondary copy that lists
    # it. Fulls run against the primary copy, so only its chains count here.
    chains = (
        ChainCadence.objects.filter(
            commcell=commcell, failed_fulls_since_last_full__gt=0
        )
        .filter(Q(copy__isnull=True) | Q(copy__copy_precedence=1))
        .order_by()
        .values_list("storage_policy_id", "client_id")
        .annotate(count=Count("pk"))
    )
    counts: dict[tuple[int, int | None], int] = {}
    for policy_id, client_id, count in chains:
        for plan_id in plans_of_policy.get(policy_id, ()):
            counts[(plan_id, client_id)] = count
    return counts


def full_success_findings(commcell: CommCell, now: datetime) -> Iterator[FindingData]:
    """Report plans whose fulls succeeded less than 95% of the time in 30 days."""
    rows = (
        FullBackupSuccess.objects.filter(commcell=commcell, plan__isnull=False)
        .values("plan_id", "plan_name")
        .annotate(
            fulls=Sum("fulls"), succeeded=Sum("succeeded"), running=Sum("running")
        )
        .order_by("plan_name", "plan_id")
    )
    recommendation = (
        "Fix the failing fulls first: each failed full keeps its cycle open, "
        "so older data cannot age whatever the retention cycles."
    )
    if settings_for(commcell).days_only_retention:
        recommendation = (
            "Fix the failing fulls: under days-only retention they do not keep data "
            "on disk, but restores depend on an older full and its incrementals."
        )
    for row in rows:
        failed = row["fulls"] - row["succeeded"] - row["running"]
        finished = row["succeeded"] + failed
        if not finished:
            continue
        percent = 100.0 * row["succeeded"] / finished
        if percent >= FULL_SUCCESS_TARGET_PERCENT:
            continue
        yield FindingData(
            code="retention.full_success_low",
            severity="high" if percent < 80 else "medium",
            subject_type="plan",
            subject_id=row["plan_id"],
            subject_name=row["plan_name"],
            title=(
                f"Only {percent:.0f}% of full backups succeeded in the last "
                f"{SUCCESS_WINDOW_DAYS} days ({failed} of {finished} failed)."
            ),
            recommendation=recommendation,
            evidence={
                "fulls": row["fulls"],
                "succeeded": row["succeeded"],
                "failed": failed,
                "running": row["running"],
                "success_percent": round(percent, 1),
                "window_days": SUCCESS_WINDOW_DAYS,
            },
        )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
