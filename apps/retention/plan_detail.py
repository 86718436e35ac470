"""Read what the plan page and its API show: clients, copies, pools, findings, waiting jobs."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from apps.commcell.models import Job, Plan, StoragePolicyCopy
from apps.core.models import Finding
from apps.storage.models import StoragePool

from . import sql

# Reasons of ``sql.job_eligibility`` that keep a job on the copy.
WAITING_REASONS = frozenset(
    {
        "basic_days",
        "basic_cycles",
        "job_running",
        "aging_disabled",
        "infinite_retention",
    }
)
WAITING_PAGE_SIZE = 50

REASON_TEXT = {
    "basic_days": "retention days not met",
    "basic_cycles": "retention cycles not met",
    "job_running": "job running",
    "aging_disabled": "data aging disabled",
    "infinite_retention": "infinite retention",
}


@dataclass(frozen=True)
class WaitingPage:
    """One page of the jobs of a plan that are not eligible to age yet."""

    rows: list[dict[str, Any]]
    total: int
    number: int
    page_size: int

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def plan_clients(plan: Plan) -> list[dict[str, Any]]:
    """Return the plan's clients with their job counts, through the plan/client index."""
    return list(
        Job.objects.filter(plan=plan)
        .order_by()
        .values("client_id", "client_name")
        .annotate(jobs=Count("pk"), last_job=Max("start_time"))
        .order_by("client_name", "client_id")
    )


def plan_copies(plan: Plan) -> QuerySet[StoragePolicyCopy]:
    """Return the current copies of the plan's storage policy with rule and summary."""
    if plan.storage_policy_id is None:
        return StoragePolicyCopy.objects.none()
    return (
        StoragePolicyCopy.objects.filter(
            storage_policy_id=plan.storage_policy_id, removed_at__isnull=True
        )
        .select_related("storage_policy", "retention_rule", "retention_summary")
        .order_by("copy_precedence", "pk")
    )


def plan_pools(plan: Plan, copies: list[StoragePolicyCopy]) -> list[dict[str, Any]]:
    """Return the pools the copies write to, with the stored pool row when known."""
    pool_ids = {copy.storage_pool_cv_id for copy in copies if copy.storage_pool_cv_id}
    pools = {
        pool.cv_id: pool
        for pool in StoragePool.objects.filter(
            commcell_id=plan.commcell_id, cv_id__in=pool_ids
        )
    }
    seen: dict[str, dict[str, Any]] = {}
    for copy in copies:
        name = copy.storage_pool_name or copy.library_name
        if not name:
            continue
        entry = seen.setdefault(
            name,
            {"name": name, "pool": pools.get(copy.storage_pool_cv_id), "copies": []},
        )
        entry["copies"].append(copy.name)
    return list(seen.values())


def plan_findings(plan: Plan, copies: list[StoragePolicyCopy], client_ids: list[int]):
    """Return the open findings about the plan, its policy, its copies or its clients."""
    subjects = Q(subject_type="plan", subject_id=plan.pk)
    if plan.storage_policy_id is not None:
        subjects |= Q(subject_type="storage_policy", subject_id=plan.storage_policy_id)
    if copies:
        subjects |= Q(subject_type="copy", subject_id__in=[copy.pk for copy in copies])
    if client_ids:
        subjects |= Q(subject_type="client", subject_id__in=client_ids)
    return (
        Finding.objects.filter(commcell_id=plan.commcell_id, resolved_at__isnull=True)
        .filter(subjects)
        .order_by("severity_rank", "-last_seen_at", "-id")
    )


def waiting_jobs(plan: Plan, now: datetime, page: int) -> WaitingPage:
    """Return one page of the plan's jobs that have not aged and may not age yet.

    The eligibility query runs over the plan's storage policy in SQL and streams its
    rows, so memory keeps one page. Counting the total reads every row of the policy.
    """
    if plan.storage_policy_id is None:
        return WaitingPage([], 0, 1, WAITING_PAGE_SIZE)

    page = max(page, 1)
    first = (page - 1) * WAITING_PAGE_SIZE
    selected = []
    total = 0
    for row in sql.job_eligibility(storage_policy_id=plan.storage_policy_id, now=now):
        if row.reason not in WAITING_REASONS:
            continue
        if first <= total < first + WAITING_PAGE_SIZE:
            selected.append(row)
        total += 1

    if total and first >= total:
        return waiting_jobs(plan, now, -(-total // WAITING_PAGE_SIZE))

    jobs = Job.objects.in_bulk([row.id for row in selected])
    rows = [
        {
            "eligibility": row,
            "job": jobs.get(row.id),
            "reason_text": REASON_TEXT.get(row.reason, row.reason),
        }
        for row in selected
    ]
    return WaitingPage(rows, total, page, WAITING_PAGE_SIZE)
