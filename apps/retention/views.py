"""Retention pages: the rule dashboard, effective retention, the cycle and backup
success analyzers, the job retention page and the plan page.

The analyzer pages read the rows that the nightly analysis stored. Only the backup
success counts are aggregated per request, in one SQL query.
"""

import logging
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import View
from django_htmx.http import HttpResponseClientRedirect

from apps.commcell.models import Job, Plan
from apps.core.permissions import ViewerRequiredMixin

from .analysis import (
    DELAY_FLAG_PERCENT,
    FULL_SUCCESS_TARGET_PERCENT,
    SUCCESS_WINDOW_DAYS,
    compared_job_count,
    delay_percent,
    open_cycle_sentence,
)
from .assumptions import engine_settings, settings_for
from .backup_success import blocked_plans, success_rows, with_blocked_chains
from .filters import (
    COPY_SORTS,
    CYCLE_SORTS,
    BackupSuccessForm,
    CopyRetentionFilterSet,
    CycleAnalyzerFilterSet,
    RetentionRuleFilterSet,
    filter_by_copy_kind,
)
from .job_retention import job_retention
from .models import (
    CopyRetentionSummary,
    FullBackupSuccess,
    RetentionRule,
    RetentionSettings,
)
from .plan_detail import (
    plan_clients,
    plan_copies,
    plan_findings,
    plan_pools,
    waiting_jobs,
)
from .summary import (
    copy_rules,
    copy_summaries,
    cycle_row,
    effective_sentence,
    open_chains,
    rules_for_display,
    settings_in_use,
    summarize,
)

logger = logging.getLogger(__name__)

PAGE_SIZE = 50


class RetentionDashboardView(ViewerRequiredMixin, View):
    """Serve the page, the results fragment for htmx, or the chart data as JSON.

    Counts, charts and table all follow the filters. An htmx request that is neither
    boosted nor a history restore gets the results fragment (errors, counts, charts and
    table) without the filter form. `?format=json` returns the chart data alone.
    """

    page_template = "retention/dashboard.html"
    fragment_template = "retention/partials/results.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        filterset = RetentionRuleFilterSet(request.GET, queryset=rules_for_display())
        valid = filterset.is_valid()
        rules = filterset.qs if valid else RetentionRule.objects.none()
        summary = summarize(rules)

        if request.GET.get("format") == "json":
            return _json_response(filterset, valid, summary)

        if not valid:
            logger.debug(
                "retention dashboard request %s: invalid filters %s",
                getattr(request, "request_id", ""),
                filterset.errors.as_json(),
            )

        paginator = Paginator(rules, PAGE_SIZE)
        # The summary already counted the filtered rules, so skip the COUNT query.
        paginator.count = summary["total"]
        context = {
            "filterset": filterset,
            "form": filterset.form,
            "filter_errors": _filter_errors(filterset),
            "page_obj": paginator.get_page(request.GET.get("page")),
            "summary": summary,
            "nothing_collected": summary["total"] == 0
            and not filterset.has_active_filters,
        }
        if _wants_fragment(request):
            return render(request, self.fragment_template, context)
        return render(request, self.page_template, context)

    def handle_no_permission(self) -> HttpResponse:
        """Send htmx requests of an expired session to the login page as a whole.

        Otherwise htmx would follow the redirect and put the login page into the
        results area.
        """
        response = super().handle_no_permission()
        if getattr(self.request, "htmx", False) and isinstance(
            response, HttpResponseRedirect
        ):
            return HttpResponseClientRedirect(response.url)
        return response


