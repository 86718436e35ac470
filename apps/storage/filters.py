"""FilterSets for storage pools and MediaAgents."""

import django_filters
from django.db.models import QuerySet

from apps.commcell.filters import InventoryFilterSet
from apps.core.api import StrictBooleanFilter

from .models import MediaAgent, StoragePool


class StoragePoolFilterSet(InventoryFilterSet):
    storage_type = django_filters.ChoiceFilter(choices=StoragePool.StorageType.choices)
    pool_type = django_filters.ChoiceFilter(choices=StoragePool.PoolType.choices)
    online = StrictBooleanFilter()
    capacity_reported = StrictBooleanFilter(
        method="filter_capacity_reported",
        help_text="true lists pools that report total and free space; false lists "
        "pools that do not (most cloud pools).",
    )
    free_percent_below = django_filters.NumberFilter(
        field_name="free_percent_value",
        lookup_expr="lt",
        help_text="Pools with less free space than this percentage.",
    )

    class Meta:
        model = StoragePool
        fields = ["commcell", "name", "storage_type", "pool_type", "online"]

    def filter_capacity_reported(
        self, queryset: QuerySet, name: str, value: bool
    ) -> QuerySet:
        if value:
            return queryset.filter(free_percent_value__isnull=False)
        return queryset.filter(free_percent_value__isnull=True)


class MediaAgentFilterSet(InventoryFilterSet):
    online = StrictBooleanFilter()
    version = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = MediaAgent
        fields = ["commcell", "name", "online", "version"]
