"""FilterSets for CommCells, sync runs and the inventory collected from them.

`InventoryFilterSet` is the base of every inventory list (here and in the storage and
pruning apps): it filters by CommCell and name, and hides rows whose object a complete
collection no longer found unless `include_removed=true`.
"""

import django_filters
from django.db.models import QuerySet

from apps.core.api import IdFilter, StrictBooleanFilter
from apps.retention.models import Severity

from .models import (
    Client,
    CommCell,
    Job,
    JobOnCopy,
    Plan,
    StoragePolicy,
    StoragePolicyCopy,
    SyncRun,
)


class InventoryFilterSet(django_filters.FilterSet):
    commcell = IdFilter(field_name="commcell_id", help_text="CommCell id.")
    commcell_name = django_filters.CharFilter(
        field_name="commcell__name",
        lookup_expr="iexact",
        help_text="CommCell name (case-insensitive).",
    )
    name = django_filters.CharFilter(
        lookup_expr="iexact", help_text="Exact name (case-insensitive)."
    )
    name_contains = django_filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        help_text="Part of the name (case-insensitive).",
    )
    include_removed = StrictBooleanFilter(
        method="filter_include_removed",
        help_text="true also lists objects the last complete collection no longer "
        "found (their removed_at is set).",
    )

    def filter_include_removed(
        self, queryset: QuerySet, name: str, value: bool
    ) -> QuerySet:
        # The rows are hidden in filter_queryset, which also runs when the parameter
        # is absent; this method only has to accept the parameter.
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("include_removed"):
            queryset = queryset.filter(removed_at__isnull=True)
        return queryset


class CommCellFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="iexact")
    name_contains = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains"
    )
    enabled = StrictBooleanFilter()

    class Meta:
        model = CommCell
        fields = ["name", "name_contains", "enabled", "auth_type"]


class SyncRunFilterSet(django_filters.FilterSet):
    commcell = IdFilter(field_name="commcell_id", help_text="CommCell id.")
    status = django_filters.ChoiceFilter(choices=SyncRun.Status.choices)
    trigger = django_filters.CharFilter()
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte"
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt"
    )

    class Meta:
        model = SyncRun
        fields = ["commcell", "status", "trigger"]


class ClientFilterSet(InventoryFilterSet):
    host_name = django_filters.CharFilter(lookup_expr="iexact")
    company = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Client
        fields = ["commcell", "name", "host_name", "company"]


class PlanFilterSet(InventoryFilterSet):
    storage_policy = IdFilter(field_name="storage_policy_id")

    class Meta:
        model = Plan
        fields = ["commcell", "name", "storage_policy", "plan_type"]


class StoragePolicyFilterSet(InventoryFilterSet):
    class Meta:
        model = StoragePolicy
        fields = ["commcell", "name", "policy_type"]


class StoragePolicyCopyFilterSet(InventoryFilterSet):
    storage_policy = IdFilter(field_name="storage_policy_id")
    storage_pool_name = django_filters.CharFilter(lookup_expr="iexact")
    severity = django_filters.ChoiceFilter(
        field_name="retention_rule__severity",
        choices=Severity.choices,
        help_text="Severity of the copy's retention rule, for example critical.",
    )
    dedup_enabled = StrictBooleanFilter()
    worm = StrictBooleanFilter()
    active = StrictBooleanFilter()
    job_selection = django_filters.NumberFilter(
        help_text="Job selection code, for example 0 (all jobs) or 4 (weekly fulls)."
    )

    class Meta:
        model = StoragePolicyCopy
        fields = ["commcell", "name", "storage_policy", "storage_pool_name"]


class JobFilterSet(django_filters.FilterSet):
    commcell = IdFilter(field_name="commcell_id", help_text="CommCell id.")
    client = IdFilter(field_name="client_id", help_text="Client id.")
    plan = IdFilter(field_name="plan_id", help_text="Plan id.")
    storage_policy = IdFilter(
        field_name="storage_policy_id", help_text="Storage policy id."
    )
    level = django_filters.ChoiceFilter(choices=Job.Level.choices)
    outcome = django_filters.ChoiceFilter(choices=Job.Outcome.choices)
    job_id = IdFilter(help_text="Job id on the CommServe.")
    start_after = django_filters.IsoDateTimeFilter(
        field_name="start_time",
        lookup_expr="gte",
        help_text="Jobs that started at or after this ISO 8601 time.",
    )
    start_before = django_filters.IsoDateTimeFilter(
        field_name="start_time",
        lookup_expr="lt",
        help_text="Jobs that started before this ISO 8601 time.",
    )
    is_aged = StrictBooleanFilter()

    class Meta:
        model = Job
        fields = ["commcell", "client", "plan", "storage_policy", "level", "outcome"]


class JobOnCopyFilterSet(django_filters.FilterSet):
    commcell = IdFilter(field_name="commcell_id", help_text="CommCell id.")
    copy = IdFilter(field_name="copy_id", help_text="Storage policy copy id.")
    job_id = IdFilter(help_text="Job id on the CommServe.")
    retained_by = django_filters.TypedChoiceFilter(
        choices=JobOnCopy.RetainedBy.choices,
        coerce=int,
        help_text="What retains the job: 0 no data available, 1 basic retention, "
        "2 extended retention, 4 user (manual retention).",
    )
    is_aged = StrictBooleanFilter()

    class Meta:
        model = JobOnCopy
        fields = ["commcell", "copy", "job_id", "retained_by", "is_aged"]
