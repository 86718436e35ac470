"""Read-only admin lists of storage pools and MediaAgents."""

from django.contrib import admin

from apps.commcell.admin import InventoryAdmin

from .models import MediaAgent, StoragePool


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
