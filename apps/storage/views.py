"""Storage pages: the dashboard, a pool's history and forecast, and the predictor.

Each page returns its chart data as JSON for `?format=json`, and the dashboard
returns its results fragment to htmx requests.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import View
from django_htmx.http import HttpResponseClientRedirect

from apps.core.permissions import ViewerRequiredMixin

from . import analysis, forecast, series
from .filters import PoolStatusFilterSet
from .forms import PredictorForm
from .models import StoragePool

logger = logging.getLogger(__name__)

# The projection on the predictor's chart covers at most this many days.
PROJECTION_HORIZON_DAYS = 3 * 365


class HtmxViewerMixin(ViewerRequiredMixin):
    def handle_no_permission(self) -> HttpResponse:
        """Send htmx requests of an expired session to the login page as a whole."""
        response = super().handle_no_permission()
        if getattr(self.request, "htmx", False) and isinstance(
            response, HttpResponseRedirect
        ):
            return HttpResponseClientRedirect(response.url)
        return response


class StorageDashboardView(HtmxViewerMixin, View):
    """Serve the dashboard, its results fragment for htmx, or its data as JSON."""

    page_template = "storage/dashboard.html"
    fragment_template = "storage/partials/dashboard_results.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        thresholds = analysis.Thresholds.load()
        filterset = PoolStatusFilterSet(
            request.GET,
            queryset=analysis.pools_for_dashboard(),
            thresholds=thresholds,
        )
        valid = filterset.is_valid()
        pools = list(filterset.qs) if valid else []
        forecasts = analysis.pool_forecasts(pools, timezone.now())
        summary = analysis.summarize(pools, thresholds, forecasts)
        errors = filter_errors(filterset)

        if request.GET.get("format") == "json":
            if not valid:
                return JsonResponse({"errors": errors}, status=400)
            return JsonResponse(summary)

        context = {
            "form": filterset.form,
            "filter_errors": errors,
            "summary": summary,
            "thresholds": thresholds,
            "method": forecast.METHOD,
            "nothing_collected": summary["count"] == 0
            and not filterset.has_active_filters,
        }
        if wants_fragment(request):
            return render(request, self.fragment_template, context)
        return render(request, self.page_template, context)


class PoolDetailView(HtmxViewerMixin, View):
    """A pool's free-space history, fill rate and days until full."""

    template = "storage/pool_detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        pool = get_object_or_404(StoragePool.objects.select_related("commcell"), pk=pk)
        now = timezone.now()

        if request.GET.get("format") == "json":
            start, error = _history_start(request, now)
            if error:
                return JsonResponse({"errors": [error]}, status=400)
            return JsonResponse(
                {
                    "pool": {"id": pool.pk, "name": pool.name},
                    "history": series.pool_history(pool, start=start),
                }
            )

        thresholds = analysis.Thresholds.load()
        context = {
            "pool": pool,
            "row": analysis.pool_row(pool, thresholds),
            "forecast": analysis.pool_forecast(pool, now),
            "method": forecast.METHOD,
            "feeders": analysis.pool_feeders(pool),
        }
        return render(request, self.template, context)


def _history_start(request: HttpRequest, now: datetime) -> tuple[datetime | None, str]:
    raw = request.GET.get("days")
    if raw in (None, ""):
        return None, ""
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if not 1 <= days <= 3650:
        return None, f'days "{raw}" is invalid: give a whole number from 1 to 3650.'
    return now - timedelta(days=days), ""


class PredictorView(HtmxViewerMixin, View):
    """Project a pool's fill date at its measured rate or at a typed one."""

    template = "storage/predictor.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = PredictorForm(request.GET or None)
        prediction = None
        if form.is_valid():
            prediction = analysis.predict(
                form.cleaned_data["pool"],
                form.cleaned_data["rate_gb_per_day"],
                timezone.now(),
            )

        if request.GET.get("format") == "json":
            if not request.GET.get("pool"):
                message = "Storage pool is missing: add pool=<id> to the query."
                return JsonResponse({"errors": [message]}, status=400)
            if not form.is_valid():
                return JsonResponse({"errors": form_errors(form)}, status=400)
            return JsonResponse(prediction_data(prediction))

        context = {
            "form": form,
            "prediction": prediction,
            "feeders": analysis.pool_feeders(prediction.pool) if prediction else None,
            "chart": prediction_data(prediction) if prediction else None,
            "method": forecast.METHOD,
        }
        return render(request, self.template, context)


def prediction_data(prediction: analysis.Prediction) -> dict[str, Any]:
    """Return the predictor's result as JSON-ready data, sizes in GB."""
    projection = prediction.projection
    return {
        "pool": {"id": prediction.pool.pk, "name": prediction.pool.name},
        "message": prediction.message,
        "rate_source": prediction.rate_source,
        "measured": prediction.measured.as_dict(),
        "rate_gb_per_day": projection.rate_gb_per_day if projection else None,
        "days_until_full": (
            round(projection.days_until_full, 1)
            if projection and projection.days_until_full is not None
            else None
        ),
        "full_on": (
            projection.full_on.isoformat()
            if projection and projection.full_on
            else None
        ),
        "projection": projection.series(PROJECTION_HORIZON_DAYS) if projection else [],
    }


def wants_fragment(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.boosted and not htmx.history_restore_request


def filter_errors(filterset: PoolStatusFilterSet) -> list[str]:
    """Format each filter error with the filter's label and the value it rejected."""
    if filterset.is_valid():
        return []
    return form_errors(filterset.form)


def form_errors(form: Any) -> list[str]:
    messages = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = field.label if field is not None else "Form"
        values = form.data.getlist(name) if field is not None else []
        submitted = ", ".join(values)
        prefix = f'{label} "{submitted}"' if submitted else label
        messages.extend(f"{prefix}: {error}" for error in errors)
    return messages
