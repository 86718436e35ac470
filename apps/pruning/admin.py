"""Read-only admin list of DDB stores, with their partitions."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.commcell.admin import InventoryAdmin

from .models import DDBPartition, DDBStore


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
