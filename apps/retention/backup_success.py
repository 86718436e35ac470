"""The backup job success analyzer: failed fulls per plan and client, and what they block.

The counts are the FullBackupSuccess rows that the nightly analysis stores, so the page
reads no job rows. The open cycle that each failure extends comes from the stored
ChainCadence rows of the same analysis.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Q, QuerySet, Sum

from apps.commcell.models import Plan

from .analysis import FULL_SUCCESS_TARGET_PERCENT
from .engine.cadence import plural
from .models import ChainCadence, FullBackupSuccess


@dataclass
class SuccessRow:
    """Full backups of one plan and client over the window, and their success rate."""

    plan_id: int | None
    client_id: int | None
    plan_name: str
    client_name: str
    fulls: int
    succeeded: int
    failed: int
    running: int
    chains: list[ChainCadence] = field(default_factory=list)

    @property
    def success_percent(self) -> float | None:
        finished = self.succeeded + self.failed
        return 100.0 * self.succeeded / finished if finished else None

    @property
    def flagged(self) -> bool:
        percent = self.success_percent
        return percent is not None and percent < FULL_SUCCESS_TARGET_PERCENT


@dataclass(frozen=True)
class BlockedPlan:
    """A plan whose open cycles come from failing fulls, so fewer cycles would not help."""

    plan_id: int
    plan_name: str
    failed: int
    blocked_chains: int
    sentence: str


def success_rows(
    *,
    commcell_ids: list[int] | None = None,
    plan_name: str = "",
    flagged_only: bool = False,
) -> QuerySet[FullBackupSuccess]:
    """Return the stored rows per plan and client, filtered, by plan then client."""
    rows = FullBackupSuccess.objects.all()
    if commcell_ids is not None:
        rows = rows.filter(commcell_id__in=commcell_ids)
    if plan_name:
        rows = rows.filter(plan_name__icontains=plan_name)
    if flagged_only:
        # succeeded / (succeeded + failed) < 95%, without a division.
        rows = rows.filter(failed__gt=0).filter(
            succeeded__lt=(F("succeeded") + F("failed"))
            * FULL_SUCCESS_TARGET_PERCENT
            / 100
        )
    return rows.order_by("plan_name", "client_name", "pk")


def with_blocked_chains(rows: list[FullBackupSuccess]) -> list[SuccessRow]:
    """Convert stored rows, attaching each client's open cycles that failures extend.

    A chain is attached when it belongs to the row's client on the plan's storage
    policy and its newest cycle contains failed fulls.
    """
    result = [
        SuccessRow(
            plan_id=row.plan_id,
            client_id=row.client_id,
            plan_name=row.plan_name,
            client_name=row.client_name,
            fulls=row.fulls,
            succeeded=row.succeeded,
            failed=row.failed,
            running=row.running,
        )
        for row in rows
    ]
    failing = [row for row in result if row.failed and row.plan_id is not None]
    chains = _chains_by_plan_client({(row.plan_id, row.client_id) for row in failing})
    for row in failing:
        row.chains = chains.get((row.plan_id, row.client_id), [])
    return result


def blocked_plans(rows: QuerySet[FullBackupSuccess]) -> list[BlockedPlan]:
    """List the plans whose failed fulls keep cycles open.

    Reducing retention cycles shortens how long closed cycles stay, but a cycle
    whose fulls keep failing never closes, so only fixing the fulls helps there.
    """
    plans = (
        rows.filter(failed__gt=0, blocked_chains__gt=0, plan__isnull=False)
        .order_by()
        .values("plan_id", "plan_name")
        .annotate(failed_total=Sum("failed"), chain_total=Sum("blocked_chains"))
        .order_by("plan_name", "plan_id")
    )
    return [
        BlockedPlan(
            plan_id=row["plan_id"],
            plan_name=row["plan_name"],
            failed=row["failed_total"],
            blocked_chains=row["chain_total"],
            sentence=(
                f"{plural(row['failed_total'], 'failed full')} "
                f"{'keeps' if row['failed_total'] == 1 else 'keep'} "
                f"{plural(row['chain_total'], 'cycle')} open: a cycle change would "
                "not help until the fulls succeed."
            ),
        )
        for row in plans
    ]


def _chains_by_plan_client(
    pairs: set[tuple[int, int | None]],
) -> dict[tuple[int, int | None], list[ChainCadence]]:
    if not pairs:
        return {}

    policy_of_plan = dict(
        Plan.objects.filter(pk__in={plan for plan, _ in pairs}).values_list(
            "pk", "storage_policy_id"
        )
    )
    plans_of_policy: dict[int, list[int]] = defaultdict(list)
    for plan_id, policy_id in policy_of_plan.items():
        if policy_id is not None:
            plans_of_policy[policy_id].append(plan_id)

    # Fulls run against the primary copy; a secondary copy's chain repeats them.
    chains = (
        ChainCadence.objects.filter(
            storage_policy_id__in=plans_of_policy.keys(),
            client_id__in={client for _, client in pairs},
            failed_fulls_since_last_full__gt=0,
        )
        .filter(Q(copy__isnull=True) | Q(copy__copy_precedence=1))
        .order_by("-open_cycle_age_days", "pk")
    )
    result: dict[tuple[int, int | None], list[ChainCadence]] = defaultdict(list)
    for chain in chains:
        for plan_id in plans_of_policy[chain.storage_policy_id]:
            if (plan_id, chain.client_id) in pairs:
                result[(plan_id, chain.client_id)].append(chain)
    return result
