"""Read API of retention rules and of the severity summary behind the dashboard."""

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from .filters import RetentionRuleFilterSet
from .models import RetentionRule
from .severity import Severity
from .summary import rules_for_display, summarize


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
