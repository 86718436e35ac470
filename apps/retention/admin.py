"""Admin pages: retention rules (read-only, only collections write them) and the
retention settings of each CommCell (editable by admins, audited)."""

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest

from apps.core import audit, tasks
from apps.core.admin import ValueNamingAdminForm
from apps.core.analysis import AnalysisAlreadyRunning
from apps.core.roles import is_admin

from .models import RetentionRule, RetentionSettings

SETTINGS_FIELDS = [
    "aging_time",
    "time_zone",
    "days_only_retention",
    "errors_full_starts_cycle",
    "synthetic_full_starts_cycle",
    "inactive_copies_hold_jobs",
    "apply_extended_grace_days",
    "cycles_when_unknown",
    "week_starts_monday",
    "open_cycle_factor",
    "disagreement_tolerance_days",
    "disagreement_min_jobs",
    "disagreement_min_percent",
]


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = [
        "copy",
        "plan",
        "retention_days",
        "retention_cycles",
        "data_aging_enabled",
        "severity",
        "commcell",
        "updated_at",
    ]
    list_filter = ["commcell", "severity", "data_aging_enabled"]
    list_select_related = ["copy__storage_policy", "plan", "commcell"]
    search_fields = ["copy__name", "storage_policy__name", "plan__name"]
    ordering = ["severity_rank", "storage_policy__name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RetentionSettings)
class RetentionSettingsAdmin(admin.ModelAdmin):
    """One row per CommCell; without a row the defaults apply. Changes are audited."""

    form = ValueNamingAdminForm
    list_display = ["commcell", "aging_time", "time_zone", "days_only_retention"]
    list_select_related = ["commcell"]
    fields = ["commcell", *SETTINGS_FIELDS]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list:
        return ["commcell"] if obj is not None else []

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request.user)

    def save_model(
        self, request: HttpRequest, obj: RetentionSettings, form: Any, change: bool
    ) -> None:
        before = {}
        if change:
            stored = RetentionSettings.objects.get(pk=obj.pk)
            before = {name: str(getattr(stored, name)) for name in SETTINGS_FIELDS}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                actor=request.user,
                action="retention.settings.update"
                if change
                else "retention.settings.add",
                obj=obj,
                before=before,
                after={name: str(getattr(obj, name)) for name in SETTINGS_FIELDS},
                request_id=getattr(request, "request_id", ""),
            )
        _reanalyze(request, obj)

    def delete_model(self, request: HttpRequest, obj: RetentionSettings) -> None:
        before = {name: str(getattr(obj, name)) for name in SETTINGS_FIELDS}
        with transaction.atomic():
            audit.record(
                actor=request.user,
                action="retention.settings.delete",
                obj=obj,
                before=before,
                request_id=getattr(request, "request_id", ""),
            )
            super().delete_model(request, obj)
        _reanalyze(request, obj)


def _reanalyze(request: HttpRequest, settings: RetentionSettings) -> None:
    """Queue an analysis so that the pages show results under the new settings."""
    commcell = settings.commcell
    try:
        run = tasks.enqueue_analysis(
            commcell,
            requested_by=request.user,
            request_id=getattr(request, "request_id", ""),
        )
    except AnalysisAlreadyRunning:
        messages.warning(
            request,
            f"An analysis of {commcell.name} is already queued or running, so the "
            "pages show results under the new settings after the next analysis. "
            "Start one on the analysis runs page once it has finished.",
        )
        return

    messages.info(
        request,
        f"Analysis run {run.pk} of {commcell.name} is queued, so the pages show "
        "results under the new settings once it has finished.",
    )
