"""The retention.rules analyzer words each rule with the cadence measured on its copy."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from apps.core.analysis import run_analysis
from apps.core.findings import registered_analyzers
from apps.core.models import Finding
from apps.retention.analysis import ANALYZER_NAME as CYCLES
from apps.retention.analysis import analyze_cycles
from apps.retention.analyzers import ANALYZER_NAME as RULES
from apps.retention.analyzers import analyze_retention_rules
from apps.retention.models import (
    CopyRetentionSummary,
    RetentionRule,
    RetentionSettings,
)
from apps.retention.severity import Severity
from tests.factories import ClientFactory, CommCellFactory
from tests.retention.chains import add_chain, make_plan
from tests.retention.conftest import make_rule
from tests.retention.sql.scenarios import DONE, FULL, INCR, day

pytestmark = pytest.mark.django_db

NOW = day(121, hour=13)
# Gaps of 7, 14, 28, 21, 7 and 35 days: the median gap is 17.5 days, but the newest
# cycle with two newer fulls (day 71) waits 42 days for the full of day 113.
FULL_DAYS = {1, 8, 22, 50, 71, 78, 113}
ANALYZERS = {CYCLES: analyze_cycles, RULES: analyze_retention_rules}


@pytest.fixture
def irregular():
    commcell = CommCellFactory(name="cs-finance")
    client = ClientFactory(commcell=commcell, name="client02")
    plan, rule = make_plan(commcell, "Finance", days=14, cycles=2)
    rows = [
        (day(number), FULL if number in FULL_DAYS else INCR, DONE)
        for number in range(1, 121)
    ]
    add_chain(plan, client, rows)
    return rule


def open_finding(commcell, code: str) -> Finding:
    return Finding.objects.get(commcell=commcell, code=code, resolved_at__isnull=True)


def test_rules_run_after_cycle_analysis():
    names = list(registered_analyzers())

    assert names.index(RULES) > names.index(CYCLES)


def test_measured_cadence_of_irregular_fulls(irregular):
    run_analysis(irregular.commcell, now=NOW, analyzers=ANALYZERS)

    summary = CopyRetentionSummary.objects.get(copy=irregular.copy)
    assert summary.median_full_interval_days == pytest.approx(17.5)
    assert summary.effective_retention_days == pytest.approx(42 + 14 / 24)


def test_rule_finding_states_measured_kept_days(irregular):
    run_analysis(irregular.commcell, now=NOW, analyzers=ANALYZERS)

    finding = open_finding(irregular.commcell, "retention.short_term_stretched")
    assert "data is kept 42.6 days as measured on this copy's jobs, +204%" in (
        finding.title
    )
    assert "a full every 17.5 days (the measured median)" in finding.title
    assert "weekly" not in finding.title
    assert "about 35 days" not in finding.title
    assert finding.evidence["measured_kept_days"] == 42.6
    assert finding.evidence["measured_full_interval_days"] == 17.5


def test_rule_and_delay_findings_agree(irregular):
    run_analysis(irregular.commcell, now=NOW, analyzers=ANALYZERS)

    rule_finding = open_finding(irregular.commcell, "retention.short_term_stretched")
    delay_finding = open_finding(irregular.commcell, "retention.cycle_delay")
    assert "42.6 days" in rule_finding.title
    assert "keeps data 42.6 days" in delay_finding.title
    assert "+204%" in rule_finding.title
    assert "+204%" in delay_finding.title


def test_rule_reason_stored_for_pages(irregular, viewer_client):
    run_analysis(irregular.commcell, now=NOW, analyzers=ANALYZERS)

    rule = RetentionRule.objects.get(pk=irregular.pk)
    finding = open_finding(irregular.commcell, "retention.short_term_stretched")
    assert rule.reason == finding.title
    assert rule.severity == Severity.HIGH
    response = viewer_client.get(reverse("retention:dashboard"))
    assert escape(rule.reason) in response.content.decode()


def test_rule_without_measurement_keeps_assumed_interval():
    commcell = CommCellFactory(name="cs-new")
    rule = make_rule(commcell, days=14, cycles=2)

    findings = list(analyze_retention_rules(commcell, NOW))

    assert [item.code for item in findings] == ["retention.short_term_stretched"]
    assert "with weekly fulls (one every 7 days)" in findings[0].title
    assert findings[0].evidence["measured_kept_days"] is None
    assert RetentionRule.objects.get(pk=rule.pk).reason == findings[0].title


def test_rule_reclassified_with_current_threshold():
    # Stored as high under the earlier "30 days or less is short term" rule.
    commcell = CommCellFactory(name="cs-boundary")
    rule = make_rule(commcell, days=30, cycles=2)
    RetentionRule.objects.filter(pk=rule.pk).update(
        severity=Severity.HIGH, severity_rank=1
    )

    findings = list(analyze_retention_rules(commcell, NOW))

    assert findings == []
    assert RetentionRule.objects.get(pk=rule.pk).severity == Severity.OK


def test_invalid_stored_rule_keeps_reason():
    commcell = CommCellFactory(name="cs-invalid")
    rule = make_rule(commcell, days=60, cycles=4)
    RetentionRule.objects.filter(pk=rule.pk).update(retention_days=-7)

    findings = list(analyze_retention_rules(commcell, NOW))

    assert [item.title for item in findings] == [rule.reason]


def test_days_only_setting_resolves_stretched_finding(irregular):
    run_analysis(irregular.commcell, now=NOW, analyzers=ANALYZERS)
    RetentionSettings.objects.create(
        commcell=irregular.commcell, days_only_retention=True
    )

    run_analysis(irregular.commcell, now=NOW, analyzers=ANALYZERS)

    finding = Finding.objects.get(
        commcell=irregular.commcell, code="retention.short_term_stretched"
    )
    assert finding.resolved_at is not None
    rule = RetentionRule.objects.get(pk=irregular.pk)
    assert rule.severity == Severity.OK
    assert "ignores the cycles" in rule.reason
    assert "data is kept" not in rule.reason
