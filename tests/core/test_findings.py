"""The findings pages and API: filters, counts, detail, analysis runs, starting one."""

from datetime import UTC, datetime

import pytest

from apps.core.models import AnalysisRun, AuditLog
from cvanalytics.celery import app as celery_app
from tests.factories import AnalysisRunFactory, CommCellFactory, FindingFactory

pytestmark = pytest.mark.django_db

RESOLVED_AT = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def findings():
    east = CommCellFactory(name="cs-east")
    west = CommCellFactory(name="cs-west")
    return {
        "east": east,
        "west": west,
        "aging": FindingFactory(
            commcell=east, subject_name="SP-Gold / Primary", evidence={"days": 30}
        ),
        "short": FindingFactory(
            commcell=east,
            code="retention.short_term_stretched",
            severity="high",
            subject_name="SP-Silver / Primary",
        ),
        "pool": FindingFactory(
            commcell=west,
            analyzer="storage.pools",
            code="storage.pool_low_space",
            severity="medium",
            subject_type="pool",
            subject_name="DiskPool01",
            evidence={"free_percent": 8.5},
        ),
        "old": FindingFactory(
            commcell=west,
            code="retention.many_cycles",
            severity="medium",
            subject_name="SP-Old / Aux",
            resolved_at=RESOLVED_AT,
        ),
    }


def codes_in_page(response):
    return sorted(finding.code for finding in response.context["page_obj"])


def test_list_shows_open_findings_by_default(viewer_client, findings):
    response = viewer_client.get("/findings/")

    assert response.status_code == 200
    assert codes_in_page(response) == [
        "retention.aging_disabled",
        "retention.short_term_stretched",
        "storage.pool_low_space",
    ]
    summary = response.context["summary"]
    assert summary["total"] == 3
    assert [item["count"] for item in summary["severities"]] == [1, 1, 1, 0]
    content = response.content.decode()
    assert 'id="finding-filters"' in content
    assert "free_percent: 8.5" in content
    assert "days: 30" in content
    assert "Enable data aging on this copy." in content


def test_list_orders_most_severe_first(viewer_client, findings):
    response = viewer_client.get("/findings/")

    severities = [finding.severity for finding in response.context["page_obj"]]
    assert severities == ["critical", "high", "medium"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("severity=high", ["retention.short_term_stretched"]),
        (
            "severity=high&severity=critical",
            ["retention.aging_disabled", "retention.short_term_stretched"],
        ),
        ("domain=storage", ["storage.pool_low_space"]),
        ("code=retention.short", ["retention.short_term_stretched"]),
        ("q=gold", ["retention.aging_disabled"]),
        ("subject_type=pool", ["storage.pool_low_space"]),
        ("state=resolved", ["retention.many_cycles"]),
        (
            "state=all&domain=retention",
            [
                "retention.aging_disabled",
                "retention.many_cycles",
                "retention.short_term_stretched",
            ],
        ),
    ],
)
def test_list_filters(viewer_client, findings, query, expected):
    response = viewer_client.get(f"/findings/?{query}")

    assert response.status_code == 200
    assert codes_in_page(response) == expected
    assert response.context["summary"]["total"] == len(expected)


def test_list_filters_by_commcell(viewer_client, findings):
    response = viewer_client.get(f"/findings/?commcell={findings['west'].pk}")

    assert codes_in_page(response) == ["storage.pool_low_space"]


