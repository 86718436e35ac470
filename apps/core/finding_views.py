"""The findings pages: the filterable list, one finding, and the analysis runs."""

import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from apps.commcell.models import CommCell

from . import tasks
from .analysis import AnalysisAlreadyRunning
from .finding_filters import FindingFilterSet
from .finding_summary import findings_for_display, summarize
from .models import AnalysisRun, Finding
from .permissions import ViewerRequiredMixin, admin_required, viewer_required
from .roles import is_admin

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
RUNS_PER_PAGE = 50


class FindingListView(ViewerRequiredMixin, View):
    """Serve the findings page, or only its results fragment to an htmx request.

    Counts and table follow the filters. Without a state filter only open findings
    are listed.
    """

    page_template = "core/findings/list.html"
    fragment_template = "core/findings/partials/results.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        filterset = FindingFilterSet(request.GET, queryset=findings_for_display())
        valid = filterset.is_valid()
        findings = filterset.qs if valid else Finding.objects.none()
        summary = summarize(findings)

        if not valid:
            logger.debug(
                "findings request %s: invalid filters %s",
                getattr(request, "request_id", ""),
                filterset.errors.as_json(),
            )

        paginator = Paginator(findings, PAGE_SIZE)
        # The summary already counted the filtered findings, so skip the COUNT query.
        paginator.count = summary["total"]
        context = {
            "form": filterset.form,
            "filter_errors": filter_errors(filterset),
            "page_obj": paginator.get_page(request.GET.get("page")),
            "summary": summary,
            "nothing_analyzed": not Finding.objects.exists()
            and not AnalysisRun.objects.exists(),
        }
        if wants_fragment(request):
            return render(request, self.fragment_template, context)
        return render(request, self.page_template, context)

    def handle_no_permission(self) -> HttpResponse:
        """Send htmx requests of an expired session to the login page as a whole."""
        response = super().handle_no_permission()
        if getattr(self.request, "htmx", False) and isinstance(
            response, HttpResponseRedirect
        ):
            return HttpResponseClientRedirect(response.url)
        return response


@require_GET
@viewer_required
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(
        Finding.objects.select_related("commcell", "last_run"), pk=pk
    )
    # Earlier and later periods of the same problem on the same subject.
    periods = (
        Finding.objects.filter(
            commcell=finding.commcell_id,
            code=finding.code,
            subject_type=finding.subject_type,
            subject_id=finding.subject_id,
        )
        .exclude(pk=finding.pk)
        .order_by("-first_seen_at")
    )
    context = {"finding": finding, "periods": periods}
    return render(request, "core/findings/detail.html", context)


@require_GET
@viewer_required
def analysis_run_list(request: HttpRequest) -> HttpResponse:
    runs = AnalysisRun.objects.select_related("commcell", "requested_by", "sync_run")
    commcell_id = _int_or_none(request.GET.get("commcell"))
    if commcell_id is not None:
        runs = runs.filter(commcell_id=commcell_id)
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))

    context = {
        "page": page,
        "commcells": CommCell.objects.only("id", "name").order_by("name"),
        "selected_commcell": commcell_id,
        "can_analyze": is_admin(request.user),
    }
    return render(request, "core/analysis_runs.html", context)


@require_POST
@admin_required
def start_analysis(request: HttpRequest) -> HttpResponse:
    """Queue an analysis of one CommCell now; the queueing writes an audit row."""
    commcell_id = _int_or_none(request.POST.get("commcell"))
    commcell = CommCell.objects.filter(pk=commcell_id).first() if commcell_id else None
    if commcell is None:
        messages.error(
            request,
            f"CommCell {request.POST.get('commcell', '')!r} not found. Choose a "
            "CommCell from the list and start the analysis again.",
        )
        return redirect("core:analysisrun-list")

    try:
        run = tasks.enqueue_analysis(
            commcell,
            requested_by=request.user,
            request_id=getattr(request, "request_id", ""),
        )
    except AnalysisAlreadyRunning as exc:
        messages.warning(request, str(exc))
        return redirect("core:analysisrun-list")

    messages.success(request, f"Analysis of {commcell.name} queued as run {run.pk}.")
    return redirect("core:analysisrun-list")


def wants_fragment(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.boosted and not htmx.history_restore_request


def filter_errors(filterset: FindingFilterSet) -> list[str]:
    """Format each filter error with the filter's label and the value it rejected."""
    result = []
    form = filterset.form
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = field.label if field is not None else "Filters"
        values = filterset.data.getlist(name) if name in form.fields else []
        submitted = ", ".join(values)
        prefix = f'{label} "{submitted}"' if submitted else label
        result.extend(f"{prefix}: {error}" for error in errors)
    return result


def _int_or_none(value: str | None) -> int | None:
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    if number is not None and not 0 < number < 2**63:
        return None
    return number
