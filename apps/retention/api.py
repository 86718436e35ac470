"""Read API of retention rules, the dashboard summary, measured cadences, the cycle
and backup success analyzers, one job's retention and a plan's retention detail."""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from apps.commcell.models import Job, Plan
from apps.core.api import MAX_ID
from apps.core.pagination import StandardPagination, check_ordering, check_page_number

from .analysis import delay_percent
from .backup_success import success_rows, with_blocked_chains
from .filters import CYCLE_SORTS, CycleAnalyzerFilterSet, RetentionRuleFilterSet
from .job_retention import job_retention
from .models import ChainCadence, CopyRetentionSummary, RetentionRule
from .plan_detail import (
    WAITING_PAGE_SIZE,
    plan_clients,
    plan_copies,
    plan_findings,
    plan_pools,
    waiting_jobs,
)
from .severity import Severity
from .summary import copy_summaries, cycle_row, rules_for_display, summarize


class NamedObjectSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class ExtendedRuleSerializer(serializers.Serializer):
    slot = serializers.IntegerField(help_text="Extended rule slot: 1, 2 or 3.")
    rule = serializers.CharField(help_text='For example "monthly_fulls".')
    end_days = serializers.IntegerField(help_text="Days to keep; -1 is infinite.")
    grace_days = serializers.IntegerField()


class RetentionRuleSerializer(serializers.ModelSerializer):
    commcell = NamedObjectSerializer(read_only=True)
    plan = NamedObjectSerializer(read_only=True, allow_null=True)
    storage_policy = NamedObjectSerializer(read_only=True)
    copy = NamedObjectSerializer(read_only=True)
    extended_rules = ExtendedRuleSerializer(many=True, read_only=True)

    class Meta:
        model = RetentionRule
        fields = [
            "id",
            "commcell",
            "plan",
            "storage_policy",
            "copy",
            "retention_days",
            "retention_cycles",
            "cycles_reported",
            "data_aging_enabled",
            "data_aging_reported",
            "job_based_retention",
            "extended_rules",
            "severity",
            "reason",
            "updated_at",
        ]
        extra_kwargs = {
            "retention_days": {"help_text": "Basic retention days; -1 is infinite."},
            "retention_cycles": {
                "help_text": "Basic retention cycles; 0 is days-only retention."
            },
        }


class SeverityCountSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class PlanIssuesSerializer(serializers.Serializer):
    plan_id = serializers.IntegerField()
    plan = serializers.CharField()
    commcell = serializers.CharField()
    issues = serializers.IntegerField(help_text="Rules of the plan that are not ok.")
    critical = serializers.IntegerField()
    high = serializers.IntegerField()
    medium = serializers.IntegerField()
    info = serializers.IntegerField()


class RetentionSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Rules that match the filters.")
    severities = SeverityCountSerializer(
        many=True, help_text="Rules per severity, most severe first."
    )
    top_plans = PlanIssuesSerializer(
        many=True, help_text="The 20 plans with the most issues."
    )


@extend_schema_view(
    list=extend_schema(summary="List retention rules, most severe first"),
    retrieve=extend_schema(summary="Read one retention rule"),
)
class RetentionRuleViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RetentionRuleSerializer
    filterset_class = RetentionRuleFilterSet
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    ordering_fields = [
        "severity_rank",
        "retention_days",
        "retention_cycles",
        "plan__name",
        "updated_at",
    ]

    def get_queryset(self) -> QuerySet[RetentionRule]:
        return rules_for_display()


