"""Read-only admin list of retention rules, which only collections write."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import RetentionRule


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
