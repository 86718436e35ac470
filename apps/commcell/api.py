"""REST API for CommCells, their sync runs and the inventory collected from them."""

import copy
import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.validators import UniqueValidator

from apps.core import audit, crypto
from apps.core.api import NewestFirstCursorPagination
from apps.core.permissions import IsAdmin
from apps.storage.models import StoragePool

from . import filters, schedule, services
from .models import (
    Client,
    CommCell,
    Job,
    JobOnCopy,
    Plan,
    StoragePolicy,
    StoragePolicyCopy,
    SyncRun,
    base_url_error,
    without_userinfo,
)

logger = logging.getLogger(__name__)

INVENTORY_FIELDS = (
    "id",
    "commcell",
    "commcell_name",
    "cv_id",
    "name",
    "first_seen_at",
    "last_seen_at",
    "removed_at",
)

INVENTORY_ORDERING = ["name", "cv_id", "first_seen_at", "last_seen_at", "id"]

http_url = URLValidator(schemes=["http", "https"])


class LastRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=SyncRun.Status.choices)
    finished_at = serializers.DateTimeField(allow_null=True)


class CommCellSerializer(serializers.ModelSerializer):
    """A CommServe connection. The password or token is write-only, never returned."""

    secret = serializers.CharField(
        write_only=True,
        required=False,
        max_length=4096,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Password or QSDK token. Write-only: responses carry has_secret "
        "instead. Required on create; leave it out on update to keep the stored one.",
    )
    # A plain CharField, so validate_base_url reports every invalid value itself.
    base_url = serializers.CharField(
        max_length=300,
        help_text="REST base URL, for example "
        "https://commserve.example.com/webconsole/api",
    )
    has_secret = serializers.BooleanField(read_only=True)
    last_run = serializers.SerializerMethodField()

    class Meta:
        model = CommCell
        fields = (
            "id",
            *CommCell.SETTINGS_FIELDS,
            "secret",
            "has_secret",
            "commserve_name",
            "commserve_version",
            "commserve_time_zone",
            "last_run",
            "created_at",
            "updated_at",
        )
        read_only_fields = (
            "commserve_name",
            "commserve_version",
            "commserve_time_zone",
            "created_at",
            "updated_at",
        )
        extra_kwargs = {
            "name": {
                "validators": [
                    UniqueValidator(
                        queryset=CommCell.objects.all(),
                        message="A CommCell with this name already exists: choose "
                        "another name, or update the existing one.",
                    )
                ]
            }
        }

    def __repr__(self) -> str:
        # DRF's own repr lists the request data, secret included, and error reports
        # print the repr of every serializer on the stack.
        return f"<{type(self).__name__} instance={self.instance!r}>"

    def to_representation(self, instance: CommCell) -> dict[str, Any]:
        data = super().to_representation(instance)
        # Rows saved before user info in the URL was rejected may still carry a
        # password there.
        data["base_url"] = without_userinfo(data["base_url"])
        return data

    @extend_schema_field(LastRunSerializer(allow_null=True))
    def get_last_run(self, commcell: CommCell) -> dict[str, Any] | None:
        run_id = getattr(commcell, "last_run_id", None)
        if run_id is None:
            return None
        return {
            "id": run_id,
            "status": commcell.last_run_status,
            "finished_at": commcell.last_run_finished_at,
        }

    def validate_base_url(self, value: str) -> str:
        # Checked first, so no later message repeats a password given in the URL.
        error = base_url_error(value)
        if error:
            raise serializers.ValidationError(error)

        try:
            http_url(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                f"Invalid base_url {value!r}: use the CommServe's REST URL starting "
                "with https:// (or http://), for example "
                "https://commserve.example.com/webconsole/api."
            ) from exc
        return value

    def validate_secret(self, value: str) -> str:
        if not value:
            raise serializers.ValidationError(
                "The secret is empty: send the password or token, or leave the field "
                "out to keep the stored one."
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and not attrs.get("secret"):
            raise serializers.ValidationError(
                {"secret": "A new CommCell needs its password or token in secret."}
            )

        # The admin form runs the same model validation (field ranges, base URL,
        # user name, CA bundle) through ModelForm.
        candidate = self._candidate(attrs)
        try:
            candidate.full_clean(validate_unique=False, validate_constraints=False)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs

    def _candidate(self, attrs: dict[str, Any]) -> CommCell:
        """Return an unsaved CommCell with the request's values applied."""
        values = {key: value for key, value in attrs.items() if key != "secret"}
        if self.instance is None:
            return CommCell(**values)

        candidate = copy.copy(self.instance)
        for field, value in values.items():
            setattr(candidate, field, value)
        return candidate

    @sensitive_variables("secret", "validated_data")
    def create(self, validated_data: dict[str, Any]) -> CommCell:
        secret = validated_data.pop("secret")
        commcell = CommCell(**validated_data)
        commcell.secret = secret

        with transaction.atomic():
            commcell.save()
            audit.record(
                actor=self._actor(),
                action="commcell.create",
                obj=commcell,
                after=_audited_settings(commcell, secret_changed=True),
                request_id=self._request_id(),
            )
            schedule.sync_schedule(commcell)
        logger.info(
            "CommCell %s (id %s) created through the API by %s",
            commcell.name,
            commcell.pk,
            self._actor().username,
        )
        return commcell

    @sensitive_variables("secret", "validated_data")
    def update(self, instance: CommCell, validated_data: dict[str, Any]) -> CommCell:
        before = _audited_settings(instance, secret_changed=False)
        secret = validated_data.pop("secret", None)
        for field, value in validated_data.items():
            setattr(instance, field, value)
        # Only the fields sent are saved, so the CommServe name and version that a
        # running collection writes are not overwritten with the values read here.
        changed = [*validated_data, "updated_at"]
        if secret is not None:
            instance.secret = secret
            changed.append("secret_encrypted")

        with transaction.atomic():
            instance.save(update_fields=changed)
            audit.record(
                actor=self._actor(),
                action="commcell.update",
                obj=instance,
                before=before,
                after=_audited_settings(instance, secret_changed=secret is not None),
                request_id=self._request_id(),
            )
            schedule.sync_schedule(instance)
        logger.info(
            "CommCell %s (id %s) updated through the API by %s: %s",
            instance.name,
            instance.pk,
            self._actor().username,
            ", ".join(changed),
        )
        return instance

    def _actor(self) -> Any:
        return self.context["request"].user

    def _request_id(self) -> str:
        return getattr(self.context["request"], "request_id", "")


def _audited_settings(commcell: CommCell, *, secret_changed: bool) -> dict[str, Any]:
    """Return the CommCell's settings for an audit row: never the secret itself."""
    values = commcell.settings_state()
    values["has_secret"] = commcell.has_secret
    values["secret_changed"] = secret_changed
    return values


class SyncRunSerializer(serializers.ModelSerializer):
    commcell_name = serializers.CharField(source="commcell.name", read_only=True)
    requested_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = SyncRun
        fields = (
            "id",
            "commcell",
            "commcell_name",
            "status",
            "trigger",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "current_step",
            "progress",
            "counts",
            "errors",
            "warnings",
            "job_window_start",
            "job_window_end",
        )
        read_only_fields = fields


class InventorySerializer(serializers.ModelSerializer):
    """Base of every inventory serializer; querysets must select_related commcell."""

    commcell_name = serializers.CharField(source="commcell.name", read_only=True)


class ClientSerializer(InventorySerializer):
    class Meta:
        model = Client
        fields = (*INVENTORY_FIELDS, "host_name", "display_name", "company")


class PlanSerializer(InventorySerializer):
    storage_policy_name = serializers.CharField(
        source="storage_policy.name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Plan
        fields = (
            *INVENTORY_FIELDS,
            "plan_type",
            "subtype",
            "rpo_minutes",
            "status_flag",
            "number_of_copies",
            "associated_entities",
            "description",
            "storage_policy",
            "storage_policy_name",
        )


class StoragePolicySerializer(InventorySerializer):
    class Meta:
        model = StoragePolicy
        fields = (
            *INVENTORY_FIELDS,
            "policy_type",
            "number_of_copies",
            "number_of_streams",
        )


class StoragePolicyCopySerializer(InventorySerializer):
    storage_policy_name = serializers.CharField(
        source="storage_policy.name", read_only=True
    )
    storage_pool = serializers.IntegerField(
        source="storage_pool_id",
        read_only=True,
        allow_null=True,
        help_text="Id of the collected storage pool the copy writes to, or null when "
        "that pool is not in the inventory.",
    )
    retention_severity = serializers.SerializerMethodField(
        help_text="Severity of the copy's retention rule, or null before "
        "classification."
    )
    job_selection = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Jobs the copy takes from its source: 0 for all jobs, otherwise "
        "the selective copy rule code (2 all fulls, 4 weekly fulls, 8 monthly fulls, "
        "and others), kept as sent when it is not a known code. Null before the "
        "selection is collected.",
    )
    job_selection_label = serializers.CharField(
        read_only=True,
        help_text='The job selection as text, such as "weekly fulls", or '
        '"selection code N" for a code that is not known.',
    )

    class Meta:
        model = StoragePolicyCopy
        fields = (
            *INVENTORY_FIELDS,
            "storage_policy",
            "storage_policy_name",
            "copy_precedence",
            "copy_type",
            "is_default",
            "is_snap_copy",
            "is_mirror_copy",
            "active",
            "storage_type",
            "dedup_enabled",
            "worm",
            "override_pool_retention",
            "source_copy_cv_id",
            "storage_pool",
            "storage_pool_cv_id",
            "storage_pool_name",
            "library_name",
            "job_selection",
            "job_selection_label",
            "retention_severity",
        )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_retention_severity(self, copy: StoragePolicyCopy) -> str | None:
        rule = getattr(copy, "retention_rule", None)
        return rule.severity if rule is not None else None


class JobSerializer(serializers.ModelSerializer):
    commcell_name = serializers.CharField(source="commcell.name", read_only=True)
    plan_name = serializers.CharField(
        source="plan.name", read_only=True, allow_null=True, default=None
    )
    storage_policy_name = serializers.CharField(
        source="storage_policy.name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Job
        fields = (
            "id",
            "commcell",
            "commcell_name",
            "job_id",
            "job_type",
            "level",
            "level_name",
            "status",
            "outcome",
            "client",
            "client_name",
            "plan",
            "plan_name",
            "storage_policy",
            "storage_policy_name",
            "subclient_cv_id",
            "subclient_name",
            "app_type",
            "start_time",
            "end_time",
            "application_bytes",
            "media_bytes",
            "percent_savings",
            "is_aged",
        )


class JobOnCopySerializer(serializers.ModelSerializer):
    commcell_name = serializers.CharField(source="commcell.name", read_only=True)
    copy_name = serializers.CharField(source="copy.name", read_only=True)
    storage_policy_name = serializers.CharField(
        source="copy.storage_policy.name", read_only=True
    )

    class Meta:
        model = JobOnCopy
        fields = (
            "id",
            "commcell",
            "commcell_name",
            "copy",
            "copy_name",
            "storage_policy_name",
            "job_id",
            "retain_until",
            "retain_infinite",
            "retained_by",
            "retained_by_text",
            "retention_reason",
            "is_aged",
            "is_soft_aged",
            "copied_time",
            "required_by_jobs",
            "collected_at",
        )


def commcells_with_last_run() -> QuerySet[CommCell]:
    """Return CommCells annotated with the id, status and end of their newest run."""
    newest = SyncRun.objects.filter(commcell=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    return CommCell.objects.annotate(
        last_run_id=Subquery(newest.values("pk")[:1]),
        last_run_status=Subquery(newest.values("status")[:1]),
        last_run_finished_at=Subquery(newest.values("finished_at")[:1]),
    )


def copies_with_pool() -> QuerySet[StoragePolicyCopy]:
    """Return copies annotated with the id of the storage pool they write to.

    A copy names its pool by the pool's id or by the id of the pool's global storage
    policy, so both are matched. When several pools match, a pool still present wins
    over a removed one, then a match on the pool's own id over one on its policy id.
    """
    # One subquery per rank, joined by Coalesce: SQLite rejects a subquery whose
    # ORDER BY refers to a column of the outer query.
    pools = StoragePool.objects.filter(commcell=OuterRef("commcell"))
    own = pools.filter(cv_id=OuterRef("storage_pool_cv_id"))
    by_policy = pools.filter(storage_policy_cv_id=OuterRef("storage_pool_cv_id"))
    ranked = [
        own.filter(removed_at__isnull=True).order_by("pk"),
        by_policy.filter(removed_at__isnull=True).order_by("pk"),
        own.filter(removed_at__isnull=False).order_by("removed_at", "pk"),
        by_policy.filter(removed_at__isnull=False).order_by("removed_at", "pk"),
    ]
    pool_id = Coalesce(*(Subquery(query.values("pk")[:1]) for query in ranked))
    return StoragePolicyCopy.objects.select_related(
        "commcell", "storage_policy", "retention_rule"
    ).annotate(storage_pool_id=pool_id)


conflict_response = inline_serializer(
    "ConflictDetail",
    fields={
        "detail": serializers.CharField(),
        "active_run": serializers.IntegerField(allow_null=True),
    },
)


class CommCellViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """CommServe connections. Viewers read; admins create, update and collect."""

    serializer_class = CommCellSerializer
    filterset_class = filters.CommCellFilterSet
    ordering_fields = ["name", "created_at", "updated_at", "id"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[CommCell]:
        return commcells_with_last_run()

    def initialize_request(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> Any:
        # Error reports of this view hide the secret, with DEBUG on or off.
        request.exception_reporter_filter = crypto.SecretReporterFilter()
        return super().initialize_request(request, *args, **kwargs)

    # DRF's Serializer.save keeps the validated data, secret included, in a local.
    @sensitive_variables("validated_data", "secret")
    def perform_create(self, serializer: CommCellSerializer) -> None:
        serializer.save()

    @sensitive_variables("validated_data", "secret")
    def perform_update(self, serializer: CommCellSerializer) -> None:
        serializer.save()

    @extend_schema(
        request=None,
        responses={202: SyncRunSerializer, 409: conflict_response},
        description="Queue a collection now. Returns 409 while another run of this "
        "CommCell is queued or running.",
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAdmin])
    def collect(self, request: Request, pk: str | None = None) -> Response:
        commcell = self.get_object()
        try:
            run = services.enqueue_sync(
                commcell, trigger="api", requested_by=request.user
            )
        except services.SyncAlreadyRunning as exc:
            active = exc.active_run.pk if exc.active_run else None
            logger.info(
                "CommCell %s collect request by %s rejected: run %s active",
                commcell.name,
                request.user.username,
                active,
            )
            return Response(
                {"detail": str(exc), "active_run": active},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(SyncRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class SyncRunViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = SyncRun.objects.select_related("commcell", "requested_by")
    serializer_class = SyncRunSerializer
    filterset_class = filters.SyncRunFilterSet
    ordering_fields = ["created_at", "started_at", "finished_at", "id"]
    ordering = ["-created_at", "-id"]


class ClientViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Client.objects.select_related("commcell")
    serializer_class = ClientSerializer
    filterset_class = filters.ClientFilterSet
    ordering_fields = [*INVENTORY_ORDERING, "host_name"]
    ordering = ["name", "id"]


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Plan.objects.select_related("commcell", "storage_policy")
    serializer_class = PlanSerializer
    filterset_class = filters.PlanFilterSet
    ordering_fields = INVENTORY_ORDERING
    ordering = ["name", "id"]


class StoragePolicyViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = StoragePolicy.objects.select_related("commcell")
    serializer_class = StoragePolicySerializer
    filterset_class = filters.StoragePolicyFilterSet
    ordering_fields = INVENTORY_ORDERING
    ordering = ["name", "id"]


class StoragePolicyCopyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StoragePolicyCopySerializer
    filterset_class = filters.StoragePolicyCopyFilterSet
    ordering_fields = [*INVENTORY_ORDERING, "copy_precedence", "storage_pool_name"]
    ordering = ["storage_policy__name", "copy_precedence", "id"]

    def get_queryset(self) -> QuerySet[StoragePolicyCopy]:
        return copies_with_pool()


class JobCursorPagination(NewestFirstCursorPagination):
    ordering = ("-start_time", "-id")


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    """Backup job history. Pages use a cursor and carry no total count, so no
    request counts the whole table."""

    # NOTE: ?ordering=job_id without ?commcell= has no index of its own, so
    # PostgreSQL sorts every job for each page; the default order uses job_start_id.

    queryset = Job.objects.select_related("commcell", "plan", "storage_policy")
    serializer_class = JobSerializer
    filterset_class = filters.JobFilterSet
    pagination_class = JobCursorPagination
    ordering_fields = ["start_time", "job_id", "id"]
    ordering = ["-start_time", "-id"]


class JobOnCopyViewSet(viewsets.ReadOnlyModelViewSet):
    """Jobs as the CommServe lists them on each copy, with its own retain-until
    dates. Pages use a cursor and carry no total count."""

    queryset = JobOnCopy.objects.select_related(
        "commcell", "copy", "copy__storage_policy"
    )
    serializer_class = JobOnCopySerializer
    filterset_class = filters.JobOnCopyFilterSet
    pagination_class = NewestFirstCursorPagination
    ordering_fields = ["id"]
    ordering = ["-id"]
