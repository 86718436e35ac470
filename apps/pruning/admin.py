"""Admin pages: DDB stores with their partitions, DDB snapshots and data aging runs
(read-only), and the pruning thresholds (editable by admins, audited)."""

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from apps.commcell.admin import InventoryAdmin, ReadOnlyAdmin
from apps.core import audit
from apps.core.admin import ValueNamingAdminForm
from apps.core.roles import is_admin

from .models import (
    DataAgingRun,
    DDBPartition,
    DDBStore,
    DDBStoreSnapshot,
    PruningThresholds,
)


class DDBPartitionInline(admin.TabularInline):
    model = DDBPartition
    fields = ["cv_id", "path", "media_agent", "media_agent_name", "status"]
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DDBStore)
class DDBStoreAdmin(InventoryAdmin):
    list_display = [
        "name",
        "cv_id",
        "storage_policy_name",
        "copy_name",
        "pruning_enabled",
        "sealed_at",
        "primary_records",
        "pending_deletes",
        "commcell",
        "removed_at",
    ]
    list_filter = [
        "commcell",
        "pruning_enabled",
        ("sealed_at", admin.EmptyFieldListFilter),
        ("removed_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["name", "=cv_id", "storage_policy_name", "copy_name"]
    inlines = [DDBPartitionInline]


@admin.register(DDBStoreSnapshot)
class DDBStoreSnapshotAdmin(ReadOnlyAdmin):
    list_display = [
        "store",
        "collected_at",
        "pending_deletes",
        "primary_records",
        "free_disk_space_mb",
        "sealed",
        "pruning_enabled",
        "partitions_offline",
    ]
    list_filter = ["store__commcell", "sealed", "pruning_enabled"]
    search_fields = ["store__name"]
    list_select_related = ["store"]
    date_hierarchy = "collected_at"


@admin.register(DataAgingRun)
class DataAgingRunAdmin(ReadOnlyAdmin):
    list_display = ["job_id", "commcell", "start_time", "end_time", "status", "outcome"]
    list_filter = ["commcell", "outcome"]
    search_fields = ["=job_id"]
    list_select_related = ["commcell"]
    date_hierarchy = "start_time"


THRESHOLD_FIELDS = [
    "pending_deletes_warning",
    "pending_deletes_critical",
    "no_activity_days",
]


@admin.register(PruningThresholds)
class PruningThresholdsAdmin(admin.ModelAdmin):
    """The single thresholds row; admins change it and each change is audited."""

    form = ValueNamingAdminForm
    list_display = ["__str__", *THRESHOLD_FIELDS, "updated_at"]
    fields = THRESHOLD_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_admin(request.user) and not PruningThresholds.objects.exists()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: PruningThresholds, form: Any, change: bool
    ) -> None:
        stored = PruningThresholds.current()
        before = {name: getattr(stored, name) for name in THRESHOLD_FIELDS}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                actor=request.user,
                action="pruning.thresholds.update",
                obj=obj,
                before=before,
                after={name: getattr(obj, name) for name in THRESHOLD_FIELDS},
                request_id=getattr(request, "request_id", ""),
            )
