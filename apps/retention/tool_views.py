"""Pages of the retention tools: optimizer, reclamation, dedup, schedules, checker.

The optimizer, reclamation, dedup and schedule pages read the results the
``retention.tools`` analyzer stored, so a request runs a few queries whatever the
job count. The checker computes its result per request over one plan's jobs. Every
page is open to viewers, because the checker's POST only computes and stores
nothing.
"""

import logging
from functools import partial
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from apps.core.permissions import ViewerRequiredMixin
from apps.core.roles import is_admin

from .forms_tools import CommCellFilterForm, RetentionCheckerForm
from .models import ToolResult
from .tools.checker import analyze, try_change
from .tools.context import ToolSettings, tool_settings
from .tools.intent import GROUP_LABELS
from .tools.loading import iter_copy_chains
from .tools.optimizer import policy_full_interval
from .tools.schedules import WEEKDAYS
from .tools.store import (
    computed_range,
    group_stored_reviews,
    revive_dates,
    stored_results,
)

logger = logging.getLogger(__name__)

OPTIMIZER_PAGE_SIZE = 20
RECLAMATION_PAGE_SIZE = 10
DEDUP_PAGE_SIZE = 20
SCHEDULE_PAGE_SIZE = 50


def _filter(request: HttpRequest) -> tuple[CommCellFilterForm, int | None]:
    form = CommCellFilterForm(request.GET or None)
    return form, form.commcell_id() if request.GET.get("commcell") else None


def _page(request: HttpRequest, items: Any, size: int):
    return Paginator(items, size).get_page(request.GET.get("page"))


def stored_page(request: HttpRequest, tool: str, size: int) -> dict[str, Any]:
    """Return the context shared by the stored-result pages: filter, page and dates.

    ``results`` contains the stored JSON of the page's rows with their dates parsed.
    """
    form, commcell_id = _filter(request)
    page = _page(request, stored_results(tool, commcell_id), size)
    rows = list(page.object_list)
    results = [revive_dates(tool, row.data) for row in rows]
    logger.info(
        "%s page request %s: %d stored results, CommCell %s",
        tool,
        getattr(request, "request_id", ""),
        len(results),
        commcell_id if commcell_id is not None else "all",
    )
    return {
        "form": form,
        "page_obj": page,
        "results": results,
        "computed": computed_range(commcell_id),
        "assumptions": stored_assumptions(rows),
        "can_run_analysis": is_admin(request.user),
    }


def stored_assumptions(rows: list[ToolResult]) -> list[dict[str, Any]]:
    """Return the retention settings each CommCell on the page was analysed under."""
    by_commcell: dict[int, dict[str, Any]] = {}
    for row in rows:
        lines = row.data.get("assumptions") or []
        if lines and row.commcell_id not in by_commcell:
            by_commcell[row.commcell_id] = {
                "commcell": row.commcell.name,
                "lines": lines,
            }
    return list(by_commcell.values())


class OptimizerView(ViewerRequiredMixin, View):
    """Rules grouped by intent, with the recommended change and what it frees."""

    def get(self, request: HttpRequest) -> HttpResponse:
        context = stored_page(request, ToolResult.Tool.OPTIMIZER, OPTIMIZER_PAGE_SIZE)
        context["groups"] = group_stored_reviews(context["results"])
        context["group_labels"] = GROUP_LABELS
        return render(request, "retention/tools/optimizer.html", context)


class ReclamationView(ViewerRequiredMixin, View):
    """Per pool: aged data not yet freed, eligible data and a timeline by day."""

    def get(self, request: HttpRequest) -> HttpResponse:
        context = stored_page(
            request, ToolResult.Tool.RECLAMATION, RECLAMATION_PAGE_SIZE
        )
        context["forecasts"] = context["results"]
        return render(request, "retention/tools/reclamation.html", context)


class DedupView(ViewerRequiredMixin, View):
    """Dedup pools, their savings and the jobs extended retention keeps on disk."""

    def get(self, request: HttpRequest) -> HttpResponse:
        context = stored_page(request, ToolResult.Tool.DEDUP, DEDUP_PAGE_SIZE)
        context["pools"] = context["results"]
        return render(request, "retention/tools/dedup.html", context)


class ScheduleView(ViewerRequiredMixin, View):
    """Full cadence, weekday and hour of fulls, overdue chains and the aging run."""

    def get(self, request: HttpRequest) -> HttpResponse:
        context = stored_page(request, ToolResult.Tool.SCHEDULES, SCHEDULE_PAGE_SIZE)
        context["schedules"] = context["results"]
        context["weekdays"] = WEEKDAYS
        return render(request, "retention/tools/schedules.html", context)


class RetentionCheckerView(ViewerRequiredMixin, View):
    """Analyse a plan's or a typed rule, and try a change on it.

    A POST from htmx gets the result fragment; without JavaScript the form posts
    and the whole page comes back with the result under the form.
    """

    page_template = "retention/tools/checker.html"
    fragment_template = "retention/tools/partials/checker_result.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.page_template, {"form": RetentionCheckerForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RetentionCheckerForm(request.POST)
        context: dict[str, Any] = {"form": form}
        if form.is_valid():
            context.update(check_rule(form))
        else:
            logger.debug(
                "retention checker request %s: invalid input %s",
                getattr(request, "request_id", ""),
                form.errors.as_json(),
            )
        htmx = getattr(request, "htmx", None)
        if htmx and not htmx.boosted:
            return render(request, self.fragment_template, context)
        return render(request, self.page_template, context)


def check_rule(form: RetentionCheckerForm) -> dict[str, Any]:
    """Run the checker on a valid form: the analysis, and the change when one is set.

    A plan's rule runs under its CommCell's retention settings, and its jobs are
    the primary copy's. A typed rule runs under the default settings.
    """
    request = form.checker_request()
    now = timezone.now()
    context = ToolSettings()
    if request.commcell is not None:
        context = tool_settings(request.commcell, now)
    interval = request.full_interval_days
    interval_source = "typed"
    policy_id = request.storage_policy_id
    if interval is None and policy_id is not None:
        interval = policy_full_interval(
            policy_id, request.retention, now, settings=context.engine
        )
        interval_source = "measured from the plan's jobs"

    result: dict[str, Any] = {
        "checked": request,
        "interval": interval,
        "interval_source": interval_source if interval is not None else "unknown",
        "analysis": analyze(request.retention, interval),
        "assumptions": context.describe() if request.commcell is not None else [],
    }
    if request.change is not None:
        chains = None
        if request.copy is not None:
            chains = partial(iter_copy_chains, request.copy)
        result["outcome"] = try_change(
            request.retention,
            request.change,
            interval,
            now,
            chains=chains,
            settings=context.engine,
        )
    return result
