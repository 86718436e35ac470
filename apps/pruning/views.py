"""The pruning dashboard and the pool timeline: pages, htmx fragments and JSON."""

import logging
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import View
from django_htmx.http import HttpResponseClientRedirect

from apps.commcell.models import CommCell
from apps.core.permissions import ViewerRequiredMixin
from apps.storage.models import StoragePool

from . import analysis
from .timeline import DEFAULT_RANGE_DAYS, RANGE_DAYS, pool_timeline, time_range

logger = logging.getLogger(__name__)


class CommCellForm(forms.Form):
    commcell = forms.ModelChoiceField(
        queryset=CommCell.objects.order_by("name"),
        required=False,
        empty_label=None,
        label="CommCell",
    )


class RangeForm(forms.Form):
    days = forms.TypedChoiceField(
        choices=[
            (days, f"{days} days" if days > 1 else "1 day") for days in RANGE_DAYS
        ],
        coerce=int,
        required=False,
        empty_value=DEFAULT_RANGE_DAYS,
        label="Time range",
    )


class HtmxPageMixin(ViewerRequiredMixin):
    """Send htmx requests of an expired session to the login page as a whole."""

    def handle_no_permission(self) -> HttpResponse:
        response = super().handle_no_permission()
        if getattr(self.request, "htmx", False) and isinstance(
            response, HttpResponseRedirect
        ):
            return HttpResponseClientRedirect(response.url)
        return response


def wants_fragment(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.boosted and not htmx.history_restore_request


def form_errors(form: forms.Form) -> list[str]:
    """Format each error with the field's label and the value it rejected."""
    messages = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = field.label if field is not None else "Request"
        value = form.data.get(name, "")
        messages.extend(f'{label} "{value}": {error}' for error in errors)
    return messages


class PruningDashboardView(HtmxPageMixin, View):
    """Serve the pruning dashboard of one CommCell; `?format=json` returns its data."""

    page_template = "pruning/dashboard.html"
    fragment_template = "pruning/partials/dashboard_results.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = CommCellForm(request.GET)
        if not form.is_valid():
            errors = form_errors(form)
            logger.debug(
                "pruning dashboard request %s: invalid %s",
                getattr(request, "request_id", ""),
                errors,
            )
            if request.GET.get("format") == "json":
                return JsonResponse({"errors": errors}, status=400)
            context = {"form": form, "errors": errors, "summary": None}
            return render(request, self.page_template, context, status=400)

        commcell = (
            form.cleaned_data["commcell"] or CommCell.objects.order_by("name").first()
        )
        summary = analysis.summarize(commcell, timezone.now()) if commcell else None
        if request.GET.get("format") == "json":
            return JsonResponse({"summary": summary})

        context: dict[str, Any] = {
            "form": form,
            "errors": [],
            "summary": summary,
            "commcell": commcell,
        }
        if wants_fragment(request):
            return render(request, self.fragment_template, context)
        return render(request, self.page_template, context)


class PoolTimelineView(HtmxPageMixin, View):
    """Serve one pool's timeline; `?days=` picks the range, `?format=json` the data."""

    page_template = "pruning/pool_timeline.html"
    fragment_template = "pruning/partials/timeline_results.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        pool = get_object_or_404(StoragePool.objects.select_related("commcell"), pk=pk)
        form = RangeForm(request.GET)
        if not form.is_valid():
            errors = form_errors(form)
            if request.GET.get("format") == "json":
                return JsonResponse({"errors": errors}, status=400)
            context = {"pool": pool, "form": form, "errors": errors, "timeline": None}
            return render(request, self.page_template, context, status=400)

        window = time_range(form.cleaned_data["days"], timezone.now())
        timeline = pool_timeline(pool, window)
        if request.GET.get("format") == "json":
            return JsonResponse(timeline)

        context = {"pool": pool, "form": form, "errors": [], "timeline": timeline}
        if wants_fragment(request):
            return render(request, self.fragment_template, context)
        return render(request, self.page_template, context)
