"""Admin pages: matchers and log folders are edited here; log files and events are read-only."""

import logging
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from kombu.exceptions import KombuError

from .models import LogEvent, LogFile, LogMatcher, LogSource, LogSourceFile

logger = logging.getLogger(__name__)


@admin.register(LogMatcher)
class LogMatcherAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "log_type",
        "kind",
        "category",
        "severity",
        "priority",
        "enabled",
        "built_in",
    ]
    list_filter = ["enabled", "built_in", "category", "severity", "log_type"]
    list_editable = ["enabled"]
    search_fields = ["code", "pattern", "description"]
    readonly_fields = ["built_in"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Built-in rules are disabled, not deleted, so a data migration can update them.
        if obj is not None and obj.built_in:
            return False
        return super().has_delete_permission(request, obj)


class LogSourceFileInline(admin.TabularInline):
    model = LogSourceFile
    fields = ["name", "size", "offset", "lines_read", "mtime", "updated_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LogSource)
class LogSourceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "commcell",
        "path",
        "media_agent_name",
        "enabled",
        "last_scan_at",
        "last_scan_error",
    ]
    list_filter = ["enabled", "commcell"]
    readonly_fields = ["last_scan_at", "last_scan_error"]
    inlines = [LogSourceFileInline]
    actions = ["scan_now"]

    @admin.action(description="Scan the selected folders now")
    def scan_now(self, request: HttpRequest, queryset: QuerySet[LogSource]) -> None:
        from .tasks import scan_log_source

        sent = 0
        for source in queryset:
            try:
                scan_log_source.delay(source.pk)
            except (KombuError, OSError) as exc:
                logger.exception("Log source %s: scan not sent to Celery", source.pk)
                self.message_user(
                    request,
                    f'The scan of "{source}" could not be sent to the Celery broker '
                    f"({exc}). Check CELERY_BROKER_URL and that the broker runs.",
                    messages.ERROR,
                )
                continue
            sent += 1
        if sent:
            self.message_user(
                request,
                f"{sent} folder scan{'s' if sent != 1 else ''} sent to the Celery "
                "worker. The log files page shows what they read.",
                messages.SUCCESS,
            )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LogFile)
class LogFileAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "commcell",
        "log_type",
        "media_agent_name",
        "status",
        "total_lines",
        "matched_lines",
        "unparsed_lines",
        "uploaded_at",
    ]
    list_filter = ["status", "origin", "log_type", "commcell"]
    search_fields = ["original_name", "archive_member", "sha256", "media_agent_name"]
    actions = ["parse_again"]

    @admin.action(description="Parse the selected failed or stalled files again")
    def parse_again(self, request: HttpRequest, queryset: QuerySet[LogFile]) -> None:
        from .services import parse_again

        request_id = getattr(request, "request_id", "")
        queued, refused = [], []
        for log_file in queryset:
            if parse_again(log_file, request.user, request_id):
                queued.append(log_file)
            else:
                refused.append(log_file)
        if queued:
            self.message_user(
                request,
                f"{len(queued)} log file{'s' if len(queued) != 1 else ''} sent to the "
                "Celery worker to be parsed again. The log files page shows the "
                "progress.",
                messages.SUCCESS,
            )
        for log_file in refused:
            self.message_user(
                request,
                f'"{log_file}" (log file {log_file.pk}) is '
                f"{log_file.get_status_display().lower()}; only failed, partly "
                "parsed or stalled files are parsed again.",
                messages.WARNING,
            )


@admin.register(LogEvent)
class LogEventAdmin(ReadOnlyAdmin):
    list_display = [
        "occurred_at",
        "code",
        "category",
        "severity",
        "media_agent_name",
        "store_cv_id",
        "job_id",
    ]
    list_filter = ["category", "severity", "log_type"]
    list_select_related = ["log_file"]
    search_fields = ["code", "message"]
    raw_id_fields = ["log_file", "media_agent", "ddb_store"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
