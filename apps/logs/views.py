"""Log pages: upload (admins), the list of log files and the filterable event list."""

import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django_htmx.http import HttpResponseClientRedirect

from apps.core.permissions import AdminRequiredMixin, ViewerRequiredMixin

from .filters import LogEventFilterSet
from .forms import LogUploadForm
from .ingest import UploadRequest, upload_max_bytes
from .models import STALLED_AFTER, LogEvent, LogFile
from .services import upload_logs

logger = logging.getLogger(__name__)

PAGE_SIZE = 50


class HtmxLoginMixin:
    def handle_no_permission(self) -> HttpResponse:
        """Send htmx requests of an expired session to the login page as a whole."""
        response = super().handle_no_permission()  # type: ignore[misc]
        if getattr(self.request, "htmx", False) and isinstance(  # type: ignore[attr-defined]
            response, HttpResponseRedirect
        ):
            return HttpResponseClientRedirect(response.url)
        return response


class LogUploadView(AdminRequiredMixin, View):
    template_name = "logs/upload.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, LogUploadForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = LogUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, form, status=400)

        data = form.cleaned_data
        upload_request = UploadRequest(
            commcell=data["commcell"],
            media_agent_name=data["media_agent_name"].strip(),
            time_zone=data["time_zone"],
            user=request.user,
            file_date=data["file_date"],
        )
        outcome = upload_logs(
            data["files"], upload_request, getattr(request, "request_id", "")
        )
        for log_file in outcome.accepted:
            messages.success(request, _stored_message(log_file))
        errors = outcome.errors + [
            f'"{log_file}" was stored but could not be read: {log_file.error}'
            for log_file in outcome.failed
        ]
        if errors:
            return self._render(request, form, status=400, upload_errors=errors)
        return redirect("logs:file-list")

    def _render(
        self,
        request: HttpRequest,
        form: LogUploadForm,
        status: int = 200,
        upload_errors: list[str] | None = None,
    ) -> HttpResponse:
        context = {
            "form": form,
            "upload_errors": upload_errors or [],
            "max_megabytes": upload_max_bytes() // (1024 * 1024),
        }
        return render(request, self.template_name, context, status=status)


def _stored_message(log_file: LogFile) -> str:
    if log_file.status == LogFile.Status.QUEUED:
        return f'Stored "{log_file}"; the Celery worker parses it now.'
    return f'Stored "{log_file}" ({log_file.get_status_display()}).'


class LogFileListView(HtmxLoginMixin, ViewerRequiredMixin, View):
    """List log files with their counts; htmx polls the table while files parse."""

    def get(self, request: HttpRequest) -> HttpResponse:
        files = LogFile.objects.select_related("commcell", "uploaded_by")
        paginator = Paginator(files, PAGE_SIZE)
        context = {
            "page_obj": paginator.get_page(request.GET.get("page")),
            "unknown_type_files": files.filter(log_type_known=False).count(),
            "parsing": active_parses(),
        }
        if _wants_fragment(request):
            return render(request, "logs/partials/files.html", context)
        return render(request, "logs/file_list.html", context)


def active_parses() -> int:
    """Count queued or running parses that are not stalled; the page polls while any run."""
    return (
        LogFile.objects.filter(
            status__in=[LogFile.Status.QUEUED, LogFile.Status.PARSING]
        )
        .annotate(alive_at=Coalesce("progress_at", "started_at", "uploaded_at"))
        .filter(alive_at__gte=timezone.now() - STALLED_AFTER)
        .count()
    )


def _wants_fragment(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.boosted and not htmx.history_restore_request


class LogEventListView(HtmxLoginMixin, ViewerRequiredMixin, View):
    page_template = "logs/event_list.html"
    fragment_template = "logs/partials/events.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        events = LogEvent.objects.select_related("commcell", "log_file")
        filterset = LogEventFilterSet(request.GET, queryset=events)
        valid = filterset.is_valid()
        if not valid:
            logger.debug(
                "log event list request %s: invalid filters %s",
                getattr(request, "request_id", ""),
                filterset.errors.as_json(),
            )
        rows = filterset.qs if valid else LogEvent.objects.none()
        paginator = Paginator(rows, PAGE_SIZE)
        context = {
            "form": filterset.form,
            "filter_errors": _filter_errors(filterset),
            "page_obj": paginator.get_page(request.GET.get("page")),
        }
        if _wants_fragment(request):
            return render(request, self.fragment_template, context)
        return render(request, self.page_template, context)


def _filter_errors(filterset: LogEventFilterSet) -> list[str]:
    found = []
    form = filterset.form
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = field.label if field is not None else "Filters"
        value = filterset.data.get(name, "") if name in form.fields else ""
        prefix = f'{label} "{value}"' if value else label
        found.extend(f"{prefix}: {error}" for error in errors)
    return found
