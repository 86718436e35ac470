"""FilterSets for DDB stores."""

import django_filters
from django.db.models import QuerySet

from apps.commcell.filters import InventoryFilterSet
from apps.core.api import IdFilter, StrictBooleanFilter

from .models import DataAgingRun, DDBStore, DDBStoreSnapshot


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


class DDBStoreSnapshotFilterSet(django_filters.FilterSet):
    store = IdFilter(field_name="store_id", help_text="DDB store id.")
    commcell = IdFilter(field_name="store__commcell_id", help_text="CommCell id.")
    collected_after = django_filters.IsoDateTimeFilter(
        field_name="collected_at",
        lookup_expr="gte",
        help_text="Snapshots collected at or after this ISO 8601 time.",
    )
    collected_before = django_filters.IsoDateTimeFilter(
        field_name="collected_at",
        lookup_expr="lt",
        help_text="Snapshots collected before this ISO 8601 time.",
    )

    class Meta:
        model = DDBStoreSnapshot
        fields = ["store", "commcell"]


class DataAgingRunFilterSet(django_filters.FilterSet):
    commcell = IdFilter(field_name="commcell_id", help_text="CommCell id.")
    outcome = django_filters.ChoiceFilter(choices=DataAgingRun.Outcome.choices)
    started_after = django_filters.IsoDateTimeFilter(
        field_name="start_time",
        lookup_expr="gte",
        help_text="Runs started at or after this ISO 8601 time.",
    )
    started_before = django_filters.IsoDateTimeFilter(
        field_name="start_time",
        lookup_expr="lt",
        help_text="Runs started before this ISO 8601 time.",
    )

    class Meta:
        model = DataAgingRun
        fields = ["commcell", "outcome"]
