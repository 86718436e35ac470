"""Compute the retention tools' results in the analysis, and read them for the pages.

``analyze_tools`` is the registered analyzer ``retention.tools``. It runs after
``retention.cycles``, so the optimizer reads the full cadence that analysis has just
stored. It reviews every rule, forecasts and measures every pool, measures the
schedules, and rewrites the CommCell's ToolResult rows in one transaction. The
overdue-full findings come from the same schedule measurement.

Each copy's jobs are read from the database about once per analysis and then
shared by the optimizer's proposals, the reclamation forecast and the dedup holds.
Every tool runs under the CommCell's retention settings and aging clock, and each
stored result names them under ``assumptions``. Rewriting the rows also deletes the
plan pages' stored waiting jobs (``plan_detail.store_waiting_page``), so the next view
computes them under the new results.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max, Min, QuerySet
from django.utils.dateparse import parse_date, parse_datetime

from apps.commcell.models import Job
from apps.core.findings import FindingData
from apps.retention.engine import JobRecord
from apps.retention.models import ToolResult

from .context import tool_settings
from .dedup import analyze_pool
from .findings import overdue_findings
from .intent import GROUP_LABELS, GROUP_ORDER
from .loading import CopyJobSource, copy_job_source, iter_source_chains
from .optimizer import RuleReview, review_rule, rules_to_review
from .reclamation import forecast_pool, pools_to_forecast
from .schedules import analyze_schedules

if TYPE_CHECKING:
    from apps.commcell.models import CommCell, StoragePolicyCopy

logger = logging.getLogger(__name__)

ANALYZER_NAME = "retention.tools"

# Job records the cache keeps across copies during one analysis. Rules are reviewed
# copy by copy and a pool's copies are read twice in a row (forecast, then dedup),
# so a few copies in memory are enough to read most copies once. A copy with more
# jobs than this is streamed from the database on every use and never cached.
CACHED_JOBS = 200_000

Chain = tuple[str, list[JobRecord]]


class CopyChains:
    """The chains of recently read copies, each read once from the database.

    Memory stays under ``max_jobs`` job records: the least recently used copies
    are dropped first, and a copy larger than the budget is not kept.
    """

    def __init__(self, max_jobs: int = CACHED_JOBS) -> None:
        self.max_jobs = max_jobs
        self.reads = 0
        self.cached_jobs = 0
        self._chains: OrderedDict[int, list[Chain]] = OrderedDict()
        self._sizes: dict[int, int] = {}
        self._sources: dict[int, CopyJobSource] = {}

    def source(self, copy: StoragePolicyCopy) -> CopyJobSource:
        """Return where the copy's jobs come from, looked up once per copy."""
        source = self._sources.get(copy.pk)
        if source is None:
            source = copy_job_source(copy)
            self._sources[copy.pk] = source
        return source

    def estimate(self, copy: StoragePolicyCopy) -> str:
        """Return the estimate note of a copy's job list, or ""."""
        return self.source(copy).estimate

    def read(self, copy: StoragePolicyCopy) -> Iterable[Chain]:
        """Return ``(chain_key, jobs)`` per chain of a copy, from memory when cached."""
        chains = self._chains.get(copy.pk)
        if chains is not None:
            self._chains.move_to_end(copy.pk)
            return chains

        self.reads += 1
        source = self.source(copy)
        size = Job.objects.filter(storage_policy_id=copy.storage_policy_id).count()
        if size > self.max_jobs:
            return iter_source_chains(source)

        chains = list(iter_source_chains(source))
        size = sum(len(jobs) for _key, jobs in chains)
        self._chains[copy.pk] = chains
        self._sizes[copy.pk] = size
        self.cached_jobs += size
        while self.cached_jobs > self.max_jobs and len(self._chains) > 1:
            dropped, _ = self._chains.popitem(last=False)
            self.cached_jobs -= self._sizes.pop(dropped)
        return chains


def as_json(result: Any) -> dict[str, Any]:
    """Return a tool's dataclass as JSON values, with dates as ISO 8601 strings."""
    return json.loads(json.dumps(asdict(result), cls=DjangoJSONEncoder))


