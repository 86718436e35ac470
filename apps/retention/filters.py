"""The retention rule filters that the dashboard and the API share."""

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet

from apps.commcell.models import CommCell, Plan

from .classification import INFINITE_DAYS
from .models import CopyRetentionSummary, RetentionRule
from .severity import Severity
from .summary import DELAY_FLAG_RATIO, delayed

SELECT = {"class": "form-select form-select-sm"}
NUMBER = {"class": "form-control form-control-sm", "inputmode": "numeric"}


# Retention days and cycles are 32-bit columns, and -1 days means infinite.
MIN_RETENTION_VALUE = -1
MAX_RETENTION_VALUE = 2**31 - 1


class RetentionNumberField(forms.IntegerField):
    """Whole number within the range of the retention columns, so no query overflows."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min_value", MIN_RETENTION_VALUE)
        kwargs.setdefault("max_value", MAX_RETENTION_VALUE)
        super().__init__(*args, **kwargs)


class IntegerFilter(django_filters.NumberFilter):
    """A number filter that accepts whole numbers in the retention columns' range."""

    field_class = RetentionNumberField


class RetentionFilterForm(forms.Form):
    """Reject ranges whose lower bound is above their upper bound."""

    RANGES = (("days_min", "days_max"), ("cycles_min", "cycles_max"))

    def clean(self) -> dict:
        cleaned = super().clean()
        for low_name, high_name in self.RANGES:
            low = cleaned.get(low_name)
            high = cleaned.get(high_name)
            if low is not None and high is not None and low > high:
                self.add_error(
                    high_name,
                    f"{self.fields[high_name].label} ({high}) is below "
                    f"{self.fields[low_name].label.lower()} ({low}): swap the two "
                    "values.",
                )
        return cleaned


def _commcell_filter() -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        queryset=CommCell.objects.only("id", "name").order_by("name"),
        label="CommCell",
        empty_label="All CommCells",
        widget=forms.Select(attrs=SELECT),
    )


