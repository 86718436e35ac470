"""The storage predictor's form: a pool and an optional fill rate typed by the user."""

from django import forms

from .models import StoragePool

# A typed rate above this is almost certainly a unit mistake (TiB typed as GiB).
MAX_RATE_GB_PER_DAY = 1_000_000


class PredictorForm(forms.Form):
    pool = forms.ModelChoiceField(
        queryset=StoragePool.objects.filter(removed_at__isnull=True)
        .select_related("commcell")
        .order_by("name", "id"),
        label="Storage pool",
        empty_label="Choose a pool",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    rate_gb_per_day = forms.FloatField(
        required=False,
        min_value=0,
        max_value=MAX_RATE_GB_PER_DAY,
        label="Fill rate (GiB/day)",
        help_text="Leave empty to use the measured rate. 0 means the pool does not "
        "grow.",
        widget=forms.NumberInput(
            attrs={"class": "form-control form-control-sm", "step": "any"}
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pool"].label_from_instance = lambda pool: (
            f"{pool.name} ({pool.commcell.name})"
        )
