"""Log API: read log files and events, manage matchers (admins), upload logs (admins)."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.commcell.models import CommCell
from apps.core.permissions import IsAdmin, IsViewerReadOrAdmin

from .filters import LogEventFilterSet, LogFileFilterSet
from .forms import LogUploadForm
from .ingest import UploadRequest
from .matching import InvalidPatternError, compile_pattern
from .models import LogEvent, LogFile, LogMatcher
from .services import upload_logs


class LogFileSerializer(serializers.ModelSerializer):
    commcell = serializers.PrimaryKeyRelatedField(read_only=True)
    uploaded_by = serializers.CharField(
        source="uploaded_by.username", read_only=True, default=None
    )
    progress_percent = serializers.IntegerField(read_only=True, allow_null=True)
    # Named parse_status because the sync run API already has a "status" enum.
    parse_status = serializers.ChoiceField(
        source="status", choices=LogFile.Status.choices, read_only=True
    )

    class Meta:
        model = LogFile
        fields = [
            "id",
            "commcell",
            "original_name",
            "archive_member",
            "log_type",
            "log_type_known",
            "media_agent_name",
            "time_zone",
            "sha256",
            "size",
            "origin",
            "log_source",
            "uploaded_by",
            "uploaded_at",
            "parse_status",
            "progress_percent",
            "total_lines",
            "matched_lines",
            "unparsed_lines",
            "unparsed_line_numbers",
            "undecodable_lines",
            "long_lines",
            "first_event_at",
            "last_event_at",
            "error",
            "warnings",
        ]
        read_only_fields = fields


class LogEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = LogEvent
        fields = [
            "id",
            "commcell",
            "log_file",
            "line_number",
            "occurred_at",
            "log_type",
            "code",
            "category",
            "severity",
            "media_agent",
            "media_agent_name",
            "ddb_store",
            "store_cv_id",
            "job_id",
            "counts",
            "message",
        ]
        read_only_fields = fields


class LogMatcherSerializer(serializers.ModelSerializer):
    class Meta:
        model = LogMatcher
        fields = [
            "id",
            "code",
            "log_type",
            "kind",
            "pattern",
            "category",
            "severity",
            "store_id_from",
            "job_id_from",
            "priority",
            "description",
            "enabled",
            "built_in",
        ]
        read_only_fields = ["built_in"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs.get("kind", getattr(self.instance, "kind", LogMatcher.Kind.REGEX))
        pattern = attrs.get("pattern", getattr(self.instance, "pattern", ""))
        try:
            compile_pattern(kind, pattern)
        except InvalidPatternError as exc:
            raise serializers.ValidationError({"pattern": str(exc)}) from exc
        return attrs


@extend_schema_view(
    list=extend_schema(summary="List log files, newest first"),
    retrieve=extend_schema(summary="Read one log file with its line counts"),
)
class LogFileViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LogFileSerializer
    filterset_class = LogFileFilterSet
    ordering_fields = ["uploaded_at", "total_lines", "matched_lines"]

    def get_queryset(self) -> QuerySet[LogFile]:
        return LogFile.objects.select_related("uploaded_by").order_by("-uploaded_at")


@extend_schema_view(
    list=extend_schema(summary="List log events, newest first"),
    retrieve=extend_schema(summary="Read one log event"),
)
class LogEventViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LogEventSerializer
    filterset_class = LogEventFilterSet
    ordering_fields = ["occurred_at", "line_number"]

    def get_queryset(self) -> QuerySet[LogEvent]:
        return LogEvent.objects.order_by("-occurred_at", "-pk")


@extend_schema_view(
    list=extend_schema(summary="List log matchers in the order they are tried"),
)
class LogMatcherViewSet(viewsets.ModelViewSet):
    """Viewers read the matchers; admins add, change and disable them."""

    serializer_class = LogMatcherSerializer
    permission_classes = [IsViewerReadOrAdmin]
    queryset = LogMatcher.objects.all()
    filterset_fields = ["log_type", "category", "enabled", "built_in"]

    def perform_destroy(self, instance: LogMatcher) -> None:
        if instance.built_in:
            raise serializers.ValidationError(
                f'The built-in matcher "{instance.code}" cannot be deleted; set '
                "enabled to false instead."
            )
        instance.delete()


class LogUploadSerializer(serializers.Serializer):
    commcell = serializers.PrimaryKeyRelatedField(queryset=CommCell.objects.all())
    media_agent_name = serializers.CharField(required=False, allow_blank=True)
    time_zone = serializers.CharField(required=False, default="UTC")
    file_date = serializers.DateTimeField(required=False, allow_null=True)
    files = serializers.ListField(child=serializers.FileField())


class LogUploadView(APIView):
    """Upload one or more log files (multipart field `files`)."""

    permission_classes = [IsAdmin]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Upload log files",
        request={"multipart/form-data": LogUploadSerializer},
        responses={201: LogFileSerializer(many=True)},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = LogUploadForm(
            {
                "commcell": request.data.get("commcell"),
                "media_agent_name": request.data.get("media_agent_name", ""),
                "time_zone": request.data.get("time_zone") or "UTC",
                "file_date": request.data.get("file_date"),
            },
            {"files": request.FILES.getlist("files")},
        )
        if not form.is_valid():
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)

        data = form.cleaned_data
        outcome = upload_logs(
            data["files"],
            UploadRequest(
                commcell=data["commcell"],
                media_agent_name=data["media_agent_name"].strip(),
                time_zone=data["time_zone"],
                user=request.user,
                file_date=data["file_date"],
            ),
            getattr(request, "request_id", ""),
        )
        body = {
            "log_files": LogFileSerializer(outcome.stored, many=True).data,
            "errors": outcome.errors,
            "failed": [
                {"id": log_file.pk, "name": str(log_file), "error": log_file.error}
                for log_file in outcome.failed
            ],
        }
        code = (
            status.HTTP_201_CREATED if outcome.accepted else status.HTTP_400_BAD_REQUEST
        )
        return Response(body, status=code)
