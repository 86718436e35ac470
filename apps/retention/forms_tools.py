"""Forms of the retention tools: the CommCell filter and the retention rule checker.

Number fields are parsed by hand, so every error message names the value typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms

from apps.commcell.models import CommCell, Plan, StoragePolicyCopy
from apps.retention.engine import (
    INFINITE_DAYS,
    CopyRetention,
    ExtendedKind,
    ExtendedRule,
    RetentionChange,
)

from .assumptions import settings_for
from .models import RetentionRule
from .tools.loading import copy_retention

MAX_DAYS = 36_500
MAX_CYCLES = 100
MAX_INTERVAL_DAYS = 3_660

EXTENDED_CHOICES = [("", "None")] + [(kind.value, kind.value) for kind in ExtendedKind]


class CommCellFilterForm(forms.Form):
    """The optional CommCell that limits a tool's page."""

    commcell = forms.ModelChoiceField(
        queryset=CommCell.objects.order_by("name"),
        required=False,
        empty_label="All CommCells",
        error_messages={
            "invalid_choice": "CommCell %(value)s was not found: pick one from the "
            "list or leave it empty for all.",
        },
    )

    def commcell_id(self) -> int | None:
        """Return the chosen CommCell's id, or None for all or on invalid input."""
        if not self.is_valid() or self.cleaned_data["commcell"] is None:
            return None
        return self.cleaned_data["commcell"].pk


@dataclass(frozen=True, slots=True)
class CheckerRequest:
    """A validated checker request: the rule, the change and where jobs come from."""

    retention: CopyRetention
    change: RetentionChange | None
    full_interval_days: float | None
    storage_policy_id: int | None
    plan_name: str
    # The plan's primary copy and CommCell, whose jobs and settings the check uses.
    copy: StoragePolicyCopy | None = None
    commcell: CommCell | None = None


