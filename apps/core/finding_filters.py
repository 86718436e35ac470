"""The finding filters that the findings page and the API share."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from apps.commcell.models import CommCell

from .findings import SUBJECT_TYPES
from .models import Finding
from .severity import Severity

SELECT = {"class": "form-select form-select-sm"}
TEXT = {"class": "form-control form-control-sm"}

# A stored finding is never "ok": an ok report resolves the finding instead.
FINDING_SEVERITIES = [choice for choice in Severity.choices if choice[0] != Severity.OK]


class State:
    OPEN = "open"
    RESOLVED = "resolved"
    ALL = "all"
    CHOICES = [(OPEN, "Open"), (RESOLVED, "Resolved"), (ALL, "Open and resolved")]


def domain_choices() -> list[tuple[str, str]]:
    """Return the domains ("retention", "storage", ...) of the stored finding codes."""
    codes = Finding.objects.order_by().values_list("code", flat=True).distinct()
    domains = sorted({code.split(".", 1)[0] for code in codes})
    return [(domain, domain) for domain in domains]


class FindingFilterSet(django_filters.FilterSet):
    commcell = django_filters.ModelChoiceFilter(
        queryset=CommCell.objects.only("id", "name").order_by("name"),
        label="CommCell",
        empty_label="All CommCells",
        widget=forms.Select(attrs=SELECT),
    )
    state = django_filters.ChoiceFilter(
        method="filter_state",
        choices=State.CHOICES,
        label="State",
        empty_label=None,
        help_text="open (the default), resolved or all.",
        widget=forms.Select(attrs=SELECT),
    )
    severity = django_filters.MultipleChoiceFilter(
        choices=FINDING_SEVERITIES,
        label="Severity",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    domain = django_filters.ChoiceFilter(
        method="filter_domain",
        choices=domain_choices,
        label="Domain",
        empty_label="All domains",
        help_text='The first part of the code, such as "retention".',
        widget=forms.Select(attrs=SELECT),
    )
    code = django_filters.CharFilter(
        field_name="code",
        lookup_expr="startswith",
        label="Code starts with",
        help_text='For example "retention.aging" or "storage.".',
        widget=forms.TextInput(attrs=TEXT),
    )
    subject_type = django_filters.ChoiceFilter(
        choices=[(name, name.replace("_", " ")) for name in SUBJECT_TYPES],
        label="Subject type",
        empty_label="All subjects",
        widget=forms.Select(attrs=SELECT),
    )
    q = django_filters.CharFilter(
        field_name="subject_name",
        lookup_expr="icontains",
        label="Subject contains",
        widget=forms.TextInput(attrs={**TEXT, "type": "search"}),
    )

    class Meta:
        model = Finding
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Finding]) -> QuerySet[Finding]:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("state"):
            # Without a state filter only open findings are listed.
            queryset = queryset.filter(resolved_at__isnull=True)
        return queryset

    def filter_state(
        self, queryset: QuerySet[Finding], name: str, value: str
    ) -> QuerySet[Finding]:
        if value == State.RESOLVED:
            return queryset.filter(resolved_at__isnull=False)
        if value == State.ALL:
            return queryset
        return queryset.filter(resolved_at__isnull=True)

    def filter_domain(
        self, queryset: QuerySet[Finding], name: str, value: str
    ) -> QuerySet[Finding]:
        return queryset.filter(Q(code__startswith=f"{value}.") | Q(code=value))

    @property
    def has_active_filters(self) -> bool:
        """True when the request set at least one filter to a value."""
        return any(self.data.get(name) not in (None, "") for name in self.filters)