def _plan_name_filter() -> django_filters.CharFilter:
    return django_filters.CharFilter(
        field_name="plan__name",
        lookup_expr="icontains",
        label="Plan name contains",
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


class RetentionRuleFilterSet(django_filters.FilterSet):
    commcell = _commcell_filter()
    plan = django_filters.ModelChoiceFilter(
        queryset=Plan.objects.all(),
        label="Plan id",
        widget=forms.HiddenInput,
    )
    plan_name = _plan_name_filter()
    severity = django_filters.MultipleChoiceFilter(
        choices=Severity.choices,
        label="Severity",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    days = IntegerFilter(
        field_name="retention_days",
        label="Days",
        min_value=INFINITE_DAYS,
        help_text="Exact retention days; -1 is infinite.",
        widget=forms.NumberInput(attrs=NUMBER),
    )
    days_min = IntegerFilter(
        method="filter_days_min",
        label="Days from",
        min_value=0,
        help_text="At least this many days; infinite retention counts as more.",
        widget=forms.NumberInput(attrs=NUMBER),
    )
    days_max = IntegerFilter(
        method="filter_days_max",
        label="Days to",
        min_value=0,
        help_text="At most this many days; infinite retention is left out.",
        widget=forms.NumberInput(attrs=NUMBER),
    )
    cycles = IntegerFilter(
        field_name="retention_cycles",
        label="Cycles",
        min_value=0,
        help_text="Exact retention cycles; 0 is days-only retention.",
        widget=forms.NumberInput(attrs=NUMBER),
    )
    cycles_min = IntegerFilter(
        field_name="retention_cycles",
        lookup_expr="gte",
        label="Cycles from",
        min_value=0,
        widget=forms.NumberInput(attrs=NUMBER),
    )
    cycles_max = IntegerFilter(
        field_name="retention_cycles",
        lookup_expr="lte",
        label="Cycles to",
        min_value=0,
        widget=forms.NumberInput(attrs=NUMBER),
    )
    aging = django_filters.ChoiceFilter(
        method="filter_aging",
        label="Data aging",
        choices=[("true", "On"), ("false", "Off")],
        empty_label="Any",
        widget=forms.Select(attrs=SELECT),
    )

    class Meta:
        model = RetentionRule
        fields: list[str] = []
        form = RetentionFilterForm

    def filter_days_min(
        self, queryset: QuerySet[RetentionRule], name: str, value: int
    ) -> QuerySet[RetentionRule]:
        return queryset.filter(
            Q(retention_days__gte=value) | Q(retention_days=INFINITE_DAYS)
        )

    def filter_days_max(
        self, queryset: QuerySet[RetentionRule], name: str, value: int
    ) -> QuerySet[RetentionRule]:
        return queryset.filter(retention_days__gte=0, retention_days__lte=value)

    def filter_aging(
        self, queryset: QuerySet[RetentionRule], name: str, value: str
    ) -> QuerySet[RetentionRule]:
        return queryset.filter(data_aging_enabled=value == "true")

    @property
    def has_active_filters(self) -> bool:
        """True when the request set at least one filter to a value."""
        return any(self.data.get(name) not in (None, "") for name in self.filters)


COPY_SORTS = {
    "plan": (F("plan__name").asc(nulls_last=True), "storage_policy__name"),
    "days": ("retention_days", "storage_policy__name"),
    "effective": (F("effective_days").desc(nulls_last=True), "storage_policy__name"),
    "delay": (F("delay_days").desc(nulls_last=True), "storage_policy__name"),
    "interval": (F("interval_days").desc(nulls_last=True), "storage_policy__name"),
}

CYCLE_SORTS = {
    "delay": (F("delay_ratio").desc(nulls_last=True), "storage_policy__name"),
    "plan": (F("plan__name").asc(nulls_last=True), "storage_policy__name"),
    "days": ("retention_days", "storage_policy__name"),
    "interval": (
        F("median_full_interval_days").desc(nulls_last=True),
        "storage_policy__name",
    ),
    "open": (
        F("max_open_cycle_age_days").desc(nulls_last=True),
        "storage_policy__name",
    ),
}


COPY_KINDS = [("primary", "Primary copies"), ("secondary", "Secondary copies")]


def _copy_name_filter() -> django_filters.CharFilter:
    return django_filters.CharFilter(
        field_name="copy__name",
        lookup_expr="icontains",
        label="Copy name contains",
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


def _copy_kind_filter() -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(
        method="filter_copy_kind",
        label="Copy",
        choices=COPY_KINDS,
        empty_label="Every copy",
        widget=forms.Select(attrs=SELECT),
    )


def filter_by_copy_kind(queryset: QuerySet, value: str) -> QuerySet:
    """Keep primary copies (precedence 1) or secondary copies (any other)."""
    if value == "primary":
        return queryset.filter(copy__copy_precedence=1)
    if value == "secondary":
        return queryset.exclude(copy__copy_precedence=1)
    return queryset


def _sort_filter(sorts: dict, default: str) -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(
        method="filter_sort",
        label="Sort by",
        choices=[(key, key.capitalize()) for key in sorts],
        empty_label=f"{default.capitalize()} (default)",
        widget=forms.Select(attrs=SELECT),
    )


class CopyRetentionFilterSet(django_filters.FilterSet):
    """Filters and sorting of the effective retention page (rules with summaries)."""

    commcell = _commcell_filter()
    plan_name = _plan_name_filter()
    delayed = django_filters.BooleanFilter(
        method="filter_delayed",
        label="Only delayed over 30%",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    copy_name = _copy_name_filter()
    copy_kind = _copy_kind_filter()
    sort = _sort_filter(COPY_SORTS, "plan")

    class Meta:
        model = RetentionRule
        fields: list[str] = []

    def filter_copy_kind(
        self, queryset: QuerySet[RetentionRule], name: str, value: str
    ) -> QuerySet[RetentionRule]:
        return filter_by_copy_kind(queryset, value)

    def filter_delayed(
        self, queryset: QuerySet[RetentionRule], name: str, value: bool
    ) -> QuerySet[RetentionRule]:
        if not value:
            return queryset
        return queryset.filter(
            data_aging_enabled=True,
            retention_days__gt=0,
            effective_days__gt=F("retention_days") * DELAY_FLAG_RATIO,
        )

    def filter_sort(
        self, queryset: QuerySet[RetentionRule], name: str, value: str
    ) -> QuerySet[RetentionRule]:
        return queryset.order_by(*COPY_SORTS[value], "pk")


class CycleAnalyzerFilterSet(django_filters.FilterSet):
    """Filters and sorting of the cycle completion analyzer (copy summaries)."""

    commcell = _commcell_filter()
    plan_name = _plan_name_filter()
    flagged = django_filters.BooleanFilter(
        method="filter_flagged",
        label="Only flagged (over 30%)",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    copy_name = _copy_name_filter()
    copy_kind = _copy_kind_filter()
    sort = _sort_filter(CYCLE_SORTS, "delay")

    class Meta:
        model = CopyRetentionSummary
        fields: list[str] = []

    def filter_copy_kind(
        self, queryset: QuerySet[CopyRetentionSummary], name: str, value: str
    ) -> QuerySet[CopyRetentionSummary]:
        return filter_by_copy_kind(queryset, value)

    def filter_flagged(
        self, queryset: QuerySet[CopyRetentionSummary], name: str, value: bool
    ) -> QuerySet[CopyRetentionSummary]:
        return delayed(queryset) if value else queryset

    def filter_sort(
        self, queryset: QuerySet[CopyRetentionSummary], name: str, value: str
    ) -> QuerySet[CopyRetentionSummary]:
        return queryset.order_by(*CYCLE_SORTS[value], "pk")


class BackupSuccessForm(forms.Form):
    """Filters of the backup job success analyzer, which reads an aggregate."""

    commcell = forms.ModelChoiceField(
        queryset=CommCell.objects.only("id", "name").order_by("name"),
        required=False,
        label="CommCell",
        empty_label="All CommCells",
        widget=forms.Select(attrs=SELECT),
    )
    plan_name = forms.CharField(
        required=False,
        max_length=300,
        label="Plan name contains",
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    flagged = forms.BooleanField(
        required=False,
        label="Only under 95% success",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