class RetentionSummaryView(GenericAPIView):
    """Counts per severity and the plans with the most issues, after the filters."""

    filterset_class = RetentionRuleFilterSet
    filter_backends = [DjangoFilterBackend]
    serializer_class = RetentionSummarySerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[RetentionRule]:
        return rules_for_display()

    @extend_schema(
        summary="Summarize retention rules by severity and plan", filters=True
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rules = self.filter_queryset(self.get_queryset())
        return Response(self.get_serializer(summarize(rules)).data)


class CopyRetentionSummarySerializer(serializers.ModelSerializer):
    commcell = NamedObjectSerializer(read_only=True)
    plan = NamedObjectSerializer(read_only=True, allow_null=True)
    storage_policy = NamedObjectSerializer(read_only=True)
    copy = NamedObjectSerializer(read_only=True)
    copy_precedence = serializers.IntegerField(
        source="copy.copy_precedence",
        read_only=True,
        allow_null=True,
        help_text="1 for the primary copy, higher for secondary copies.",
    )
    delay_percent = serializers.SerializerMethodField(
        help_text="Effective retention over the days, in percent of the days."
    )
    disagreement_example_job_id = serializers.IntegerField(
        source="disagreement_example_job.job_id",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="CommServe job id of the example job whose dates disagree most.",
    )

    class Meta:
        model = CopyRetentionSummary
        exclude = ["retention_rule"]
        extra_kwargs = {
            "disagreement_example_job": {
                "help_text": "Primary key of the example job; its page is /jobs/<pk>/."
            },
            "median_full_interval_days": {
                "help_text": "Median gap between qualifying fulls of either kind, "
                "which drives the cycles."
            },
            "median_full_only_interval_days": {
                "help_text": "Median gap between qualifying fulls alone."
            },
            "median_synthetic_full_interval_days": {
                "help_text": "Median gap between synthetic fulls alone."
            },
        }

    def get_delay_percent(self, summary: CopyRetentionSummary) -> float | None:
        return _round(
            delay_percent(summary.retention_days, summary.effective_retention_days)
        )


class ChainCadenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChainCadence
        fields = "__all__"


class CycleRowSerializer(serializers.Serializer):
    summary = CopyRetentionSummarySerializer()
    delay_percent = serializers.FloatField(allow_null=True)
    flagged = serializers.BooleanField(
        help_text="Effective retention more than 30% over the days."
    )
    recommendation = serializers.CharField()


class SuccessRowSerializer(serializers.Serializer):
    plan_id = serializers.IntegerField(allow_null=True)
    plan_name = serializers.CharField()
    client_id = serializers.IntegerField(allow_null=True)
    client_name = serializers.CharField()
    fulls = serializers.IntegerField(help_text="Fulls and synthetic fulls in 30 days.")
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="Failed, killed and other outcomes.")
    running = serializers.IntegerField()
    success_percent = serializers.FloatField(allow_null=True)
    flagged = serializers.BooleanField(help_text="Success rate under 95%.")
    blocked_cycles = serializers.SerializerMethodField(
        help_text="Open cycles of this client on the plan's policy that failed fulls "
        "extend."
    )

    def get_blocked_cycles(self, row: Any) -> list[dict[str, Any]]:
        return [
            {
                "chain_id": chain.pk,
                "subclient_name": chain.subclient_name,
                "open_cycle_age_days": _round(chain.open_cycle_age_days),
                "failed_fulls_since_last_full": chain.failed_fulls_since_last_full,
                "last_full_start": chain.last_full_start,
            }
            for chain in row.chains
        ]


class VerdictSerializer(serializers.Serializer):
    job_id = serializers.IntegerField()
    cycle_index = serializers.IntegerField()
    retain_until = serializers.DateTimeField(allow_null=True)
    rule_retain_until = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField()
    sentence = serializers.CharField()
    disagrees = serializers.BooleanField(
        help_text="True when the CommServe's retain-until differs by more than the "
        "disagreement tolerance of the retention settings."
    )


class JobOnCopyReportSerializer(serializers.Serializer):
    retain_until = serializers.DateTimeField(allow_null=True)
    retain_infinite = serializers.BooleanField()
    retained_by = serializers.IntegerField(
        help_text="0 no data available, 1 basic, 2 extended, 4 user (manual)."
    )
    retained_by_text = serializers.CharField()
    retention_reason = serializers.CharField()
    is_aged = serializers.BooleanField()
    copied_time = serializers.DateTimeField(
        allow_null=True, help_text="Null while the job waits to be copied to the copy."
    )
    collected_at = serializers.DateTimeField()


class JobCopyRetentionSerializer(serializers.Serializer):
    copy = NamedObjectSerializer()
    copy_precedence = serializers.IntegerField(
        source="copy.copy_precedence", allow_null=True
    )
    primary = serializers.BooleanField(source="is_primary")
    retention_days = serializers.IntegerField(
        source="rule.retention_days", allow_null=True, default=None
    )
    retention_cycles = serializers.IntegerField(
        source="rule.retention_cycles", allow_null=True, default=None
    )
    verdict = VerdictSerializer(allow_null=True)
    reason_label = serializers.CharField()
    missing_reason = serializers.CharField()
    chain_job_count = serializers.IntegerField()
    reported = JobOnCopyReportSerializer(
        source="on_copy",
        allow_null=True,
        help_text="The CommServe's row for the job on this copy; null when the "
        "copy's job list was never read or does not list the job.",
    )
    jobs_read_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the copy's job list was last read; null for never.",
    )
    disagrees = serializers.SerializerMethodField()
    difference_days = serializers.FloatField(
        source="disagreement.difference_days",
        allow_null=True,
        default=None,
        help_text="The CommServe's date minus the computed one, in days.",
    )
    disagreement_summary = serializers.CharField(
        source="disagreement.summary", default=""
    )
    disagreement_causes = serializers.ListField(
        source="disagreement.causes", child=serializers.CharField(), default=list
    )
    notes = serializers.SerializerMethodField()

    def get_disagrees(self, entry: Any) -> bool:
        return entry.disagreement is not None

    def get_notes(self, entry: Any) -> list[str]:
        return _note_lines(entry.result)


class JobRetentionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="job.pk")
    job_id = serializers.IntegerField(source="job.job_id")
    copy_id = serializers.IntegerField(source="rule.copy_id", allow_null=True)
    verdict = VerdictSerializer(allow_null=True)
    reason_label = serializers.CharField()
    missing_rule_reason = serializers.CharField()
    chain_job_count = serializers.IntegerField()
    cycle_count = serializers.IntegerField(source="result.cycle_count", allow_null=True)
    notes = serializers.SerializerMethodField()
    reported_retain_until = serializers.DateTimeField(
        allow_null=True,
        help_text="The CommServe's own retain-until on the primary copy; null when "
        "it was not read or the CommServe gave no date.",
    )
    copies = JobCopyRetentionSerializer(
        many=True, help_text="One entry per active copy, the primary copy first."
    )
    settings_in_use = serializers.ListField(
        child=serializers.CharField(),
        help_text="Retention settings of the CommCell that differ from the defaults.",
    )
    aging_clock = serializers.SerializerMethodField()

    def get_notes(self, retention: Any) -> list[str]:
        return _note_lines(retention.result)

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_aging_clock(self, retention: Any) -> dict | None:
        clock = retention.clock
        if clock is None:
            return None
        return {
            "aging_time": clock.aging_time.strftime("%H:%M"),
            "utc_offset_minutes": clock.utc_offset_minutes,
            "source": clock.source,
        }


def _note_lines(result: Any) -> list[str]:
    if result is None:
        return []
    return [f"{note.subject} ({note.value}): {note.message}" for note in result.notes]


class PlanCopySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    copy_precedence = serializers.IntegerField(allow_null=True)
    storage_pool_name = serializers.CharField()
    worm = serializers.BooleanField()
    retention_days = serializers.IntegerField(
        source="retention_rule.retention_days", default=None
    )
    retention_cycles = serializers.IntegerField(
        source="retention_rule.retention_cycles", default=None
    )
    effective_retention_days = serializers.FloatField(
        source="retention_summary.effective_retention_days", default=None
    )


class WaitingJobSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="eligibility.id")
    job_id = serializers.IntegerField(source="eligibility.job_id")
    start_time = serializers.DateTimeField(source="eligibility.start_time")
    retain_until = serializers.DateTimeField(
        source="eligibility.retain_until", allow_null=True
    )
    reason = serializers.CharField(source="eligibility.reason")


class PlanRetentionSerializer(serializers.Serializer):
    plan = NamedObjectSerializer()
    clients = serializers.ListField(child=serializers.DictField())
    copies = PlanCopySerializer(many=True)
    pools = serializers.ListField(child=serializers.DictField())
    open_findings = serializers.ListField(child=serializers.DictField())
    waiting_total = serializers.IntegerField()
    waiting_page = serializers.IntegerField()
    waiting_computed_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When this first page of waiting jobs was computed and stored, at "
        "the first view after the last analysis, or null when it was computed for "
        "this request.",
    )
    waiting_jobs = WaitingJobSerializer(many=True)


@extend_schema_view(
    list=extend_schema(summary="List the measured retention of every analysed copy"),
)
class CopyRetentionSummaryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CopyRetentionSummarySerializer
    filterset_class = CycleAnalyzerFilterSet
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self) -> QuerySet[CopyRetentionSummary]:
        return copy_summaries().order_by(*CYCLE_SORTS["delay"], "pk")


@extend_schema_view(
    list=extend_schema(summary="List the measured cadence of backup chains"),
)
class ChainCadenceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ChainCadenceSerializer
    filterset_fields = [
        "commcell",
        "storage_policy",
        "copy",
        "client",
        "open_cycle_flagged",
    ]
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["open_cycle_age_days", "effective_retention_days"]

    def get_queryset(self) -> QuerySet[ChainCadence]:
        return ChainCadence.objects.order_by("pk")


