"""Read API of the retention tools, and the checker's POST that stores nothing.

Each read endpoint returns the results the analysis stored, the same figures as its
page, as JSON. Byte counts are integers, days are floats, and dates are ISO 8601.
``computed_at`` is the oldest analysis time of the selection, or null when nothing
is stored yet.
"""

import logging
from dataclasses import asdict
from typing import Any

from django.core.paginator import Paginator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.permissions import IsViewer

from .forms_tools import CommCellFilterForm, RetentionCheckerForm
from .models import ToolResult
from .tool_views import check_rule
from .tools.store import computed_range, group_stored_reviews, stored_results

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100

FILTER_PARAMETERS = [
    OpenApiParameter("commcell", int, description="Limit to one CommCell (its id)."),
]
PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number, from 1."),
    OpenApiParameter(
        "page_size", int, description=f"Items per page, 1 to {MAX_PAGE_SIZE}."
    ),
]


class ToolInputError(Exception):
    """A query parameter of a tool endpoint is invalid."""


def _commcell_id(request: Request) -> int | None:
    if not request.query_params.get("commcell"):
        return None
    form = CommCellFilterForm(request.query_params)
    if not form.is_valid():
        raise ToolInputError(form.errors["commcell"][0])
    return form.cleaned_data["commcell"].pk


def _page_size(request: Request, default: int) -> int:
    value = request.query_params.get("page_size", "")
    if not value:
        return default
    try:
        size = int(value)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ToolInputError(
            f"page_size {value!r} is invalid: enter a whole number from 1 to "
            f"{MAX_PAGE_SIZE}."
        )
    return size


def _paged(request: Request, items: Any, default_size: int):
    paginator = Paginator(items, _page_size(request, default_size))
    page = paginator.get_page(request.query_params.get("page"))
    meta = {
        "count": paginator.count,
        "page": page.number,
        "num_pages": paginator.num_pages,
    }
    return page, meta


def _bad_request(error: ToolInputError) -> Response:
    return Response({"errors": [str(error)]}, status=400)


def _stored(request: Request, tool: str, default_size: int) -> Response:
    """Return one page of a tool's stored results with the paging fields."""
    try:
        commcell_id = _commcell_id(request)
        page, meta = _paged(request, stored_results(tool, commcell_id), default_size)
    except ToolInputError as error:
        return _bad_request(error)
    computed = computed_range(commcell_id)
    results = [row.data for row in page.object_list]
    return Response({**meta, "computed_at": computed["oldest"], "results": results})


class OptimizerAPIView(APIView):
    """Rules grouped by intent with recommended changes and their impact."""

    permission_classes = [IsViewer]

    @extend_schema(
        parameters=FILTER_PARAMETERS + PAGE_PARAMETERS, responses=OpenApiTypes.OBJECT
    )
    def get(self, request: Request) -> Response:
        response = _stored(request, ToolResult.Tool.OPTIMIZER, 20)
        if response.status_code == 200:
            response.data["groups"] = group_stored_reviews(response.data.pop("results"))
        return response


class ReclamationAPIView(APIView):
    """Per pool: aged data not yet freed, eligible data and a timeline by day."""

    permission_classes = [IsViewer]

    @extend_schema(
        parameters=FILTER_PARAMETERS + PAGE_PARAMETERS, responses=OpenApiTypes.OBJECT
    )
    def get(self, request: Request) -> Response:
        return _stored(request, ToolResult.Tool.RECLAMATION, 10)


class DedupAPIView(APIView):
    """Dedup pools, their savings, and what extended retention holds back."""

    permission_classes = [IsViewer]

    @extend_schema(
        parameters=FILTER_PARAMETERS + PAGE_PARAMETERS, responses=OpenApiTypes.OBJECT
    )
    def get(self, request: Request) -> Response:
        return _stored(request, ToolResult.Tool.DEDUP, 20)


class ScheduleAPIView(APIView):
    """Full cadence and timing per storage policy, measured from job history."""

    permission_classes = [IsViewer]

    @extend_schema(
        parameters=FILTER_PARAMETERS + PAGE_PARAMETERS, responses=OpenApiTypes.OBJECT
    )
    def get(self, request: Request) -> Response:
        return _stored(request, ToolResult.Tool.SCHEDULES, 50)


CHECKER_REQUEST = inline_serializer(
    "RetentionCheckerRequest",
    {
        "plan": serializers.IntegerField(required=False, help_text="Plan id."),
        "days": serializers.IntegerField(
            required=False, help_text="Retention days; -1 is infinite."
        ),
        "cycles": serializers.IntegerField(
            required=False, help_text="Retention cycles, 0 to 100; 0 is days only."
        ),
        "days_only": serializers.BooleanField(required=False),
        "extended_kind": serializers.CharField(
            required=False, help_text='Extended rule period, for example "month".'
        ),
        "extended_days": serializers.IntegerField(
            required=False, help_text="Days the extended rule keeps; -1 is forever."
        ),
        "full_interval_days": serializers.FloatField(
            required=False, help_text="Days between fulls; empty measures it."
        ),
        "change_days": serializers.IntegerField(required=False),
        "change_cycles": serializers.IntegerField(required=False),
        "change_days_only": serializers.BooleanField(required=False),
        "change_extended_off": serializers.BooleanField(required=False),
    },
)


class RetentionCheckerAPIView(APIView):
    """Analyse a plan's or a typed rule and a change; stores and sends nothing."""

    permission_classes = [IsViewer]

    @extend_schema(request=CHECKER_REQUEST, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request) -> Response:
        data = request.data if hasattr(request.data, "get") else {}
        form = RetentionCheckerForm(
            {key: "" if value is None else value for key, value in data.items()}
        )
        if not form.is_valid():
            return Response({"errors": form.errors.get_json_data()}, status=400)
        result = check_rule(form)
        checked = result["checked"]
        body = {
            "plan": checked.plan_name,
            "full_interval_days": result["interval"],
            "interval_source": result["interval_source"],
            "assumptions": result["assumptions"],
            "analysis": asdict(result["analysis"]),
            "change": None,
        }
        if "outcome" in result:
            body["change"] = asdict(result["outcome"])
        logger.info(
            "retention checker API request %s: plan %r, change %s",
            getattr(request, "request_id", ""),
            checked.plan_name,
            body["change"]["change"] if body["change"] else "none",
        )
        return Response(body)
