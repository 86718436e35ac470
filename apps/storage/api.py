"""REST API for storage pools, MediaAgents, their snapshots, forecasts and settings."""

from typing import Any

from django.db import transaction
from django.db.models import Case, F, FloatField, Q, QuerySet, When
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.generics import GenericAPIView, RetrieveUpdateAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.commcell.api import INVENTORY_FIELDS, INVENTORY_ORDERING, InventorySerializer
from apps.core import audit
from apps.core.api import AliasOrderingFilter
from apps.core.permissions import IsViewer

from . import analysis, filters, forecast
from .forms import MAX_RATE_GB_PER_DAY
from .models import (
    MediaAgent,
    MediaAgentSnapshot,
    StoragePool,
    StoragePoolSnapshot,
    StorageThresholds,
    threshold_errors,
)
from .views import prediction_data


class StoragePoolSerializer(InventorySerializer):
    capacity_reported = serializers.BooleanField(
        read_only=True,
        help_text="False when the CommServe reports no total or free space for the "
        "pool (most cloud pools); free_percent is then null.",
    )
    free_percent = serializers.SerializerMethodField(
        help_text="Free space as a percentage of total capacity, or null when the "
        "capacity is not reported."
    )

    class Meta:
        model = StoragePool
        fields = (
            *INVENTORY_FIELDS,
            "storage_type",
            "pool_type",
            "storage_policy_cv_id",
            "status",
            "status_code",
            "online",
            "total_capacity_mb",
            "free_space_mb",
            "size_on_disk_mb",
            "capacity_reported",
            "free_percent",
            "worm_flags",
            "retention_days",
            "number_of_nodes",
        )

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_free_percent(self, pool: StoragePool) -> float | None:
        value = pool.free_percent
        return round(value, 2) if value is not None else None


class MediaAgentSerializer(InventorySerializer):
    class Meta:
        model = MediaAgent
        fields = (
            *INVENTORY_FIELDS,
            "display_name",
            "online",
            "status_text",
            "offline_reason_code",
            "offline_reason",
            "os_name",
            "version",
            "description",
        )


def pools_with_free_percent() -> QuerySet[StoragePool]:
    """Return pools annotated with `free_percent_value` for filtering and ordering.

    The condition matches `StoragePool.capacity_reported`: a total other than zero and
    a free space, both reported.
    """
    reported = Q(total_capacity_mb__isnull=False, free_space_mb__isnull=False) & ~Q(
        total_capacity_mb=0
    )
    percent = Case(
        When(
            reported,
            then=100.0 * F("free_space_mb") / F("total_capacity_mb"),
        ),
        default=None,
        output_field=FloatField(),
    )
    return StoragePool.objects.select_related("commcell").annotate(
        free_percent_value=percent
    )


class StoragePoolViewSet(viewsets.ReadOnlyModelViewSet):
    """Storage pools; `ordering=free_percent` lists the fullest pools first."""

    serializer_class = StoragePoolSerializer
    filterset_class = filters.StoragePoolFilterSet
    filter_backends = [DjangoFilterBackend, AliasOrderingFilter]
    ordering_fields = [*INVENTORY_ORDERING, "free_percent", "total_capacity_mb"]
    ordering_aliases = {"free_percent": "free_percent_value"}
    ordering = ["name", "id"]

    def get_queryset(self) -> QuerySet[StoragePool]:
        return pools_with_free_percent()


class MediaAgentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = MediaAgent.objects.select_related("commcell")
    serializer_class = MediaAgentSerializer
    filterset_class = filters.MediaAgentFilterSet
    ordering_fields = [*INVENTORY_ORDERING, "online", "version"]
    ordering = ["name", "id"]


class PoolSnapshotSerializer(serializers.ModelSerializer):
    free_percent = serializers.SerializerMethodField(
        help_text="Free space as a percentage, or null when the capacity is not "
        "reported."
    )

    class Meta:
        model = StoragePoolSnapshot
        fields = (
            "id",
            "commcell",
            "pool",
            "collected_at",
            "total_capacity_mb",
            "free_space_mb",
            "used_mb",
            "capacity_reported",
            "free_percent",
        )

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_free_percent(self, snapshot: StoragePoolSnapshot) -> float | None:
        value = snapshot.free_percent
        return round(value, 2) if value is not None else None


class MediaAgentSnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = MediaAgentSnapshot
        fields = (
            "id",
            "commcell",
            "media_agent",
            "collected_at",
            "online",
            "offline_reason_code",
            "offline_reason",
        )


class PoolSnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    """Pool snapshots, oldest first, filtered by pool and time range."""

    queryset = StoragePoolSnapshot.objects.all()
    serializer_class = PoolSnapshotSerializer
    filterset_class = filters.PoolSnapshotFilterSet
    ordering_fields = ["collected_at", "id"]
    ordering = ["collected_at", "id"]


class MediaAgentSnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    """MediaAgent snapshots, oldest first, filtered by MediaAgent and time range."""

    queryset = MediaAgentSnapshot.objects.all()
    serializer_class = MediaAgentSnapshotSerializer
    filterset_class = filters.MediaAgentSnapshotFilterSet
    ordering_fields = ["collected_at", "id"]
    ordering = ["collected_at", "id"]


class StorageSummaryView(GenericAPIView):
    """Everything the storage dashboard shows, after its filters."""

    filterset_class = filters.PoolStatusFilterSet
    filter_backends = [DjangoFilterBackend]
    pagination_class = None

    def get_queryset(self) -> QuerySet[StoragePool]:
        return analysis.pools_for_dashboard()

    @extend_schema(
        summary="Summarize storage pools by status, with totals and actions",
        filters=True,
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pools = list(self.filter_queryset(self.get_queryset()))
        forecasts = analysis.pool_forecasts(pools, timezone.now())
        summary = analysis.summarize(pools, analysis.Thresholds.load(), forecasts)
        return Response(summary)


class PoolForecastView(APIView):
    """A pool's fill rate and days until full, each with its 95% interval."""

    @extend_schema(
        summary="Forecast when a storage pool is full",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, pk: int) -> Response:
        pool = get_object_or_404(StoragePool, pk=pk)
        result = analysis.pool_forecast(pool, timezone.now())
        return Response({"method": forecast.METHOD, **result.as_dict()})


class PredictorInputSerializer(serializers.Serializer):
    rate_gb_per_day = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=MAX_RATE_GB_PER_DAY,
        help_text="Fill rate in GiB (1,024 MiB) per day. Omit it to use the measured rate.",
    )


class PredictorView(APIView):
    """Project a pool's fill date at its measured rate or at a given one.

    GET takes `rate_gb_per_day` as a query parameter and POST as a JSON body. Both
    only read data, so viewers may use both.
    """

    permission_classes = [IsViewer]

    @extend_schema(
        summary="Project a storage pool's fill date",
        parameters=[PredictorInputSerializer],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, pk: int) -> Response:
        return self._predict(pk, request.query_params)

    @extend_schema(
        summary="Project a storage pool's fill date",
        request=PredictorInputSerializer,
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, pk: int) -> Response:
        return self._predict(pk, request.data)

    def _predict(self, pk: int, data: Any) -> Response:
        pool = get_object_or_404(StoragePool, pk=pk, removed_at__isnull=True)
        serializer = PredictorInputSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        prediction = analysis.predict(
            pool, serializer.validated_data.get("rate_gb_per_day"), timezone.now()
        )
        return Response(prediction_data(prediction))


class ThresholdsSerializer(serializers.ModelSerializer):
    class Meta:
        model = StorageThresholds
        fields = ("critical_below", "warning_below", "low_below", "full_soon_days")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        current = self.instance
        values = {
            name: attrs.get(name, getattr(current, name))
            for name in ("critical_below", "warning_below", "low_below")
        }
        errors = threshold_errors(
            values["critical_below"], values["warning_below"], values["low_below"]
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ThresholdsView(RetrieveUpdateAPIView):
    """The free-space thresholds of pool status: viewers read, admins change."""

    serializer_class = ThresholdsSerializer

    def get_object(self) -> StorageThresholds:
        return StorageThresholds.load()

    def perform_update(self, serializer: ThresholdsSerializer) -> None:
        before = model_to_dict(serializer.instance)
        with transaction.atomic():
            row = serializer.save()
            audit.record(
                actor=self.request.user,
                action="storage.thresholds.update",
                obj=row,
                before=before,
                after=model_to_dict(row),
                request_id=getattr(self.request, "request_id", ""),
            )
