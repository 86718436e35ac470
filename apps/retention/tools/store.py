"""Compute the retention tools' results in the analysis, and read them for the pages.

``analyze_tools`` is the registered analyzer ``retention.tools``. It runs after
``retention.cycles``, so the optimizer reads the full cadence that analysis has just
stored. It reviews every rule, forecasts and measures every pool, measures the
schedules, and rewrites the CommCell's ToolResult rows in one transaction. The
overdue-full findings come from the same schedule measurement.

Each storage policy's jobs are read from the database once per analysis and then
shared by the optimizer's proposals, the reclamation forecast and the dedup holds.
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

from apps.core.findings import FindingData
from apps.retention.engine import JobRecord
from apps.retention.models import ToolResult

from .dedup import analyze_pool
from .findings import overdue_findings
from .intent import GROUP_LABELS, GROUP_ORDER
from .loading import iter_policy_chains_with_savings
from .optimizer import RuleReview, review_rule, rules_to_review
from .reclamation import forecast_pool, pools_to_forecast
from .schedules import analyze_schedules

if TYPE_CHECKING:
    from apps.commcell.models import CommCell

logger = logging.getLogger(__name__)

ANALYZER_NAME = "retention.tools"

# Storage policies whose chains stay in memory during one analysis. Rules are
# reviewed in policy order and a pool's copies are read twice in a row (forecast,
# then dedup), so a few policies are enough to read each policy once.
CACHED_POLICIES = 4

SavedChain = tuple[str, list[JobRecord], dict[int, float | None]]


class PolicyChains:
    """The chains of recently read storage policies, read once from the database.

    NOTE: a cached policy's jobs are all in memory, so memory grows with the
    largest storage policy's job count.
    """

    def __init__(self, max_policies: int = CACHED_POLICIES) -> None:
        self.max_policies = max_policies
        self.reads = 0
        self._chains: OrderedDict[int, list[SavedChain]] = OrderedDict()

    def with_savings(self, storage_policy_id: int) -> list[SavedChain]:
        """Return ``(chain_key, jobs, savings by job id)`` per chain, reading a policy once."""
        chains = self._chains.get(storage_policy_id)
        if chains is not None:
            self._chains.move_to_end(storage_policy_id)
            return chains

        chains = list(iter_policy_chains_with_savings(storage_policy_id))
        self.reads += 1
        self._chains[storage_policy_id] = chains
        if len(self._chains) > self.max_policies:
            self._chains.popitem(last=False)
        return chains

    def plain(self, storage_policy_id: int) -> Iterator[tuple[str, list[JobRecord]]]:
        """Yield ``(chain_key, jobs)`` for each chain of a policy."""
        for key, jobs, _savings in self.with_savings(storage_policy_id):
            yield key, jobs


def as_json(result: Any) -> dict[str, Any]:
    """Return a tool's dataclass as JSON values, with dates as ISO 8601 strings."""
    return json.loads(json.dumps(asdict(result), cls=DjangoJSONEncoder))


def analyze_tools(commcell: CommCell, now: datetime) -> Iterator[FindingData]:
    """Recompute and store the CommCell's tool results, and report overdue fulls."""
    chains = PolicyChains()
    rows: list[ToolResult] = []

    def add(tool: str, subject_id: int, name: str, result: Any) -> None:
        rows.append(
            ToolResult(
                commcell=commcell,
                tool=tool,
                subject_id=subject_id,
                subject_name=name[:300],
                position=len(rows),
                data=as_json(result),
                computed_at=now,
            )
        )

    reviews: dict[int, RuleReview] = {}
    for rule in rules_to_review(commcell.pk):
        review = review_rule(rule, now, chains_for=chains.plain)
        reviews[rule.pk] = review
        name = f"{review.storage_policy_name} / {review.copy_name}"
        add(ToolResult.Tool.OPTIMIZER, rule.pk, name, review)

    def review_for(rule) -> RuleReview:
        stored = reviews.get(rule.pk)
        if stored is not None:
            return stored
        return review_rule(rule, now, chains_for=chains.plain)

    for pool in pools_to_forecast(commcell.pk):
        forecast = forecast_pool(
            pool, now, chains_for=chains.with_savings, review_for=review_for
        )
        add(ToolResult.Tool.RECLAMATION, pool.pk, pool.name, forecast)
        dedup = analyze_pool(pool, now, chains_for=chains.plain)
        if dedup is not None:
            add(ToolResult.Tool.DEDUP, pool.pk, pool.name, dedup)

    schedules = analyze_schedules(now, commcell.pk)
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
        "CommCell %s (id %s): %d tool results stored from %d storage policy reads",
        commcell.name,
        commcell.pk,
        len(rows),
        chains.reads,
    )
    yield from overdue_findings(schedules)


def stored_results(tool: str, commcell_id: int | None = None) -> QuerySet[ToolResult]:
    """Return the stored rows of one tool, in page order, for one or all CommCells."""
    rows = ToolResult.objects.filter(tool=tool)
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
