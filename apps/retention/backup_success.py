"""The backup job success analyzer: failed fulls per plan and client, and what they block.

The counts come from one GROUP BY over the last 30 days of full jobs (the
``job_commcell_start`` index bounds the scan by start time). The open cycle that
each failure extends comes from the stored ChainCadence rows of the nightly analysis.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from apps.commcell.models import Plan

from .analysis import (
    SuccessRow,
    full_jobs,
    full_success,
    open_cycle_sentence,
)
from .models import ChainCadence


@dataclass(frozen=True)
class BlockedPlan:
    """A plan whose open cycles come from failing fulls, so fewer cycles would not help."""

    plan_id: int
    plan_name: str
    failed: int
    blocked_chains: int
    sentence: str


def success_rows(
    now: datetime,
    *,
    commcell_ids: list[int] | None = None,
    plan_name: str = "",
    flagged_only: bool = False,
) -> list[SuccessRow]:
    """Return one row per plan and client that ran fulls in the last 30 days.

    Each row with failures carries the chains of that client on the plan's storage
    policy whose newest cycle has failed fulls: the open cycle the failures extend.
    """
    jobs = full_jobs(commcell_ids, now)
    if plan_name:
        jobs = jobs.filter(plan__name__icontains=plan_name)

    rows = []
    for item in full_success(jobs):
        failed = item["fulls"] - item["succeeded"] - item["running"]
        rows.append(
            SuccessRow(
                plan_id=item["plan_id"],
                client_id=item["client_id"],
                plan_name=item["plan__name"] or "",
                client_name=item["client_name"],
                fulls=item["fulls"],
                succeeded=item["succeeded"],
                failed=failed,
                running=item["running"],
            )
        )
    _attach_blocked_chains(rows)
    if flagged_only:
        rows = [row for row in rows if row.flagged]
    return rows


def _attach_blocked_chains(rows: list[SuccessRow]) -> None:
    failing = [row for row in rows if row.failed and row.plan_id is not None]
    if not failing:
        return

    policy_of_plan = dict(
        Plan.objects.filter(pk__in={row.plan_id for row in failing}).values_list(
            "pk", "storage_policy_id"
        )
    )
    chains = ChainCadence.objects.filter(
        storage_policy_id__in={p for p in policy_of_plan.values() if p is not None},
        client_id__in={row.client_id for row in failing},
        failed_fulls_since_last_full__gt=0,
    ).order_by("-open_cycle_age_days")
    by_key: dict[tuple[int, int | None], list[ChainCadence]] = defaultdict(list)
    for chain in chains:
        by_key[(chain.storage_policy_id, chain.client_id)].append(chain)

    for row in failing:
        policy_id = policy_of_plan.get(row.plan_id)
        row.chains = by_key.get((policy_id, row.client_id), [])


def blocked_plans(rows: list[SuccessRow]) -> list[BlockedPlan]:
    """List the plans whose failed fulls keep cycles open.

    Reducing retention cycles shortens how long closed cycles stay, but a cycle
    whose fulls keep failing never closes, so only fixing the fulls helps there.
    """
    failed: dict[int, int] = defaultdict(int)
    blocked: dict[int, int] = defaultdict(int)
    names: dict[int, str] = {}
    for row in rows:
        if row.plan_id is None or not row.chains:
            continue
        failed[row.plan_id] += row.failed
        blocked[row.plan_id] += len(row.chains)
        names[row.plan_id] = row.plan_name

    return [
        BlockedPlan(
            plan_id=plan_id,
            plan_name=names[plan_id],
            failed=failed[plan_id],
            blocked_chains=blocked[plan_id],
            sentence=(
                f"{failed[plan_id]} failed fulls keep {blocked[plan_id]} cycles open: "
                "a cycle change would not help until the fulls succeed."
            ),
        )
        for plan_id in sorted(names, key=lambda pk: names[pk])
    ]


def chain_block_sentence(chain: ChainCadence) -> str:
    """Describe the open cycle that a chain's failed fulls extend."""
    return (
        f"{chain.subclient_name or 'default subclient'}: open cycle "
        f"{chain.open_cycle_age_days:.0f} days old, {open_cycle_sentence(chain)}"
    )