def test_htmx_request_gets_results_only(viewer_client, findings):
    response = viewer_client.get("/findings/?severity=critical", HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert 'id="finding-filters"' not in content
    assert 'id="findings"' in content
    assert "SP-Gold / Primary" in content
    assert "SP-Silver / Primary" not in content


def test_invalid_filter_shows_error_and_no_rows(viewer_client, findings):
    response = viewer_client.get("/findings/?severity=severe&state=later")

    assert response.status_code == 200
    assert list(response.context["page_obj"]) == []
    errors = response.context["filter_errors"]
    assert any(message.startswith('Severity "severe"') for message in errors)
    assert any(message.startswith('State "later"') for message in errors)
    assert 'id="finding-filter-errors"' in response.content.decode()


def test_list_without_analysis_explains_empty_page(viewer_client):
    response = viewer_client.get("/findings/")

    assert response.context["nothing_analyzed"] is True
    assert 'id="findings-empty"' in response.content.decode()


def test_list_escapes_subject_names(viewer_client):
    FindingFactory(subject_name='<img src=x onerror="alert(1)">')

    content = viewer_client.get("/findings/").content.decode()

    assert '<img src=x onerror="alert(1)">' not in content
    assert "&lt;img src=x" in content


def test_detail_shows_evidence_and_other_periods(viewer_client, findings):
    old = findings["old"]
    current = FindingFactory(
        commcell=old.commcell,
        code=old.code,
        severity="high",
        subject_id=old.subject_id,
        subject_name=old.subject_name,
        evidence={"retention_cycles": 5, "retention_days": 60},
    )

    response = viewer_client.get(f"/findings/{current.pk}/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "retention_cycles" in content
    assert "<td>5</td>" in content
    assert f'href="/findings/{old.pk}/"' in content
    assert list(response.context["periods"]) == [old]


def test_detail_shows_evidence_as_json_text(viewer_client):
    finding = FindingFactory(evidence={"aging": False, "plan": None, "ids": [1, 2]})

    content = viewer_client.get(f"/findings/{finding.pk}/").content.decode()

    assert "<td>false</td>" in content
    assert "<td>null</td>" in content
    assert "<td>[1, 2]</td>" in content


def test_detail_of_missing_finding_is_404(viewer_client):
    assert viewer_client.get("/findings/999999/").status_code == 404


def test_analysis_runs_page_lists_runs(viewer_client):
    run = AnalysisRunFactory(commcell=CommCellFactory(name="cs-runs"))

    response = viewer_client.get("/analysis-runs/")

    content = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["page"]) == [run]
    assert "3.00 s" in content
    assert "retention.rules" in content
    assert "Run analysis now" not in content


def test_analysis_runs_page_offers_start_to_admin(admin_role_client):
    CommCellFactory(name="cs-runs")

    content = admin_role_client.get("/analysis-runs/").content.decode()

    assert "Run analysis now" in content


@pytest.fixture
def eager_celery():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_admin_starts_analysis_with_audit(
    admin_role_client, eager_celery, django_capture_on_commit_callbacks
):
    commcell = CommCellFactory(name="cs-start")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_role_client.post(
            "/analysis-runs/start/", {"commcell": commcell.pk}
        )

    assert response.status_code == 302
    run = AnalysisRun.objects.get(commcell=commcell)
    assert run.status == AnalysisRun.Status.SUCCEEDED
    assert run.trigger == AnalysisRun.Trigger.MANUAL
    assert run.requested_by.username == "boss"
    entry = AuditLog.objects.get(action="analysis.start")
    assert entry.actor_name == "boss"
    assert entry.object_id == str(commcell.pk)
    assert entry.after == {"analysis_run": run.pk, "trigger": "manual"}


def test_viewer_cannot_start_analysis(viewer_client):
    commcell = CommCellFactory()

    response = viewer_client.post("/analysis-runs/start/", {"commcell": commcell.pk})

    assert response.status_code == 403
    assert not AnalysisRun.objects.exists()


def test_start_while_running_warns(admin_role_client):
    commcell = CommCellFactory(name="cs-busy")
    active = AnalysisRunFactory(commcell=commcell, status="running")

    response = admin_role_client.post(
        "/analysis-runs/start/", {"commcell": commcell.pk}, follow=True
    )

    messages = [str(message) for message in response.context["messages"]]
    assert any(f"(run {active.pk})" in message for message in messages)
    assert AnalysisRun.objects.count() == 1
    assert not AuditLog.objects.filter(action="analysis.start").exists()


def test_start_unknown_commcell_reports_value(admin_role_client):
    response = admin_role_client.post(
        "/analysis-runs/start/", {"commcell": "abc"}, follow=True
    )

    messages = [str(message) for message in response.context["messages"]]
    assert messages == [
        "CommCell 'abc' not found. Choose a CommCell from the list and start the "
        "analysis again."
    ]
    assert not AnalysisRun.objects.exists()


# API


def api_codes(response):
    return sorted(row["code"] for row in response.json()["results"])


def test_api_lists_open_findings(viewer_client, findings):
    response = viewer_client.get("/api/findings/")

    assert response.status_code == 200
    body = response.json()
    assert "count" not in body
    assert api_codes(response) == [
        "retention.aging_disabled",
        "retention.short_term_stretched",
        "storage.pool_low_space",
    ]
    row = next(r for r in body["results"] if r["code"] == "storage.pool_low_space")
    assert row["commcell"] == {"id": findings["west"].pk, "name": "cs-west"}
    assert row["evidence"] == {"free_percent": 8.5}
    assert row["resolved_at"] is None
    assert row["subject_type"] == "pool"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("severity=medium", ["storage.pool_low_space"]),
        (
            "domain=retention",
            ["retention.aging_disabled", "retention.short_term_stretched"],
        ),
        ("code=storage.pool", ["storage.pool_low_space"]),
        ("q=silver", ["retention.short_term_stretched"]),
        ("state=resolved", ["retention.many_cycles"]),
    ],
)
def test_api_filters(viewer_client, findings, query, expected):
    response = viewer_client.get(f"/api/findings/?{query}")

    assert response.status_code == 200
    assert api_codes(response) == expected


