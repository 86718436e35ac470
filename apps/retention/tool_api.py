"""Read API of the retention tools, and the checker's POST that stores nothing.

Each read endpoint returns the results the analysis stored, the same figures as its
page, as JSON. Byte counts are integers, days are floats, and dates are ISO 8601.
``computed_at`` is the oldest analysis time of the selection, or null when nothing
is stored yet.
"""

import logging
from dataclasses import asdict

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.pagination import StandardPagination
from apps.core.permissions import IsViewer

from .forms_tools import CommCellFilterForm, RetentionCheckerForm
from .models import ToolResult
from .tool_views import check_rule
from .tools.store import computed_range, group_stored_reviews, stored_results

logger = logging.getLogger(__name__)

FILTER_PARAMETERS = [
    OpenApiParameter("commcell", int, description="Limit to one CommCell (its id)."),
]
PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number, from 1, or last."),
    OpenApiParameter(
        "page_size",
        int,
        description=f"Items per page, 1 to {StandardPagination.max_page_size}.",
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


class StoredToolView(GenericAPIView):
    """One page of a tool's stored results, in the order the analysis stored them.

    Paging goes through `StandardPagination`, so `page`, `page_size` and `ordering`
    are checked as on every other list. The list has a fixed order, and a page past
    the last one is not found.
    """

    permission_classes = [IsViewer]
    filter_backends: list = []
    tool: str
    default_page_size: int

    @extend_schema(
        parameters=FILTER_PARAMETERS + PAGE_PARAMETERS, responses=OpenApiTypes.OBJECT
    )
    def get(self, request: Request) -> Response:
        try:
            commcell_id = _commcell_id(request)
        except ToolInputError as error:
            return Response({"errors": [str(error)]}, status=400)

        self.paginator.page_size = self.default_page_size
        rows = self.paginate_queryset(stored_results(self.tool, commcell_id))
        paginator = self.paginator.page.paginator
        body = {
            "count": paginator.count,
            "page": self.paginator.page.number,
            "num_pages": paginator.num_pages,
            "computed_at": computed_range(commcell_id)["oldest"],
            **self.shape_results([row.data for row in rows]),
        }
        return Response(body)

    def shape_results(self, results: list[dict]) -> dict[str, list]:
        """Return the page's stored rows under the key of the response body."""
        return {"results": results}


class OptimizerAPIView(StoredToolView):
    """Rules grouped by intent with recommended changes and their impact."""

    tool = ToolResult.Tool.OPTIMIZER
    default_page_size = 20

    def shape_results(self, results: list[dict]) -> dict[str, list]:
        return {"groups": group_stored_reviews(results)}


class ReclamationAPIView(StoredToolView):
    """Per pool: aged data not yet freed, eligible data and a timeline by day."""

    tool = ToolResult.Tool.RECLAMATION
    default_page_size = 10


class DedupAPIView(StoredToolView):
    """Dedup pools, their savings, and what extended retention holds back."""

    tool = ToolResult.Tool.DEDUP
    default_page_size = 20


class ScheduleAPIView(StoredToolView):
    """Full cadence and timing per storage policy, measured from job history."""

    tool = ToolResult.Tool.SCHEDULES
    default_page_size = 50


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
