"""FilterSets for storage pools, MediaAgents, their snapshots and the dashboard."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from apps.commcell.filters import InventoryFilterSet
from apps.commcell.models import CommCell
from apps.core.api import IdFilter, StrictBooleanFilter

from .analysis import STATUS_CHOICES, Thresholds, status_condition
from .models import MediaAgent, MediaAgentSnapshot, StoragePool, StoragePoolSnapshot


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


SELECT = {"class": "form-select form-select-sm"}


class PoolStatusFilterSet(django_filters.FilterSet):
    """Dashboard and summary filters: status by free space, CommCell and storage type.

    The queryset must come from `analysis.pools_for_dashboard`, which annotates the
    percentage that the status filter compares with the stored thresholds.
    """

    status = django_filters.MultipleChoiceFilter(
        choices=STATUS_CHOICES,
        method="filter_status",
        label="Status",
        widget=forms.CheckboxSelectMultiple,
        help_text="Pool status by free space; repeat the parameter for several.",
    )
    commcell = django_filters.ModelChoiceFilter(
        queryset=CommCell.objects.only("id", "name").order_by("name"),
        label="CommCell",
        empty_label="All CommCells",
        widget=forms.Select(attrs=SELECT),
    )
    storage_type = django_filters.ChoiceFilter(
        choices=StoragePool.StorageType.choices,
        label="Storage type",
        empty_label="All types",
        widget=forms.Select(attrs=SELECT),
    )

    class Meta:
        model = StoragePool
        fields = ["status", "commcell", "storage_type"]

    def __init__(self, *args, thresholds: Thresholds | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.thresholds = thresholds

    def filter_status(
        self, queryset: QuerySet, name: str, value: list[str]
    ) -> QuerySet:
        if not value:
            return queryset
        if self.thresholds is None:
            self.thresholds = Thresholds.load()
        condition = Q()
        for status in value:
            condition |= status_condition(status, self.thresholds)
        return queryset.filter(condition)

    @property
    def has_active_filters(self) -> bool:
        return any(self.data.get(name) for name in self.filters)


class PoolSnapshotFilterSet(django_filters.FilterSet):
    pool = IdFilter(field_name="pool_id", help_text="Storage pool id.")
    commcell = IdFilter(field_name="commcell_id", help_text="CommCell id.")
    collected_after = django_filters.IsoDateTimeFilter(
        field_name="collected_at",
        lookup_expr="gte",
        help_text="ISO 8601 time; snapshots taken at or after it.",
    )
    collected_before = django_filters.IsoDateTimeFilter(
        field_name="collected_at",
        lookup_expr="lt",
        help_text="ISO 8601 time; snapshots taken before it.",
    )
    capacity_reported = StrictBooleanFilter()

    class Meta:
        model = StoragePoolSnapshot
        fields = ["pool", "commcell", "capacity_reported"]


class MediaAgentSnapshotFilterSet(django_filters.FilterSet):
    media_agent = IdFilter(field_name="media_agent_id", help_text="MediaAgent id.")
    commcell = IdFilter(field_name="commcell_id", help_text="CommCell id.")
    collected_after = django_filters.IsoDateTimeFilter(
        field_name="collected_at",
        lookup_expr="gte",
        help_text="ISO 8601 time; snapshots taken at or after it.",
    )
    collected_before = django_filters.IsoDateTimeFilter(
        field_name="collected_at",
        lookup_expr="lt",
        help_text="ISO 8601 time; snapshots taken before it.",
    )
    online = StrictBooleanFilter()

    class Meta:
        model = MediaAgentSnapshot
        fields = ["media_agent", "commcell", "online"]
