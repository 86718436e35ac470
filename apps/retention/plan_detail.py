"""Read what the plan page and its API show: clients, copies, pools, findings, waiting jobs.

Computing the waiting jobs reads the eligibility of every job of the plan's storage
policy, which takes seconds on a large SQLite database. The first view of a plan
after an analysis therefore stores the count of waiting jobs and their first page
(``store_waiting_page``), and later views of the first page read that until the next
analysis deletes it. Later pages are computed per request.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils.dateparse import parse_datetime

from apps.commcell.models import (
    Job,
    Plan,
    StoragePolicyCopy,
)
from apps.core.models import Finding
from apps.storage.models import StoragePool

from . import sql
from .models import ToolResult

logger = logging.getLogger(__name__)

# Reasons of ``sql.job_eligibility`` that keep a job on the copy.
WAITING_REASONS = frozenset(
    {
        "basic_days",
        "basic_cycles",
        "job_running",
        "aging_disabled",
        "infinite_retention",
        "manual_retention",
        "extended_retention",
    }
)
WAITING_PAGE_SIZE = 50

REASON_TEXT = {
    "basic_days": "retention days not met",
    "basic_cycles": "retention cycles not met",
    "job_running": "job running",
    "aging_disabled": "data aging disabled",
    "infinite_retention": "infinite retention",
    "manual_retention": "manual retention",
    "extended_retention": "extended retention (CommServe date)",
}


@dataclass(frozen=True)
class WaitingPage:
    """One page of the jobs of a plan that are not eligible to age yet."""

    rows: list[dict[str, Any]]
    total: int
    number: int
    page_size: int
    # When this page was stored at the first view after an analysis, or None when it was
    # computed for this request.
    computed_at: datetime | None = None

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

    The first page is stored at the first view after each analysis and read from
    there until the next analysis. Other pages run the eligibility query over the policy in SQL and
    stream its rows, so memory keeps one page. Counting the total reads every row
    of the policy.
    """
    if plan.storage_policy_id is None:
        return WaitingPage([], 0, 1, WAITING_PAGE_SIZE)

    page = max(page, 1)
    if page == 1:
        stored = stored_waiting_page(plan)
        if stored is not None:
            return stored
        return store_waiting_page(plan, now)
    return live_waiting_page(plan, now, page)


def store_waiting_page(plan: Plan, now: datetime) -> WaitingPage:
    """Compute the first page of the plan's waiting jobs and store it.

    The next analysis deletes the stored page with the other tool results, so the
    first view after each analysis computes it again. Storing it in the analysis
    instead took minutes on a large SQLite database, one query per storage policy.
    """
    total, first = count_waiting(
        sql.job_eligibility(storage_policy_id=plan.storage_policy_id, now=now)
    )
    data = {"total": total, "rows": [_as_data(row) for row in first]}
    with transaction.atomic():
        ToolResult.objects.filter(
            commcell_id=plan.commcell_id,
            tool=ToolResult.Tool.WAITING_JOBS,
            subject_id=plan.storage_policy_id,
        ).delete()
        ToolResult.objects.create(
            commcell_id=plan.commcell_id,
            tool=ToolResult.Tool.WAITING_JOBS,
            subject_id=plan.storage_policy_id,
            subject_name=plan.name,
            position=0,
            data=data,
            computed_at=now,
        )
    logger.info(
        "plan %s (storage policy %s): %d jobs waiting to age, first page stored",
        plan.pk,
        plan.storage_policy_id,
        total,
    )
    return WaitingPage(_page_rows(first), total, 1, WAITING_PAGE_SIZE, computed_at=now)


def live_waiting_page(plan: Plan, now: datetime, page: int) -> WaitingPage:
    """Compute one page of the plan's waiting jobs now, over every job of its policy."""
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
        return live_waiting_page(plan, now, -(-total // WAITING_PAGE_SIZE))
    return WaitingPage(_page_rows(selected), total, page, WAITING_PAGE_SIZE)


def _page_rows(selected: list[sql.JobEligibility]) -> list[dict[str, Any]]:
    jobs = Job.objects.in_bulk([row.id for row in selected])
    return [
        {
            "eligibility": row,
            "job": jobs.get(row.id),
            "reason_text": REASON_TEXT.get(row.reason, row.reason),
        }
        for row in selected
    ]


def stored_waiting_page(plan: Plan) -> WaitingPage | None:
    """Return the stored first page of the plan's waiting jobs, or None."""
    stored = (
        ToolResult.objects.filter(
            commcell_id=plan.commcell_id,
            tool=ToolResult.Tool.WAITING_JOBS,
            subject_id=plan.storage_policy_id,
        )
        .only("data", "computed_at")
        .first()
    )
    if stored is None:
        return None

    selected = [_eligibility(row) for row in stored.data["rows"]]
    return WaitingPage(
        _page_rows(selected),
        stored.data["total"],
        1,
        WAITING_PAGE_SIZE,
        computed_at=stored.computed_at,
    )


def count_waiting(
    rows: Iterable[sql.JobEligibility],
) -> tuple[int, list[sql.JobEligibility]]:
    """Return the number of waiting jobs among ``rows`` and the first page of them."""
    total = 0
    first: list[sql.JobEligibility] = []
    for row in rows:
        if row.reason not in WAITING_REASONS:
            continue
        if total < WAITING_PAGE_SIZE:
            first.append(row)
        total += 1
    return total, first


def _as_data(row: sql.JobEligibility) -> dict[str, Any]:
    return {
        "id": row.id,
        "job_id": row.job_id,
        "commcell_id": row.commcell_id,
        "storage_policy_id": row.storage_policy_id,
        "client_id": row.client_id,
        "subclient_cv_id": row.subclient_cv_id,
        "cycle_no": row.cycle_no,
        "start_time": row.start_time.isoformat(),
        "reason": row.reason,
        "retain_until": row.retain_until.isoformat() if row.retain_until else None,
    }


def _eligibility(data: dict[str, Any]) -> sql.JobEligibility:
    retain_until = data["retain_until"]
    return sql.JobEligibility(
        id=data["id"],
        job_id=data["job_id"],
        commcell_id=data["commcell_id"],
        storage_policy_id=data["storage_policy_id"],
        client_id=data["client_id"],
        subclient_cv_id=data["subclient_cv_id"],
        cycle_no=data["cycle_no"],
        start_time=parse_datetime(data["start_time"]),
        reason=data["reason"],
        retain_until=parse_datetime(retain_until) if retain_until else None,
    )
