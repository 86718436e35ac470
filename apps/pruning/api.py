"""REST API of DDB stores and their history, data aging runs, pruning thresholds,
the pruning summary and the pool timeline."""

import logging
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.commcell.api import INVENTORY_FIELDS, INVENTORY_ORDERING, InventorySerializer
from apps.commcell.models import CommCell
from apps.core import audit
from apps.storage.models import StoragePool

from . import analysis, filters
from .models import (
    DataAgingRun,
    DDBPartition,
    DDBStore,
    DDBStoreSnapshot,
    PruningThresholds,
)
from .timeline import DEFAULT_RANGE_DAYS, RANGE_DAYS, pool_timeline, time_range

logger = logging.getLogger(__name__)


class DDBPartitionSerializer(serializers.ModelSerializer):
    media_agent_name = serializers.SerializerMethodField(
        help_text="Name of the hosting MediaAgent: the collected MediaAgent's name, "
        "else the name the CommServe reported with the partition."
    )

    class Meta:
        model = DDBPartition
        fields = ("id", "cv_id", "path", "status", "media_agent", "media_agent_name")

    def get_media_agent_name(self, partition: DDBPartition) -> str:
        if partition.media_agent is not None:
            return partition.media_agent.name
        return partition.media_agent_name


class DDBStoreSerializer(InventorySerializer):
    sealed = serializers.BooleanField(read_only=True)
    partitions = DDBPartitionSerializer(many=True, read_only=True)

    class Meta:
        model = DDBStore
        fields = (
            *INVENTORY_FIELDS,
            "storage_policy_cv_id",
            "storage_policy_name",
            "copy_cv_id",
            "copy_name",
            "sealed",
            "sealed_at",
            "status",
            "ddb_version",
            "store_flags",
            "pruning_enabled",
            "primary_records",
            "free_disk_space_mb",
            "pending_deletes",
            "partitions_offline",
            "last_backup_at",
            "partitions",
        )


def stores_with_partitions() -> QuerySet[DDBStore]:
    partitions = DDBPartition.objects.select_related("media_agent").order_by("cv_id")
    return DDBStore.objects.select_related("commcell").prefetch_related(
        Prefetch("partitions", queryset=partitions)
    )


class DDBStoreViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DDBStoreSerializer
    filterset_class = filters.DDBStoreFilterSet
    ordering_fields = [*INVENTORY_ORDERING, "sealed_at", "primary_records"]
    ordering = ["name", "id"]

    def get_queryset(self) -> QuerySet[DDBStore]:
        return stores_with_partitions()


class DDBStoreSnapshotSerializer(serializers.ModelSerializer):
    store_name = serializers.CharField(source="store.name", read_only=True)

    class Meta:
        model = DDBStoreSnapshot
        fields = (
            "id",
            "store",
            "store_name",
            "collected_at",
            "pending_deletes",
            "primary_records",
            "free_disk_space_mb",
            "sealed",
            "pruning_enabled",
            "partitions_offline",
            "last_backup_at",
        )
        extra_kwargs = {
            "pending_deletes": {
                "help_text": "None when the CommServe did not report it."
            }
        }


class DDBStoreSnapshotViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """DDB store figures per collection, oldest first."""

    serializer_class = DDBStoreSnapshotSerializer
    filterset_class = filters.DDBStoreSnapshotFilterSet
    ordering_fields = ["collected_at", "pending_deletes"]
    ordering = ["store_id", "collected_at"]

    def get_queryset(self) -> QuerySet[DDBStoreSnapshot]:
        return DDBStoreSnapshot.objects.select_related("store")


class DataAgingRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataAgingRun
        fields = (
            "id",
            "commcell",
            "job_id",
            "start_time",
            "end_time",
            "status",
            "outcome",
            "jobs_aged",
        )
        extra_kwargs = {
            "jobs_aged": {
                "help_text": "Jobs the run aged, from totalNumOfFiles of the job "
                "summary; null when not reported."
            }
        }


class DataAgingRunViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Data Aging jobs of the CommCells, newest first."""

    serializer_class = DataAgingRunSerializer
    filterset_class = filters.DataAgingRunFilterSet
    ordering_fields = ["start_time", "job_id"]
    ordering = ["-start_time", "-job_id"]
    queryset = DataAgingRun.objects.all()


class PruningThresholdsSerializer(serializers.ModelSerializer):
    class Meta:
        model = PruningThresholds
        fields = (
            "pending_deletes_warning",
            "pending_deletes_critical",
            "no_activity_days",
            "updated_at",
        )
        read_only_fields = ("updated_at",)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance or PruningThresholds()
        warning = attrs.get("pending_deletes_warning", instance.pending_deletes_warning)
        critical = attrs.get(
            "pending_deletes_critical", instance.pending_deletes_critical
        )
        if critical <= warning:
            raise ValidationError(
                {
                    "pending_deletes_critical": (
                        f"The critical value ({critical:,}) must be above the "
                        f"warning value ({warning:,}). Raise it, or lower the "
                        "warning value."
                    )
                }
            )
        return attrs


THRESHOLD_FIELDS = (
    "pending_deletes_warning",
    "pending_deletes_critical",
    "no_activity_days",
)


class PruningThresholdsView(APIView):
    """The pruning thresholds: viewers read them, admins change them."""

    serializer_class = PruningThresholdsSerializer

    @extend_schema(summary="Read the pruning thresholds")
    def get(self, request: Request) -> Response:
        return Response(PruningThresholdsSerializer(PruningThresholds.current()).data)

    @extend_schema(summary="Replace the pruning thresholds")
    def put(self, request: Request) -> Response:
        return self._update(request, partial=False)

    @extend_schema(summary="Change some pruning thresholds")
    def patch(self, request: Request) -> Response:
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        with transaction.atomic():
            current = PruningThresholds.current()
            before = {name: getattr(current, name) for name in THRESHOLD_FIELDS}
            serializer = PruningThresholdsSerializer(
                current, data=request.data, partial=partial
            )
            serializer.is_valid(raise_exception=True)
            saved = serializer.save()
            after = {name: getattr(saved, name) for name in THRESHOLD_FIELDS}
            audit.record(
                actor=request.user,
                action="pruning.thresholds.update",
                obj=saved,
                before=before,
                after=after,
                request_id=getattr(request, "request_id", ""),
            )
        logger.info("pruning thresholds changed by user %s: %s", request.user.pk, after)
        return Response(PruningThresholdsSerializer(saved).data)


class PruningSummaryView(APIView):
    """Everything the pruning dashboard shows for one CommCell."""

    @extend_schema(
        summary="Summarize the pruning health of a CommCell",
        parameters=[
            OpenApiParameter(
                "commcell",
                int,
                description="CommCell id; default the first CommCell by name.",
            )
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("commcell")
        if raw is None:
            commcell = CommCell.objects.order_by("name").first()
            if commcell is None:
                raise NotFound("No CommCell exists yet: add one, then collect it.")
        elif raw.isdigit():
            commcell = get_object_or_404(CommCell, pk=int(raw))
        else:
            raise ValidationError(
                {
                    "commcell": [
                        f"{raw!r} is not a CommCell id: give the id as a number."
                    ]
                }
            )
        return Response(analysis.summarize(commcell, timezone.now()))


class PoolTimelineView(APIView):
    """One storage pool's free space, pruning log events and data aging runs."""

    @extend_schema(
        summary="Read a storage pool's pruning timeline",
        parameters=[
            OpenApiParameter(
                "days",
                int,
                enum=list(RANGE_DAYS),
                description=f"Days back from now; default {DEFAULT_RANGE_DAYS}.",
            )
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, pk: int) -> Response:
        pool = get_object_or_404(StoragePool.objects.select_related("commcell"), pk=pk)
        raw = request.query_params.get("days", str(DEFAULT_RANGE_DAYS))
        if not raw.isdigit() or int(raw) not in RANGE_DAYS:
            allowed = ", ".join(str(days) for days in RANGE_DAYS)
            raise ValidationError(
                {"days": f"{raw!r} is invalid: use one of {allowed}."}
            )
        window = time_range(int(raw), timezone.now())
        return Response(pool_timeline(pool, window))
