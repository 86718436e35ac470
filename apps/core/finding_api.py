"""API of findings, their summary, and analysis runs (listing and starting them)."""

import logging
from typing import Any

import django_filters
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from apps.commcell.models import CommCell

from . import tasks
from .analysis import AnalysisAlreadyRunning
from .api import IdFilter, NewestFirstCursorPagination
from .finding_filters import FindingFilterSet
from .finding_summary import summarize
from .models import AnalysisRun, Finding
from .severity import Severity

logger = logging.getLogger(__name__)


class FindingCommCellSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class FindingSerializer(serializers.ModelSerializer):
    commcell = FindingCommCellSerializer(read_only=True)
    last_run = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "commcell",
            "code",
            "severity",
            "subject_type",
            "subject_id",
            "subject_name",
            "title",
            "recommendation",
            "evidence",
            "first_seen_at",
            "last_seen_at",
            "resolved_at",
            "analyzer",
            "last_run",
        ]
        extra_kwargs = {
            "subject_id": {
                "help_text": "Primary key of the subject's row; null for the CommCell."
            },
            "resolved_at": {"help_text": "Null while the finding is open."},
        }


class FindingSeverityCountSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class FindingCodeCountSerializer(serializers.Serializer):
    code = serializers.CharField()
    count = serializers.IntegerField()


class FindingSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Findings that match the filters.")
    severities = FindingSeverityCountSerializer(
        many=True, help_text="Findings per severity, most severe first."
    )
    codes = FindingCodeCountSerializer(
        many=True, help_text="The 20 codes with the most findings."
    )


class AnalysisRunSerializer(serializers.ModelSerializer):
    commcell = FindingCommCellSerializer(read_only=True)
    requested_by = serializers.SlugRelatedField(read_only=True, slug_field="username")

    class Meta:
        model = AnalysisRun
        fields = [
            "id",
            "commcell",
            "trigger",
            "status",
            "requested_by",
            "sync_run",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "analyzed_at",
            "counts",
            "errors",
        ]
        read_only_fields = fields


class StartAnalysisSerializer(serializers.Serializer):
    commcell = serializers.PrimaryKeyRelatedField(
        queryset=CommCell.objects.all(), help_text="Id of the CommCell to analyze."
    )


class AnalysisRunFilterSet(django_filters.FilterSet):
    commcell = IdFilter(field_name="commcell_id")

    class Meta:
        model = AnalysisRun
        fields = ["status", "trigger"]


@extend_schema_view(
    list=extend_schema(
        summary="List findings, newest first",
        description="Without `state` only open findings are listed. Pages use a "
        "cursor and carry no total; /api/findings/summary/ counts them.",
    ),
    retrieve=extend_schema(summary="Read one finding"),
)
class FindingViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FindingSerializer
    filterset_class = FindingFilterSet
    filter_backends = [DjangoFilterBackend]
    pagination_class = NewestFirstCursorPagination

    def get_queryset(self) -> QuerySet[Finding]:
        return Finding.objects.select_related("commcell")


class FindingSummaryView(GenericAPIView):
    """Counts per severity and the most frequent codes, after the filters."""

    filterset_class = FindingFilterSet
    filter_backends = [DjangoFilterBackend]
    serializer_class = FindingSummarySerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Finding]:
        return Finding.objects.all()

    @extend_schema(summary="Count findings by severity and code", filters=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        findings = self.filter_queryset(self.get_queryset())
        return Response(self.get_serializer(summarize(findings)).data)


@extend_schema_view(
    list=extend_schema(summary="List analysis runs, newest first"),
    retrieve=extend_schema(summary="Read one analysis run"),
    create=extend_schema(
        summary="Start an analysis of one CommCell",
        request=StartAnalysisSerializer,
        responses={
            202: AnalysisRunSerializer,
            409: OpenApiResponse(
                description="Another analysis of this CommCell is queued or running."
            ),
        },
    ),
)
class AnalysisRunViewSet(
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Analysis runs; POST queues a run (admins only) and returns it with 202."""

    serializer_class = AnalysisRunSerializer
    filterset_class = AnalysisRunFilterSet
    filter_backends = [DjangoFilterBackend]
    pagination_class = NewestFirstCursorPagination

    def get_queryset(self) -> QuerySet[AnalysisRun]:
        return AnalysisRun.objects.select_related("commcell", "requested_by")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = StartAnalysisSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        commcell = form.validated_data["commcell"]
        try:
            run = tasks.enqueue_analysis(
                commcell,
                requested_by=request.user,
                request_id=getattr(request, "request_id", ""),
            )
        except AnalysisAlreadyRunning as exc:
            active = exc.active_run.pk if exc.active_run else None
            logger.info(
                "CommCell %s (id %s): analysis request by %s rejected: run %s active",
                commcell.name,
                commcell.pk,
                request.user.username,
                active,
            )
            return Response(
                {"detail": str(exc), "active_run": active},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)
