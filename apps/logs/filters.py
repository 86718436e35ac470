"""The log event and log file filters that the pages and the API share."""

import django_filters
from django import forms

from apps.commcell.models import CommCell

from .defaults import CATEGORIES, SEVERITIES
from .logformat import KNOWN_LOG_TYPES
from .models import LogEvent, LogFile

SELECT = {"class": "form-select form-select-sm"}
TEXT = {"class": "form-control form-control-sm"}
NUMBER = {"class": "form-control form-control-sm", "inputmode": "numeric"}
DATETIME = {"class": "form-control form-control-sm", "type": "datetime-local"}
# Job and store ids are 64-bit columns.
MAX_ID = 2**63 - 1


class EventFilterForm(forms.Form):
    def clean(self) -> dict:
        cleaned = super().clean()
        since = cleaned.get("since")
        until = cleaned.get("until")
        if since and until and since > until:
            self.add_error(
                "until",
                f"To ({until:%Y-%m-%d %H:%M}) is before from ({since:%Y-%m-%d %H:%M}): "
                "swap the two values.",
            )
        return cleaned


class LogEventFilterSet(django_filters.FilterSet):
    commcell = django_filters.ModelChoiceFilter(
        queryset=CommCell.objects.only("id", "name").order_by("name"),
        label="CommCell",
        empty_label="All CommCells",
        widget=forms.Select(attrs=SELECT),
    )
    log_type = django_filters.ChoiceFilter(
        choices=[(name, name) for name in KNOWN_LOG_TYPES],
        label="Log type",
        empty_label="All log types",
        widget=forms.Select(attrs=SELECT),
    )
    category = django_filters.ChoiceFilter(
        choices=CATEGORIES,
        label="Category",
        empty_label="All categories",
        widget=forms.Select(attrs=SELECT),
    )
    severity = django_filters.ChoiceFilter(
        choices=SEVERITIES,
        label="Severity",
        empty_label="All severities",
        widget=forms.Select(attrs=SELECT),
    )
    media_agent_name = django_filters.CharFilter(
        field_name="media_agent_name",
        lookup_expr="iexact",
        label="MediaAgent",
        widget=forms.TextInput(attrs=TEXT),
    )
    # The id in each event's `media_agent` field; the page filters by name.
    media_agent = django_filters.NumberFilter(
        field_name="media_agent_id",
        label="MediaAgent id",
        min_value=1,
        max_value=MAX_ID,
        widget=forms.HiddenInput,
    )
    store = django_filters.NumberFilter(
        field_name="store_cv_id",
        label="DDB store id",
        min_value=0,
        max_value=MAX_ID,
        widget=forms.NumberInput(attrs=NUMBER),
    )
    job_id = django_filters.NumberFilter(
        field_name="job_id",
        label="Job id",
        min_value=0,
        max_value=MAX_ID,
        widget=forms.NumberInput(attrs=NUMBER),
    )
    log_file = django_filters.ModelChoiceFilter(
        queryset=LogFile.objects.all(), label="Log file id", widget=forms.HiddenInput
    )
    since = django_filters.IsoDateTimeFilter(
        field_name="occurred_at",
        lookup_expr="gte",
        label="From",
        widget=forms.DateTimeInput(attrs=DATETIME),
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="occurred_at",
        lookup_expr="lte",
        label="To",
        widget=forms.DateTimeInput(attrs=DATETIME),
    )

    class Meta:
        model = LogEvent
        fields: list[str] = []
        form = EventFilterForm


class LogFileFilterSet(django_filters.FilterSet):
    commcell = django_filters.ModelChoiceFilter(
        queryset=CommCell.objects.only("id", "name").order_by("name"),
        label="CommCell",
    )
    log_type = django_filters.CharFilter(label="Log type")
    parse_status = django_filters.ChoiceFilter(
        field_name="status", choices=LogFile.Status.choices
    )

    class Meta:
        model = LogFile
        fields: list[str] = []