def analyze_tools(commcell: CommCell, now: datetime) -> Iterator[FindingData]:
    """Recompute and store the CommCell's tool results, and report overdue fulls."""
    context = tool_settings(commcell, now)
    chains = CopyChains()
    rows: list[ToolResult] = []
    assumptions = context.describe()

    def add(tool: str, subject_id: int, name: str, result: Any) -> None:
        data = as_json(result)
        data["assumptions"] = assumptions
        rows.append(
            ToolResult(
                commcell=commcell,
                tool=tool,
                subject_id=subject_id,
                subject_name=name[:300],
                position=len(rows),
                data=data,
                computed_at=now,
            )
        )

    review_options = {
        "chains_for": chains.read,
        "estimate_for": chains.estimate,
        "tool_settings": context,
    }
    reviews: dict[int, RuleReview] = {}
    for rule in rules_to_review(commcell.pk):
        review = review_rule(rule, now, **review_options)
        reviews[rule.pk] = review
        name = f"{review.storage_policy_name} / {review.copy_name}"
        add(ToolResult.Tool.OPTIMIZER, rule.pk, name, review)

    def review_for(rule) -> RuleReview:
        stored = reviews.get(rule.pk)
        if stored is not None:
            return stored
        return review_rule(rule, now, **review_options)

    for pool in pools_to_forecast(commcell.pk):
        forecast = forecast_pool(
            pool,
            now,
            chains_for=chains.read,
            estimate_for=chains.estimate,
            review_for=review_for,
            tool_settings=context,
        )
        add(ToolResult.Tool.RECLAMATION, pool.pk, pool.name, forecast)
        dedup = analyze_pool(
            pool,
            now,
            chains_for=chains.read,
            estimate_for=chains.estimate,
            tool_settings=context,
        )
        if dedup is not None:
            add(ToolResult.Tool.DEDUP, pool.pk, pool.name, dedup)

    schedules = analyze_schedules(
        now, commcell.pk, aging_time=context.aging_time, offset_at=context.offset_at
    )
    for schedule in schedules:
        add(
            ToolResult.Tool.SCHEDULES,
            schedule.storage_policy_id,
            schedule.storage_policy_name,
            schedule,
        )

    with transaction.atomic():
        ToolResult.objects.filter(commcell=commcell).delete()
        ToolResult.objects.bulk_create(rows)
    logger.info(
        "CommCell %s (id %s): %d tool results stored from %d copy reads",
        commcell.name,
        commcell.pk,
        len(rows),
        chains.reads,
    )
    yield from overdue_findings(schedules)


def stored_results(tool: str, commcell_id: int | None = None) -> QuerySet[ToolResult]:
    """Return the stored rows of one tool, in page order, for one or all CommCells."""
    rows = ToolResult.objects.filter(tool=tool).select_related("commcell")
    if commcell_id is not None:
        rows = rows.filter(commcell_id=commcell_id)
    return rows.order_by("commcell_id", "position")


def computed_range(commcell_id: int | None = None) -> dict[str, datetime | None]:
    """Return the oldest and newest ``computed_at`` of the stored results of any tool.

    Both are None when the analysis has stored nothing for the selection yet.
    """
    rows = ToolResult.objects.all()
    if commcell_id is not None:
        rows = rows.filter(commcell_id=commcell_id)
    return rows.aggregate(oldest=Min("computed_at"), newest=Max("computed_at"))


def revive_dates(tool: str, data: dict[str, Any]) -> dict[str, Any]:
    """Turn the ISO dates of a stored result back into dates for the templates."""
    if tool == ToolResult.Tool.RECLAMATION:
        for row in data.get("timeline", []):
            row["day"] = parse_date(row["day"])
    elif tool == ToolResult.Tool.SCHEDULES:
        for chain in data.get("overdue", []):
            if chain.get("last_full"):
                chain["last_full"] = parse_datetime(chain["last_full"])
    return data


def group_stored_reviews(reviews: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group stored reviews by intent, in the order short, standard, long, DR, compliance."""
    groups: dict[str, list[dict[str, Any]]] = {key: [] for key in GROUP_ORDER}
    for review in reviews:
        groups[review["intent"]["group"]].append(review)
    return [
        {"group": key, "label": GROUP_LABELS[key], "reviews": groups[key]}
        for key in GROUP_ORDER
        if groups[key]
    ]