def _wants_fragment(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.boosted and not htmx.history_restore_request


def _json_response(
    filterset: RetentionRuleFilterSet, valid: bool, summary: dict[str, Any]
) -> JsonResponse:
    if not valid:
        return JsonResponse({"errors": _filter_errors(filterset)}, status=400)
    return JsonResponse(summary)


def _filter_errors(filterset: RetentionRuleFilterSet) -> list[str]:
    """Format each filter error with the filter's label and the value it rejected."""
    messages = []
    form = filterset.form
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = field.label if field is not None else "Filters"
        values = filterset.data.getlist(name) if name in form.fields else []
        submitted = ", ".join(values)
        prefix = f'{label} "{submitted}"' if submitted else label
        messages.extend(f"{prefix}: {error}" for error in errors)
    return messages


class FilteredPageMixin(ViewerRequiredMixin):
    """A page whose filter form swaps only its results region on htmx requests."""

    page_template = ""
    fragment_template = ""

    def respond(self, request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
        template = (
            self.fragment_template if _wants_fragment(request) else self.page_template
        )
        return render(request, template, context)

    def handle_no_permission(self) -> HttpResponse:
        response = super().handle_no_permission()
        if getattr(self.request, "htmx", False) and isinstance(
            response, HttpResponseRedirect
        ):
            return HttpResponseClientRedirect(response.url)
        return response


class CopyRetentionListView(FilteredPageMixin, View):
    """Configured retention, measured cadence and effective retention of each copy."""

    page_template = "retention/copy_list.html"
    fragment_template = "retention/partials/copy_results.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        queryset = copy_rules().order_by(*COPY_SORTS["plan"], "pk")
        filterset = CopyRetentionFilterSet(request.GET, queryset=queryset)
        valid = filterset.is_valid()
        rules = filterset.qs if valid else RetentionRule.objects.none()

        page_obj = Paginator(rules, ANALYZER_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        settings: dict[int, RetentionSettings] = {}
        context = {
            "form": filterset.form,
            "filter_errors": _filter_errors(filterset),
            "page_obj": page_obj,
            "rows": [
                copy_row(rule, commcell_settings(rule.commcell_id, settings))
                for rule in page_obj
            ],
            "settings_in_use": settings_in_use(
                _filtered_commcell(filterset), timezone.now()
            ),
            "computed_at": _computed_at(),
        }
        return self.respond(request, context)


class CycleAnalyzerView(FilteredPageMixin, View):
    """Cycle completion analyzer: effective retention per plan copy and open cycles."""

    page_template = "retention/cycle_analyzer.html"
    fragment_template = "retention/partials/cycle_results.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        queryset = copy_summaries().order_by(*CYCLE_SORTS["delay"], "pk")
        filterset = CycleAnalyzerFilterSet(request.GET, queryset=queryset)
        valid = filterset.is_valid()
        summaries = filterset.qs if valid else CopyRetentionSummary.objects.none()

        page_obj = Paginator(summaries, ANALYZER_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        chains = open_chains()
        if valid and filterset.form.cleaned_data.get("commcell"):
            chains = chains.filter(commcell=filterset.form.cleaned_data["commcell"])
        if valid and filterset.form.cleaned_data.get("plan_name"):
            chains = chains.filter(
                storage_policy__plans__name__icontains=filterset.form.cleaned_data[
                    "plan_name"
                ]
            ).distinct()
        if valid and filterset.form.cleaned_data.get("copy_name"):
            chains = chains.filter(
                copy__name__icontains=filterset.form.cleaned_data["copy_name"]
            )
        if valid and filterset.form.cleaned_data.get("copy_kind"):
            chains = filter_by_copy_kind(
                chains, filterset.form.cleaned_data["copy_kind"]
            )
        context = {
            "form": filterset.form,
            "filter_errors": _filter_errors(filterset),
            "page_obj": page_obj,
            "rows": [cycle_row(summary) for summary in page_obj],
            "open_chains": [
                {"chain": chain, "sentence": open_cycle_sentence(chain)}
                for chain in chains[:OPEN_CHAIN_LIMIT]
            ],
            "open_chain_limit": OPEN_CHAIN_LIMIT,
            "flag_percent": DELAY_FLAG_PERCENT,
            "settings_in_use": settings_in_use(
                _filtered_commcell(filterset), timezone.now()
            ),
            "computed_at": _computed_at(),
        }
        return self.respond(request, context)


class BackupSuccessView(FilteredPageMixin, View):
    """Backup job success analyzer: failed fulls in 30 days per plan and client."""

    page_template = "retention/backup_success.html"
    fragment_template = "retention/partials/success_results.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = BackupSuccessForm(request.GET)
        rows = FullBackupSuccess.objects.none()
        if form.is_valid():
            commcell = form.cleaned_data["commcell"]
            rows = success_rows(
                commcell_ids=[commcell.pk] if commcell else None,
                plan_name=form.cleaned_data["plan_name"],
                flagged_only=form.cleaned_data["flagged"],
            )
        page_obj = Paginator(rows, ANALYZER_PAGE_SIZE).get_page(request.GET.get("page"))
        commcell = form.cleaned_data["commcell"] if form.is_valid() else None
        context = {
            "form": form,
            "filter_errors": _form_errors(form),
            "page_obj": page_obj,
            "rows": with_blocked_chains(list(page_obj)),
            "blocked_plans": blocked_plans(rows),
            "target_percent": FULL_SUCCESS_TARGET_PERCENT,
            "window_days": SUCCESS_WINDOW_DAYS,
            "settings_in_use": settings_in_use(commcell, timezone.now()),
            "computed_at": _computed_at(),
        }
        return self.respond(request, context)


class JobRetentionView(ViewerRequiredMixin, View):
    """One job's retain-until and reason on each copy, beside the CommServe's own."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = get_object_or_404(
            Job.objects.select_related("commcell", "plan", "storage_policy", "client"),
            pk=pk,
        )
        retention = job_retention(job, timezone.now())
        context = {"job": job, "retention": retention, "settings": retention.settings}
        return render(request, "retention/job_detail.html", context)


class PlanDetailView(ViewerRequiredMixin, View):
    """A plan's clients, copies, pools, rules, open findings and jobs waiting to age."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = get_object_or_404(
            Plan.objects.select_related("commcell", "storage_policy"), pk=pk
        )
        try:
            page = int(request.GET.get("page", "1"))
        except ValueError:
            page = 1

        copies = list(plan_copies(plan))
        clients = plan_clients(plan)
        client_ids = [row["client_id"] for row in clients if row["client_id"]]
        context = {
            "plan": plan,
            "clients": clients,
            "copies": copies,
            "pools": plan_pools(plan, copies),
            "findings": plan_findings(plan, copies, client_ids)[:FINDING_LIMIT],
            "finding_limit": FINDING_LIMIT,
            "waiting": waiting_jobs(plan, timezone.now(), page),
            "settings_in_use": settings_in_use(plan.commcell, timezone.now()),
            # Dates of the waiting jobs read in CommServe time, as on the job page.
            "engine": engine_settings(settings_for(plan.commcell), plan.commcell),
        }
        return render(request, "retention/plan_detail.html", context)


# Rows per page of the analyzer pages, and the open chains and findings a page lists.
# The API pages through all of them.
ANALYZER_PAGE_SIZE = 25
OPEN_CHAIN_LIMIT = 25
FINDING_LIMIT = 50


def commcell_settings(
    commcell_id: int, cache: dict[int, RetentionSettings]
) -> RetentionSettings:
    """Return a CommCell's retention settings, read once per request."""
    if commcell_id not in cache:
        cache[commcell_id] = settings_for(commcell_id)
    return cache[commcell_id]


def copy_row(
    rule: RetentionRule, settings: RetentionSettings | None = None
) -> dict[str, Any]:
    """Describe one copy on the effective retention page.

    Under the CommCell's days-only retention setting the cycles are ignored, so the
    row shows days only whatever the copy's cycles.
    """
    settings = settings or RetentionSettings()
    summary = getattr(rule.copy, "retention_summary", None)
    percent = delay_percent(
        rule.retention_days, summary.effective_retention_days if summary else None
    )
    rule_days_only = rule.cycles_reported and rule.retention_cycles == 0
    return {
        "rule": rule,
        "summary": summary,
        "cycles_when_unknown": settings.cycles_when_unknown,
        "days_only_setting": settings.days_only_retention and not rule_days_only,
        "sentence": effective_sentence(
            rule,
            summary,
            days_only=settings.days_only_retention,
            cycles_when_unknown=settings.cycles_when_unknown,
        ),
        "compared_jobs": compared_job_count(summary) if summary else 0,
        "delay_percent": percent,
        "flagged": rule.data_aging_enabled
        and percent is not None
        and percent > DELAY_FLAG_PERCENT,
    }


def _filtered_commcell(filterset: Any) -> Any:
    """Return the CommCell a valid filter form selects, or None."""
    if not filterset.is_valid():
        return None
    return filterset.form.cleaned_data.get("commcell")


def _computed_at() -> Any:
    return CopyRetentionSummary.objects.aggregate(latest=Max("computed_at"))["latest"]


def _form_errors(form: Any) -> list[str]:
    messages = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = field.label if field is not None else "Filters"
        value = form.data.get(name, "")
        prefix = f'{label} "{value}"' if value else label
        messages.extend(f"{prefix}: {error}" for error in errors)
    return messages
