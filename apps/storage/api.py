"""REST API for storage pools and MediaAgents."""

from django.db.models import Case, F, FloatField, Q, QuerySet, When
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from apps.commcell.api import INVENTORY_FIELDS, INVENTORY_ORDERING, InventorySerializer
from apps.core.api import AliasOrderingFilter

from . import filters
from .models import MediaAgent, StoragePool


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
