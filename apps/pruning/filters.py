"""FilterSets for DDB stores."""

import django_filters
from django.db.models import QuerySet

from apps.commcell.filters import InventoryFilterSet
from apps.core.api import IdFilter, StrictBooleanFilter

from .models import DDBStore


class DDBStoreFilterSet(InventoryFilterSet):
    storage_policy_name = django_filters.CharFilter(lookup_expr="iexact")
    pruning_enabled = StrictBooleanFilter()
    sealed = StrictBooleanFilter(
        field_name="sealed_at",
        lookup_expr="isnull",
        exclude=True,
        help_text="true lists sealed stores, false the active ones.",
    )
    media_agent = IdFilter(
        method="filter_media_agent",
        help_text="MediaAgent id: stores with a partition hosted on it.",
    )

    class Meta:
        model = DDBStore
        fields = ["commcell", "name", "storage_policy_name", "pruning_enabled"]

    def filter_media_agent(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(partitions__media_agent_id=value).distinct()
