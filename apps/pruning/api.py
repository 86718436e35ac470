"""REST API for DDB stores, their partitions and the MediaAgents hosting them."""

from django.db.models import Prefetch, QuerySet
from rest_framework import serializers, viewsets

from apps.commcell.api import INVENTORY_FIELDS, INVENTORY_ORDERING, InventorySerializer

from . import filters
from .models import DDBPartition, DDBStore


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