def _parse_int(value: str, label: str, minimum: int, maximum: int, hint: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise forms.ValidationError(
            f"{label} {value!r} is not a whole number: {hint}"
        ) from None
    if number < minimum:
        raise forms.ValidationError(f"{label} {number} is invalid: {hint}")
    if number > maximum:
        raise forms.ValidationError(
            f"{label} {number} is over the maximum of {maximum}: {hint}"
        )
    return number


def _parse_days(value: str, label: str) -> int | None:
    if not value.strip():
        return None
    hint = f"enter 0 to {MAX_DAYS} days, or -1 for infinite."
    number = _parse_int(value, label, INFINITE_DAYS, MAX_DAYS, hint)
    return number


def _parse_cycles(value: str, label: str) -> int | None:
    if not value.strip():
        return None
    hint = f"enter 0 to {MAX_CYCLES} cycles (0 means days only)."
    return _parse_int(value, label, 0, MAX_CYCLES, hint)


class RetentionCheckerForm(forms.Form):
    """Pick a plan or type a rule, and optionally a change to try."""

    plan = forms.ModelChoiceField(
        queryset=Plan.objects.filter(
            removed_at__isnull=True, storage_policy__isnull=False
        ).order_by("name"),
        required=False,
        empty_label="No plan: type the rule",
        help_text="The rule of the plan's primary copy and its jobs.",
        error_messages={
            "invalid_choice": "Plan %(value)s was not found: pick a plan from the "
            "list or leave it empty and type the rule.",
        },
    )
    days = forms.CharField(
        required=False,
        label="Retention days",
        help_text="Days; -1 is infinite. Empty takes the plan's days.",
    )
    cycles = forms.CharField(
        required=False,
        label="Retention cycles",
        help_text="0 to 100; 0 is days only. Empty takes the plan's cycles.",
    )
    days_only = forms.BooleanField(required=False, label="Days-only retention")
    extended_kind = forms.ChoiceField(
        choices=EXTENDED_CHOICES, required=False, label="Extended rule: one full per"
    )
    extended_days = forms.CharField(
        required=False, label="Extended rule: keep for days", help_text="-1 is forever."
    )
    full_interval_days = forms.CharField(
        required=False,
        label="Full interval (days)",
        help_text="Days between fulls. Empty measures it from the plan's jobs.",
    )
    change_days = forms.CharField(required=False, label="Try days")
    change_cycles = forms.CharField(required=False, label="Try cycles")
    change_days_only = forms.BooleanField(required=False, label="Try days-only")
    change_extended_off = forms.BooleanField(
        required=False, label="Try without extended rules"
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select form-select-sm"
            else:
                widget.attrs["class"] = "form-control form-control-sm"

    def clean_days(self) -> int | None:
        return _parse_days(self.cleaned_data["days"], "Retention days")

    def clean_cycles(self) -> int | None:
        return _parse_cycles(self.cleaned_data["cycles"], "Retention cycles")

    def clean_extended_days(self) -> int | None:
        value = self.cleaned_data["extended_days"]
        if not value.strip():
            return None
        number = _parse_days(value, "Extended rule days")
        if number == 0:
            raise forms.ValidationError(
                "Extended rule days 0 is invalid: enter 1 or more days, or -1 for "
                "forever."
            )
        return number

    def clean_full_interval_days(self) -> float | None:
        value = self.cleaned_data["full_interval_days"].strip()
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            raise forms.ValidationError(
                f"Full interval {value!r} is not a number: enter the days between "
                "fulls, for example 7."
            ) from None
        if not 0 < number <= MAX_INTERVAL_DAYS:
            raise forms.ValidationError(
                f"Full interval {number:g} is out of range: enter more than 0 and "
                f"at most {MAX_INTERVAL_DAYS} days."
            )
        return number

    def clean_change_days(self) -> int | None:
        return _parse_days(self.cleaned_data["change_days"], "Try days")

    def clean_change_cycles(self) -> int | None:
        return _parse_cycles(self.cleaned_data["change_cycles"], "Try cycles")

    def clean(self) -> dict:
        data = super().clean()
        plan = data.get("plan")
        if self.errors:
            return data

        if data.get("extended_kind") and data.get("extended_days") is None:
            self.add_error(
                "extended_days",
                "Extended rule days are missing: enter how long the selected fulls "
                "stay, or pick None as the rule.",
            )
        if plan is None and data.get("days") is None:
            raise forms.ValidationError(
                "No rule given: pick a plan, or type the retention days."
            )
        if (
            plan is not None
            and self._plan_rule(plan) is None
            and data.get("days") is None
        ):
            raise forms.ValidationError(
                f"Plan {plan.name!r} has no collected retention rule on its primary "
                "copy: type the retention days, or collect the plan first."
            )
        return data

    @staticmethod
    def _plan_rule(plan: Plan) -> RetentionRule | None:
        return (
            RetentionRule.objects.filter(
                storage_policy_id=plan.storage_policy_id,
                copy__copy_precedence=1,
                copy__removed_at__isnull=True,
            )
            .select_related("copy")
            .order_by("pk")
            .first()
        )

    def checker_request(self) -> CheckerRequest:
        """Build the rule and change from valid data; call after ``is_valid()``."""
        data = self.cleaned_data
        plan = data.get("plan")
        base = CopyRetention(days=30, cycles=1)
        copy = None
        if plan is not None:
            days_only = settings_for(plan.commcell_id).days_only_retention
            base = CopyRetention(days=30, cycles=1, days_only=days_only)
            rule = self._plan_rule(plan)
            if rule is not None:
                copy = rule.copy
                base = copy_retention(rule, copy, days_only=days_only)

        retention = CopyRetention(
            days=data["days"] if data["days"] is not None else base.days,
            cycles=data["cycles"] if data["cycles"] is not None else base.cycles,
            cycles_reported=(data["cycles"] is not None or base.cycles_reported),
            extended_rules=self._extended(base),
            data_aging_enabled=base.data_aging_enabled,
            days_only=data["days_only"] or base.days_only,
            worm=base.worm,
            dedup=base.dedup,
            copy_name=base.copy_name,
        )
        return CheckerRequest(
            retention=retention,
            change=self._change(),
            full_interval_days=data["full_interval_days"],
            storage_policy_id=plan.storage_policy_id if plan is not None else None,
            plan_name=plan.name if plan is not None else "",
            copy=copy,
            commcell=plan.commcell if plan is not None else None,
        )

    def _extended(self, base: CopyRetention) -> tuple[ExtendedRule, ...]:
        kind = self.cleaned_data.get("extended_kind")
        if not kind:
            return base.extended_rules
        return (
            ExtendedRule(
                ExtendedKind(kind), end_days=self.cleaned_data["extended_days"]
            ),
        )

    def _change(self) -> RetentionChange | None:
        data = self.cleaned_data
        change = RetentionChange(
            days=data["change_days"],
            cycles=data["change_cycles"],
            extended_off=data["change_extended_off"],
            days_only=data["change_days_only"],
        )
        if change == RetentionChange():
            return None
        return change