def test_api_rejects_invalid_filter(viewer_client, findings):
    response = viewer_client.get("/api/findings/?severity=severe")

    assert response.status_code == 400
    assert "severity" in response.json()


def test_api_pages_with_cursor(viewer_client, findings):
    first = viewer_client.get("/api/findings/?page_size=2").json()
    second = viewer_client.get(first["next"]).json()

    assert len(first["results"]) == 2
    assert len(second["results"]) == 1
    assert second["next"] is None
    seen = {row["id"] for row in first["results"] + second["results"]}
    assert len(seen) == 3


def test_api_summary_follows_filters(viewer_client, findings):
    response = viewer_client.get("/api/findings/summary/?domain=retention&state=all")

    body = response.json()
    assert body["total"] == 3
    counts = {item["severity"]: item["count"] for item in body["severities"]}
    assert counts == {"critical": 1, "high": 1, "medium": 1, "info": 0}
    assert {item["code"] for item in body["codes"]} == {
        "retention.aging_disabled",
        "retention.short_term_stretched",
        "retention.many_cycles",
    }


def test_api_lists_analysis_runs(viewer_client):
    run = AnalysisRunFactory()
    AnalysisRunFactory(status="failed")

    response = viewer_client.get("/api/analysis-runs/?status=succeeded")

    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [run.pk]
    assert rows[0]["duration_seconds"] == 3.0
    assert rows[0]["counts"]["retention.rules"]["new"] == 1


def test_api_admin_starts_analysis(admin_role_client):
    commcell = CommCellFactory()

    response = admin_role_client.post(
        "/api/analysis-runs/",
        {"commcell": commcell.pk},
        content_type="application/json",
    )

    assert response.status_code == 202
    run = AnalysisRun.objects.get()
    assert response.json()["id"] == run.pk
    assert response.json()["status"] == "queued"
    assert AuditLog.objects.filter(action="analysis.start").count() == 1


def test_api_start_conflicts_while_active(admin_role_client):
    commcell = CommCellFactory()
    active = AnalysisRunFactory(commcell=commcell, status="queued")

    response = admin_role_client.post(
        "/api/analysis-runs/",
        {"commcell": commcell.pk},
        content_type="application/json",
    )

    assert response.status_code == 409
    assert response.json()["active_run"] == active.pk
    assert "already queued or running" in response.json()["detail"]


def test_api_start_rejects_unknown_commcell(admin_role_client):
    response = admin_role_client.post(
        "/api/analysis-runs/", {"commcell": 999999}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "commcell" in response.json()
    assert not AnalysisRun.objects.exists()


def test_api_viewer_cannot_start_analysis(viewer_client):
    commcell = CommCellFactory()

    response = viewer_client.post(
        "/api/analysis-runs/",
        {"commcell": commcell.pk},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert not AnalysisRun.objects.exists()


def test_admin_action_queues_analysis_per_commcell(admin_role_client):
    east = CommCellFactory(name="cs-east")
    first = AnalysisRunFactory(commcell=east)
    second = AnalysisRunFactory(commcell=east)

    response = admin_role_client.post(
        "/admin/core/analysisrun/",
        {"action": "analyze_again", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )

    assert response.status_code == 200
    queued = AnalysisRun.objects.filter(status="queued")
    assert [run.commcell for run in queued] == [east]
    assert queued.get().requested_by.username == "boss"
    assert AuditLog.objects.filter(action="analysis.start").count() == 1


def test_admin_shows_findings_read_only(admin_role_client, findings):
    finding = findings["aging"]

    listing = admin_role_client.get("/admin/core/finding/")
    change = admin_role_client.get(f"/admin/core/finding/{finding.pk}/change/")

    assert listing.status_code == 200
    assert "SP-Gold / Primary" in listing.content.decode()
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert admin_role_client.get("/admin/core/finding/add/").status_code == 403