class CycleAnalyzerView(GenericAPIView):
    """Rows of the cycle completion analyzer, after the filters."""

    filterset_class = CycleAnalyzerFilterSet
    filter_backends = [DjangoFilterBackend]
    serializer_class = CycleRowSerializer

    def get_queryset(self) -> QuerySet[CopyRetentionSummary]:
        return copy_summaries().order_by(*CYCLE_SORTS["delay"], "pk")

    @extend_schema(summary="List cycle analyzer rows", filters=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        summaries = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(summaries)
        rows = [cycle_row(summary) for summary in page]
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class BackupSuccessQuerySerializer(serializers.Serializer):
    commcell = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    plan_name = serializers.CharField(required=False, max_length=300)
    flagged = serializers.BooleanField(required=False, default=False)


class BackupSuccessView(GenericAPIView):
    """Rows of the backup job success analyzer: fulls of 30 days per plan and client."""

    serializer_class = SuccessRowSerializer
    filter_backends: list = []

    @extend_schema(
        summary="List full backup success per plan and client",
        parameters=[BackupSuccessQuerySerializer],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = BackupSuccessQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        commcell = query.validated_data.get("commcell")
        rows = success_rows(
            commcell_ids=[commcell] if commcell else None,
            plan_name=query.validated_data.get("plan_name", ""),
            flagged_only=query.validated_data["flagged"],
        )
        page = with_blocked_chains(self.paginate_queryset(rows))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class JobRetentionView(GenericAPIView):
    """Retain-until and reason of one job on each copy, beside the CommServe's own."""

    serializer_class = JobRetentionSerializer
    queryset = Job.objects.select_related("commcell")
    filter_backends: list = []

    @extend_schema(summary="Read the retention of one job on each copy")
    def get(self, request: Request, pk: int) -> Response:
        job = self.get_object()
        return Response(self.get_serializer(job_retention(job, timezone.now())).data)


class PlanPageQuerySerializer(serializers.Serializer):
    """Query parameters of the plan retention detail, as the schema lists them."""

    page = serializers.IntegerField(
        required=False, default=1, min_value=1, help_text="Page of waiting jobs."
    )
    page_size = serializers.IntegerField(
        required=False,
        help_text=f"Waiting jobs per page, always {WAITING_PAGE_SIZE}.",
    )


def _waiting_page_number(request: Request, view: GenericAPIView) -> int:
    """Return the requested page of waiting jobs after checking the list query.

    The page size is fixed because the first page is stored at that size after
    each analysis, and the jobs come in one fixed order.
    """
    check_ordering(request, view.get_queryset(), view)

    size = request.query_params.get("page_size")
    if size is not None and size.strip() != str(WAITING_PAGE_SIZE):
        raise ValidationError(
            {
                "page_size": [
                    f"Invalid page size {size!r}: a plan's waiting jobs come in "
                    f"pages of {WAITING_PAGE_SIZE}, the size stored after each "
                    f"analysis, so send {WAITING_PAGE_SIZE} or leave page_size out."
                ]
            }
        )

    raw = request.query_params.get("page")
    return 1 if raw is None else check_page_number(raw)


class PlanRetentionView(GenericAPIView):
    """A plan's clients, copies, pools, open findings and one page of waiting jobs."""

    serializer_class = PlanRetentionSerializer
    queryset = Plan.objects.select_related("storage_policy")
    filter_backends: list = []

    @extend_schema(
        summary="Read a plan's retention detail",
        parameters=[PlanPageQuerySerializer],
    )
    def get(self, request: Request, pk: int) -> Response:
        page_number = _waiting_page_number(request, self)
        plan = self.get_object()

        copies = list(plan_copies(plan))
        clients = plan_clients(plan)
        client_ids = [row["client_id"] for row in clients if row["client_id"]]
        findings = plan_findings(plan, copies, client_ids).values(
            "id", "code", "severity", "subject_type", "subject_id", "title"
        )[:FINDING_LIMIT]
        pools = [
            {
                "name": item["name"],
                "pool_id": item["pool"].pk if item["pool"] else None,
                "copies": item["copies"],
            }
            for item in plan_pools(plan, copies)
        ]
        waiting = waiting_jobs(plan, timezone.now(), page_number)
        last_page = max(1, -(-waiting.total // WAITING_PAGE_SIZE))
        if page_number > last_page:
            # NOTE: waiting_jobs computes the last page for a number past it, so
            # this 404 reads every job of the storage policy twice.
            raise NotFound(
                StandardPagination.invalid_page_message.format(
                    page_number=page_number, message="That page contains no results"
                )
            )

        data = {
            "plan": plan,
            "clients": clients,
            "copies": copies,
            "pools": pools,
            "open_findings": list(findings),
            "waiting_total": waiting.total,
            "waiting_computed_at": waiting.computed_at,
            "waiting_page": waiting.number,
            "waiting_jobs": waiting.rows,
        }
        return Response(self.get_serializer(data).data)


FINDING_LIMIT = 100


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
