"""Stored tool results: the analyzer's rows, and the pages and API that read them."""

import html
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.analysis import run_analysis
from apps.core.findings import registered_analyzers
from apps.retention.models import ToolResult
from apps.retention.tools.dedup import analyze_pool
from apps.retention.tools.findings import analyze_overdue_fulls
from apps.retention.tools.optimizer import review_rule
from apps.retention.tools.reclamation import forecast_pool
from apps.retention.tools.schedules import analyze_schedules
from apps.retention.tools.store import (
    ANALYZER_NAME,
    CopyChains,
    analyze_tools,
    as_json,
)
from tests.factories import CommCellFactory, FindingFactory

from .builders import GIB, day, weekly_then_no_fulls
from .conftest import store_jobs

pytestmark = pytest.mark.django_db

# Day 56 at 13:00 UTC, one hour after that day's data aging run.
NOW = day(56, hour=13)

PAGES = [
    "analyzers:optimizer",
    "analyzers:reclamation",
    "analyzers:dedup",
    "analyzers:schedules",
]


def page_text(response) -> str:
    """Return the response body unescaped, with runs of whitespace as one space."""
    return " ".join(html.unescape(response.content.decode()).split())


def stored(tool: str, subject_id: int) -> dict:
    return ToolResult.objects.get(tool=tool, subject_id=subject_id).data


def stored_result(tool: str, subject_id: int) -> dict:
    """Return a stored result without the settings sentences the analysis adds."""
    data = dict(stored(tool, subject_id))
    data.pop("assumptions")
    return data


def with_extended_rule(weekly_pool) -> None:
    rule = weekly_pool["rule"]
    rule.extended_rules = [
        {"slot": 1, "rule": "monthly_fulls", "end_days": 365, "grace_days": 0}
    ]
    rule.save()


def test_analyzer_registered_after_cycles():
    names = list(registered_analyzers())

    assert ANALYZER_NAME in names
    assert names.index(ANALYZER_NAME) > names.index("retention.cycles")
    assert "retention.schedules" not in names


def test_stored_equals_on_request(weekly_pool):
    with_extended_rule(weekly_pool)
    rule = weekly_pool["rule"]
    pool = weekly_pool["pool"]

    list(analyze_tools(weekly_pool["commcell"], NOW))

    assert stored_result("optimizer", rule.pk) == as_json(review_rule(rule, NOW))
    assert stored_result("reclamation", pool.pk) == as_json(forecast_pool(pool, NOW))
    assert stored_result("dedup", pool.pk) == as_json(analyze_pool(pool, NOW))
    schedule = analyze_schedules(NOW, weekly_pool["commcell"].pk)[0]
    assert stored_result("schedules", schedule.storage_policy_id) == as_json(schedule)


def test_stored_hand_checked_figures(weekly_pool):
    rule = weekly_pool["rule"]
    pool = weekly_pool["pool"]

    list(analyze_tools(weekly_pool["commcell"], NOW))

    review = stored("optimizer", rule.pk)
    impacts = {impact["code"]: impact for impact in review["impacts"]}
    one_cycle = impacts["retention.reduce_cycles"]
    assert review["full_interval_days"] == 7
    assert one_cycle["configuration"] == "7 days / 1 cycle"
    assert one_cycle["newly_eligible_jobs"] == 21
    assert one_cycle["newly_eligible_bytes"] == 480 * GIB
    forecast = stored("reclamation", pool.pk)
    assert forecast["eligible_bytes"] == 640 * GIB
    assert forecast["recommended_bytes"] == one_cycle["newly_eligible_bytes"]
    assert forecast["timeline"][0]["day"] == NOW.date().isoformat()


def test_overdue_findings_same_as_before(weekly_pool):
    now = day(80)

    findings = list(analyze_tools(weekly_pool["commcell"], now))

    assert findings == list(analyze_overdue_fulls(weekly_pool["commcell"], now))
    assert [finding.code for finding in findings] == ["retention.full_overdue"]


