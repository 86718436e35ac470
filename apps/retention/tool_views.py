"""Pages of the retention tools: optimizer, reclamation, dedup, schedules, checker.

Each view reads its filter, calls the plain logic in ``apps.retention.tools`` and
renders the result. Every page is open to viewers, because the checker's POST only
computes and stores nothing.
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

from .forms_tools import CommCellFilterForm, RetentionCheckerForm
from .tools.checker import analyze, try_change
from .tools.dedup import analyze_pool
from .tools.intent import GROUP_LABELS
from .tools.loading import iter_policy_chains
from .tools.optimizer import (
    group_reviews,
    policy_full_interval,
    review_rule,
    rules_to_review,
)
from .tools.reclamation import forecast_pool, pools_to_forecast
from .tools.schedules import WEEKDAYS, analyze_schedules

logger = logging.getLogger(__name__)

OPTIMIZER_PAGE_SIZE = 20
RECLAMATION_PAGE_SIZE = 10
SCHEDULE_PAGE_SIZE = 50


def _filter(request: HttpRequest) -> tuple[CommCellFilterForm, int | None]:
    form = CommCellFilterForm(request.GET or None)
    return form, form.commcell_id() if request.GET.get("commcell") else None


def _page(request: HttpRequest, items: Any, size: int):
    return Paginator(items, size).get_page(request.GET.get("page"))


class OptimizerView(ViewerRequiredMixin, View):
    """Rules grouped by intent, with the recommended change and what it frees."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form, commcell_id = _filter(request)
        now = timezone.now()
        page = _page(request, rules_to_review(commcell_id), OPTIMIZER_PAGE_SIZE)
        reviews = [review_rule(rule, now) for rule in page.object_list]
        logger.info(
            "optimizer request %s: %d rules reviewed",
            getattr(request, "request_id", ""),
            len(reviews),
        )
        return render(
            request,
            "retention/tools/optimizer.html",
            {
                "form": form,
                "page_obj": page,
                "groups": group_reviews(reviews),
                "group_labels": GROUP_LABELS,
                "now": now,
            },
        )


class ReclamationView(ViewerRequiredMixin, View):
    """Per pool: aged data not yet freed, eligible data and a timeline by day."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form, commcell_id = _filter(request)
        now = timezone.now()
        page = _page(request, pools_to_forecast(commcell_id), RECLAMATION_PAGE_SIZE)
        forecasts = [forecast_pool(pool, now) for pool in page.object_list]
        return render(
            request,
            "retention/tools/reclamation.html",
            {"form": form, "page_obj": page, "forecasts": forecasts, "now": now},
        )


class DedupView(ViewerRequiredMixin, View):
    """Dedup pools, their savings and the jobs extended retention keeps on disk."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form, commcell_id = _filter(request)
        now = timezone.now()
        pools = []
        for pool in pools_to_forecast(commcell_id):
            result = analyze_pool(pool, now)
            if result is not None:
                pools.append(result)
        return render(
            request,
            "retention/tools/dedup.html",
            {"form": form, "pools": pools, "now": now},
        )


class ScheduleView(ViewerRequiredMixin, View):
    """Full cadence, weekday and hour of fulls, overdue chains and the aging run."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form, commcell_id = _filter(request)
        now = timezone.now()
        schedules = analyze_schedules(now, commcell_id)
        return render(
            request,
            "retention/tools/schedules.html",
            {
                "form": form,
                "page_obj": _page(request, schedules, SCHEDULE_PAGE_SIZE),
                "weekdays": WEEKDAYS,
                "now": now,
            },
        )


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
    """Run the checker on a valid form: the analysis, and the change when one is set."""
    request = form.checker_request()
    now = timezone.now()
    interval = request.full_interval_days
    interval_source = "typed"
    policy_id = request.storage_policy_id
    if interval is None and policy_id is not None:
        interval = policy_full_interval(policy_id, request.retention, now)
        interval_source = "measured from the plan's jobs"

    result: dict[str, Any] = {
        "checked": request,
        "interval": interval,
        "interval_source": interval_source if interval is not None else "unknown",
        "analysis": analyze(request.retention, interval),
    }
    if request.change is not None:
        chains = None
        if policy_id is not None:
            chains = partial(iter_policy_chains, policy_id)
        result["outcome"] = try_change(
            request.retention, request.change, interval, now, chains=chains
        )
    return result
