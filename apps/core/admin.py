from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.commcell.models import CommCell

from . import tasks
from .analysis import AnalysisAlreadyRunning
from .models import AnalysisRun, AuditLog, Finding


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only admin for audit rows, because the record of a change must stay as
    written."""

    list_display = ["created_at", "actor_name", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "action", "object_repr", "object_id", "request_id"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in AuditLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Admin that lists and shows rows but never adds, changes or deletes them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    """Findings as the analysis stored them; only a later analysis changes them."""

    list_display = [
        "code",
        "severity",
        "subject_type",
        "subject_name",
        "commcell",
        "first_seen_at",
        "last_seen_at",
        "resolved_at",
    ]
    list_filter = ["severity", "subject_type", "analyzer", "commcell"]
    search_fields = ["code", "subject_name", "title"]
    date_hierarchy = "last_seen_at"
    list_select_related = ["commcell"]


@admin.register(AnalysisRun)
class AnalysisRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "commcell",
        "trigger",
        "status",
        "started_at",
        "duration_seconds",
        "requested_by",
    ]
    list_filter = ["status", "trigger", "commcell"]
    date_hierarchy = "created_at"
    list_select_related = ["commcell", "requested_by"]
    actions = ["analyze_again"]

    @admin.action(description="Run analysis now for the CommCells of these runs")
    def analyze_again(self, request: HttpRequest, queryset: QuerySet) -> None:
        commcell_ids = sorted(set(queryset.values_list("commcell_id", flat=True)))
        for commcell in CommCell.objects.filter(pk__in=commcell_ids).order_by("name"):
            try:
                run = tasks.enqueue_analysis(
                    commcell,
                    requested_by=request.user,
                    request_id=getattr(request, "request_id", ""),
                )
            except AnalysisAlreadyRunning as exc:
                self.message_user(request, str(exc), messages.WARNING)
                continue
            self.message_user(
                request,
                f"Analysis of {commcell.name} queued as run {run.pk}.",
                messages.SUCCESS,
            )
