"""Admin pages: CommCell connections (editable, audited), runs and inventory (read-only)."""

import logging
from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_post_parameters

from apps.core import audit, crypto
from apps.core.roles import is_admin

from . import schedule, services
from .forms import CommCellAdminForm
from .models import (
    Client,
    CommCell,
    Job,
    JobOnCopy,
    Plan,
    StoragePolicy,
    StoragePolicyCopy,
    SyncRun,
)

logger = logging.getLogger(__name__)


@admin.register(CommCell)
class CommCellAdmin(admin.ModelAdmin):
    form = CommCellAdminForm
    list_display = [
        "name",
        "base_url",
        "enabled",
        "collection_interval_minutes",
        "last_run_status",
        "last_run_finished",
        "commserve_version",
    ]
    list_filter = ["enabled", "auth_type"]
    search_fields = ["name", "base_url", "commserve_name"]
    readonly_fields = [
        "secret_state",
        "commserve_name",
        "commserve_version",
        "commserve_cv_id",
        "commserve_identity_name",
        "commserve_time_zone",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "base_url", "enabled"]}),
        (
            "Login",
            {
                "fields": [
                    "auth_type",
                    "username",
                    "secret_state",
                    "secret",
                    "clear_secret",
                ]
            },
        ),
        ("TLS", {"fields": ["verify_tls", "ca_bundle"]}),
        (
            "Collection",
            {
                "fields": [
                    "collection_interval_minutes",
                    "copy_jobs_interval_hours",
                    "timeout_seconds",
                    "page_size",
                    "initial_job_days",
                    "job_overlap_hours",
                ]
            },
        ),
        (
            "Reported by the CommServe",
            {
                "fields": [
                    "commserve_name",
                    "commserve_version",
                    "commserve_cv_id",
                    "commserve_identity_name",
                    "commserve_time_zone",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]
    actions = ["collect_now", "forget_commserve_identity"]

    # The add and change views both run changeform_view, so an error report of
    # either hides the posted password or token, with DEBUG on or off.
    @method_decorator(sensitive_post_parameters("secret"))
    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        request.exception_reporter_filter = crypto.SecretReporterFilter()
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[CommCell]:
        latest = SyncRun.objects.filter(commcell=OuterRef("pk")).order_by("-created_at")
        return (
            super()
            .get_queryset(request)
            .annotate(
                last_status=Subquery(latest.values("status")[:1]),
                last_finished=Subquery(latest.values("finished_at")[:1]),
            )
        )

    @admin.display(description="Last run", ordering="last_status")
    def last_run_status(self, commcell: CommCell) -> str:
        status = getattr(commcell, "last_status", None)
        if status is None:
            return "never"
        return SyncRun.Status(status).label

    @admin.display(description="Last run finished", ordering="last_finished")
    def last_run_finished(self, commcell: CommCell) -> Any:
        return getattr(commcell, "last_finished", None)

    @admin.display(description="Password or token stored")
    def secret_state(self, commcell: CommCell) -> str:
        return "yes" if commcell.has_secret else "no"

    def save_model(
        self, request: HttpRequest, obj: CommCell, form: Any, change: bool
    ) -> None:
        before = None
        if change:
            before = CommCell.objects.get(pk=obj.pk).settings_state()
        super().save_model(request, obj, form, change)

        after = {
            **obj.settings_state(),
            "secret": "changed" if form.secret_changed else "unchanged",
        }
        audit.record(
            actor=request.user,
            action="commcell.update" if change else "commcell.create",
            obj=obj,
            before=before,
            after=after,
            request_id=getattr(request, "request_id", ""),
        )
        schedule.sync_schedule(obj)

    def delete_model(self, request: HttpRequest, obj: CommCell) -> None:
        self._audit_delete(request, obj)
        schedule.remove_schedule(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for commcell in queryset:
            self._audit_delete(request, commcell)
            schedule.remove_schedule(commcell)
        super().delete_queryset(request, queryset)

    def _audit_delete(self, request: HttpRequest, commcell: CommCell) -> None:
        audit.record(
            actor=request.user,
            action="commcell.delete",
            obj=commcell,
            before=commcell.settings_state(),
            after=None,
            request_id=getattr(request, "request_id", ""),
        )

    @admin.action(description="Collect now")
    def collect_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        for commcell in queryset:
            try:
                run = services.enqueue_sync(
                    commcell, trigger="manual", requested_by=request.user
                )
            except services.SyncAlreadyRunning as exc:
                self.message_user(request, str(exc), messages.WARNING)
                continue
            url = reverse("commcell:syncrun-detail", args=[run.pk])
            self.message_user(
                request,
                format_html(
                    'Collection of {} queued as <a href="{}">run {}</a>.',
                    commcell.name,
                    url,
                    run.pk,
                ),
                messages.SUCCESS,
            )

    @admin.action(description="Forget the CommServe identity (CommServe rebuilt)")
    def forget_commserve_identity(
        self, request: HttpRequest, queryset: QuerySet
    ) -> None:
        """Let the next run store the identity it finds, after a CommServe rebuild."""
        for commcell in queryset:
            before = {
                "commserve_cv_id": commcell.commserve_cv_id,
                "commserve_identity_name": commcell.commserve_identity_name,
            }
            with transaction.atomic():
                commcell.commserve_cv_id = None
                commcell.commserve_identity_name = ""
                commcell.save(
                    update_fields=["commserve_cv_id", "commserve_identity_name"]
                )
                audit.record(
                    actor=request.user,
                    action="commcell.forget_identity",
                    obj=commcell,
                    before=before,
                    after={"commserve_cv_id": None, "commserve_identity_name": ""},
                    request_id=getattr(request, "request_id", ""),
                )
            self.message_user(
                request,
                f"CommCell {commcell.name}: the next collection stores the identity "
                "of the CommServe it finds.",
                messages.SUCCESS,
            )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the collector writes: admins may look, but only a collection changes them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InventoryAdmin(ReadOnlyAdmin):
    """Read-only list of one kind of inventory, searchable and filtered by CommCell."""

    list_filter: Any = ["commcell", ("removed_at", admin.EmptyFieldListFilter)]
    search_fields: Any = ["name", "=cv_id"]
    list_select_related = ["commcell"]


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "commcell",
        "status",
        "trigger",
        "created_at",
        "started_at",
        "finished_at",
        "duration_seconds",
    ]
    list_filter = ["status", "trigger", "commcell"]
    search_fields = ["commcell__name", "=id"]
    list_select_related = ["commcell", "requested_by"]
    date_hierarchy = "created_at"
    actions = ["mark_failed"]

    def has_mark_failed_permission(self, request: HttpRequest) -> bool:
        return is_admin(request.user)

    @admin.action(description="Mark as failed", permissions=["mark_failed"])
    def mark_failed(self, request: HttpRequest, queryset: QuerySet) -> None:
        for run in queryset.select_related("commcell"):
            if services.mark_run_failed(
                run, actor=request.user, request_id=getattr(request, "request_id", "")
            ):
                self.message_user(
                    request, f"Run {run.pk} marked as failed.", messages.SUCCESS
                )
            else:
                self.message_user(
                    request,
                    f"Run {run.pk} was not changed: it is {run.get_status_display()}, "
                    "and only a queued or running run can be marked as failed.",
                    messages.WARNING,
                )


@admin.register(Client)
class ClientAdmin(InventoryAdmin):
    list_display = [
        "name",
        "cv_id",
        "host_name",
        "company",
        "commcell",
        "last_seen_at",
        "removed_at",
    ]
    search_fields = ["name", "=cv_id", "host_name", "display_name", "company"]


@admin.register(StoragePolicy)
class StoragePolicyAdmin(InventoryAdmin):
    list_display = [
        "name",
        "cv_id",
        "policy_type",
        "number_of_copies",
        "commcell",
        "last_seen_at",
        "removed_at",
    ]


@admin.register(Plan)
class PlanAdmin(InventoryAdmin):
    list_display = [
        "name",
        "cv_id",
        "storage_policy",
        "rpo_minutes",
        "associated_entities",
        "commcell",
        "removed_at",
    ]
    list_select_related = ["commcell", "storage_policy"]
    search_fields = ["name", "=cv_id", "storage_policy__name", "description"]


@admin.register(StoragePolicyCopy)
class StoragePolicyCopyAdmin(InventoryAdmin):
    list_display = [
        "name",
        "cv_id",
        "storage_policy",
        "copy_precedence",
        "is_default",
        "active",
        "job_selection_text",
        "storage_pool_name",
        "commcell",
        "removed_at",
    ]
    list_filter = [
        "commcell",
        "active",
        "is_default",
        "job_selection",
        "dedup_enabled",
        "worm",
        ("removed_at", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["commcell", "storage_policy"]
    search_fields = ["name", "=cv_id", "storage_policy__name", "storage_pool_name"]
    # The field's own display shows a code outside its choices as empty.
    exclude = ["job_selection"]
    readonly_fields = ["job_selection_text"]

    @admin.display(description="job selection", ordering="job_selection")
    def job_selection_text(self, copy: StoragePolicyCopy) -> str:
        return copy.job_selection_label


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = [
        "job_id",
        "commcell",
        "client_name",
        "subclient_name",
        "level",
        "outcome",
        "start_time",
        "end_time",
        "media_bytes",
    ]
    list_filter = ["commcell", "level", "outcome", "is_aged"]
    search_fields = ["=job_id", "client_name", "subclient_name"]
    list_select_related = ["commcell"]
    date_hierarchy = "start_time"
    # Counting millions of jobs for every page is slow, so the list skips the total.
    show_full_result_count = False
    raw_id_fields = ["client", "storage_policy", "plan"]


@admin.register(JobOnCopy)
class JobOnCopyAdmin(ReadOnlyAdmin):
    list_display = [
        "job_id",
        "copy",
        "commcell",
        "retained_by",
        "retain_until",
        "retain_infinite",
        "is_aged",
        "copied_time",
        "collected_at",
    ]
    list_filter = [
        "commcell",
        ("copy", admin.RelatedOnlyFieldListFilter),
        "retained_by",
        "is_aged",
    ]
    search_fields = ["=job_id"]
    list_select_related = ["commcell", "copy", "copy__storage_policy"]
    # Counting millions of rows for every page is slow, so the list skips the total.
    show_full_result_count = False
    raw_id_fields = ["copy"]
