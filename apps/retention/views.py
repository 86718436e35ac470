"""The retention dashboard: severity counts, two charts and a filterable rule table."""

import logging
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views import View
from django_htmx.http import HttpResponseClientRedirect

from apps.core.permissions import ViewerRequiredMixin

from .filters import RetentionRuleFilterSet
from .models import RetentionRule
from .summary import rules_for_display, summarize

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