def test_moved_overdue_finding_resolves(weekly_pool):
    migration = import_module("apps.retention.migrations.0006_tool_results")
    policy = weekly_pool["plan"].storage_policy
    finding = FindingFactory(
        commcell=weekly_pool["commcell"],
        analyzer="retention.schedules",
        code="retention.full_overdue",
        severity="medium",
        subject_type="storage_policy",
        subject_id=policy.pk,
        subject_name=policy.name,
    )

    migration.move_overdue_findings(apps, None)
    finding.refresh_from_db()
    moved_to = finding.analyzer
    run_analysis(weekly_pool["commcell"], now=NOW)
    finding.refresh_from_db()

    assert moved_to == "retention.tools"
    assert finding.resolved_at is not None


def test_rerun_replaces_rows(weekly_pool):
    commcell = weekly_pool["commcell"]
    other = CommCellFactory(name="cs-other")
    ToolResult.objects.create(
        commcell=other,
        tool="optimizer",
        subject_id=1,
        position=0,
        data={},
        computed_at=NOW,
    )

    list(analyze_tools(commcell, NOW))
    first = ToolResult.objects.filter(commcell=commcell).count()
    weekly_pool["copy"].delete()
    list(analyze_tools(commcell, day(57)))

    # Optimizer, reclamation, dedup and schedules.
    assert first == 4
    assert not ToolResult.objects.filter(commcell=commcell, tool="optimizer").exists()
    assert ToolResult.objects.filter(commcell=other).count() == 1
    assert set(
        ToolResult.objects.filter(commcell=commcell).values_list(
            "computed_at", flat=True
        )
    ) == {day(57)}


def test_each_copy_read_once(weekly_pool):
    with_extended_rule(weekly_pool)
    chains = CopyChains()
    copy = weekly_pool["copy"]

    first = list(chains.read(copy))
    again = list(chains.read(copy))

    assert chains.reads == 1
    assert [key for key, _jobs in again] == [key for key, _jobs in first]


def page_queries(client, name: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", PAGES)
def test_page_queries_independent_of_jobs(name, viewer_client, weekly_pool):
    commcell = weekly_pool["commcell"]
    list(analyze_tools(commcell, NOW))
    small = page_queries(viewer_client, name)
    for subclient in range(2, 6):
        store_jobs(
            commcell,
            weekly_pool["plan"],
            weekly_then_no_fulls(weeks_with_fulls=8, last_day=55),
            subclient=subclient,
        )
    list(analyze_tools(commcell, NOW))

    large = page_queries(viewer_client, name)

    assert large == small
    assert large <= 8


@pytest.mark.parametrize("name", PAGES)
def test_page_shows_analysis_time(name, viewer_client, weekly_pool):
    list(analyze_tools(weekly_pool["commcell"], NOW))

    text = page_text(viewer_client.get(reverse(name)))

    assert "As of the analysis at 2026-11-01 13:00 UTC" in text
    assert "tool-not-computed" not in text


@pytest.mark.parametrize("name", PAGES)
def test_empty_state_viewer(name, viewer_client, weekly_pool):
    text = page_text(viewer_client.get(reverse(name)))

    assert "No results are stored for this selection yet" in text
    assert "An administrator can run the analysis now." in text
    assert "/analysis-runs/" not in text
    assert "-empty" not in text


@pytest.mark.parametrize("name", PAGES)
def test_empty_state_admin_link(name, admin_role_client, weekly_pool):
    text = page_text(admin_role_client.get(reverse(name)))

    assert 'href="/analysis-runs/">Run the analysis</a>' in text


def test_api_reads_stored_rows(viewer_client, weekly_pool):
    empty = viewer_client.get("/api/analyzers/dedup/").json()
    list(analyze_tools(weekly_pool["commcell"], NOW))

    data = viewer_client.get("/api/analyzers/schedules/").json()

    assert empty["computed_at"] is None
    assert empty["results"] == []
    assert data["computed_at"].startswith("2026-11-01T13:00:00")
    assert data["count"] == 1
    assert data["results"][0]["full_cadence_days"] == 7


def test_api_filters_commcell(viewer_client, weekly_pool):
    list(analyze_tools(weekly_pool["commcell"], NOW))
    other = CommCellFactory(name="cs-empty")

    data = viewer_client.get(
        "/api/analyzers/reclamation/", {"commcell": other.pk}
    ).json()

    assert data["count"] == 0
    assert data["computed_at"] is None
