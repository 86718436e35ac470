"""Admin: pools, MediaAgents and their snapshots (read-only), and storage settings."""

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.forms.models import model_to_dict
from django.http import HttpRequest

from apps.commcell.admin import InventoryAdmin, ReadOnlyAdmin
from apps.core import audit
from apps.core.admin import ValueNamingAdminForm

from .models import (
    MediaAgent,
    MediaAgentSnapshot,
    SnapshotRetention,
    StoragePool,
    StoragePoolSnapshot,
    StorageThresholds,
)


@admin.register(StoragePool)
class StoragePoolAdmin(InventoryAdmin):
    list_display = [
        "name",
        "cv_id",
        "storage_type",
        "pool_type",
        "online",
        "total_capacity_mb",
        "free_space_mb",
        "commcell",
        "removed_at",
    ]
    list_filter = [
        "commcell",
        "storage_type",
        "pool_type",
        "online",
        ("removed_at", admin.EmptyFieldListFilter),
    ]


@admin.register(MediaAgent)
class MediaAgentAdmin(InventoryAdmin):
    list_display = [
        "name",
        "cv_id",
        "online",
        "status_text",
        "offline_reason",
        "version",
        "commcell",
        "removed_at",
    ]
    list_filter = [
        "commcell",
        "online",
        ("removed_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["name", "=cv_id", "display_name", "os_name", "version"]


@admin.register(StoragePoolSnapshot)
class StoragePoolSnapshotAdmin(ReadOnlyAdmin):
    list_display = [
        "pool",
        "collected_at",
        "total_capacity_mb",
        "free_space_mb",
        "used_mb",
        "capacity_reported",
        "commcell",
    ]
    list_filter = ["commcell", "capacity_reported"]
    search_fields = ["pool__name"]
    list_select_related = ["pool", "commcell"]
    date_hierarchy = "collected_at"


@admin.register(MediaAgentSnapshot)
class MediaAgentSnapshotAdmin(ReadOnlyAdmin):
    list_display = [
        "media_agent",
        "collected_at",
        "online",
        "offline_reason",
        "commcell",
    ]
    list_filter = ["commcell", "online"]
    search_fields = ["media_agent__name"]
    list_select_related = ["media_agent", "commcell"]
    date_hierarchy = "collected_at"


class SingletonAdmin(admin.ModelAdmin):
    """Admin of a one-row settings table: the row can be changed, not added or deleted."""

    form = ValueNamingAdminForm
    audit_action = ""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not self.model.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        before = model_to_dict(self.model.load()) if change else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                actor=request.user,
                action=self.audit_action,
                obj=obj,
                before=before,
                after=model_to_dict(obj),
                request_id=getattr(request, "request_id", ""),
            )


@admin.register(SnapshotRetention)
class SnapshotRetentionAdmin(SingletonAdmin):
    audit_action = "storage.snapshot_retention.update"
    list_display = ["keep_all_days", "keep_days"]


@admin.register(StorageThresholds)
class StorageThresholdsAdmin(SingletonAdmin):
    audit_action = "storage.thresholds.update"
    list_display = ["critical_below", "warning_below", "low_below", "full_soon_days"]
