"""The plan page's jobs waiting to age: stored at the first view, or computed now."""

import pytest
from django.urls import reverse

from apps.retention.models import ToolResult
from apps.retention.plan_detail import (
    WAITING_PAGE_SIZE,
    count_waiting,
    live_waiting_page,
    stored_waiting_page,
    waiting_jobs,
)
from apps.retention.sql import JobEligibility
from apps.retention.tools.store import analyze_tools
from tests.factories import PlanFactory, StoragePolicyFactory

from .builders import day, weekly_then_no_fulls
from .conftest import store_jobs
from .test_views import page_text

pytestmark = pytest.mark.django_db

# Day 56 at 13:00 UTC, one hour after that day's data aging run.
NOW = day(56, hour=13)


@pytest.fixture
def many_waiting(weekly_pool):
    """The weekly pool with three chains, so more than one page of jobs waits."""
    for subclient in (2, 3):
        store_jobs(
            weekly_pool["commcell"],
            weekly_pool["plan"],
            weekly_then_no_fulls(weeks_with_fulls=8, last_day=55),
            subclient=subclient,
        )
    return weekly_pool


def eligibility(row: dict) -> tuple:
    item = row["eligibility"]
    return (item.id, item.job_id, item.start_time, item.reason, item.retain_until)


def test_stored_page_equals_live(many_waiting):
    plan = many_waiting["plan"]
    waiting_jobs(plan, NOW, 1)

    stored = stored_waiting_page(plan)
    live = live_waiting_page(plan, NOW, 1)

    assert live.total > WAITING_PAGE_SIZE
    assert stored.total == live.total
    assert [eligibility(row) for row in stored.rows] == [
        eligibility(row) for row in live.rows
    ]
    assert [row["job"].pk for row in stored.rows] == [
        row["job"].pk for row in live.rows
    ]
    assert [row["reason_text"] for row in stored.rows] == [
        row["reason_text"] for row in live.rows
    ]
    assert stored.computed_at == NOW
    assert live.computed_at is None


def test_first_view_stores_first_page(many_waiting):
    plan = many_waiting["plan"]
    assert stored_waiting_page(plan) is None

    first = waiting_jobs(plan, NOW, 1)
    again = waiting_jobs(plan, NOW.replace(hour=20), 1)
    second = waiting_jobs(plan, NOW, 2)

    assert first.computed_at == NOW
    assert again.computed_at == NOW
    assert again.total == first.total
    assert ToolResult.objects.filter(tool="waiting_jobs").count() == 1
    assert second.computed_at is None
    assert second.number == 2
    assert second.total == first.total


def test_analysis_deletes_stored_page(many_waiting):
    plan = many_waiting["plan"]
    waiting_jobs(plan, NOW, 1)

    list(analyze_tools(many_waiting["commcell"], NOW))

    assert not ToolResult.objects.filter(tool="waiting_jobs").exists()
    assert stored_waiting_page(plan) is None


def test_policy_without_jobs_stores_zero(weekly_pool):
    empty = StoragePolicyFactory(commcell=weekly_pool["commcell"], name="Empty")
    plan = PlanFactory(commcell=weekly_pool["commcell"], storage_policy=empty)

    page = waiting_jobs(plan, NOW, 1)

    row = ToolResult.objects.get(tool="waiting_jobs", subject_id=empty.pk)
    assert row.data == {"total": 0, "rows": []}
    assert page.total == 0


def test_plan_page_shows_stored_page(viewer_client, many_waiting):
    plan = many_waiting["plan"]
    live = live_waiting_page(plan, NOW, 1)

    viewer_client.get(reverse("retention:plan-detail", args=[plan.pk]))
    response = viewer_client.get(reverse("retention:plan-detail", args=[plan.pk]))
    text = page_text(response)
    body = response.content.decode()

    assert f"{live.total} jobs of the storage policy were kept" in text
    assert "when this page was first opened after the last analysis" in text
    for row in live.rows:
        assert f">{row['eligibility'].job_id}</a>" in body


def test_plan_api_serves_stored_page(viewer_client, many_waiting):
    plan = many_waiting["plan"]
    waiting_jobs(plan, NOW, 1)
    live = live_waiting_page(plan, NOW, 1)

    body = viewer_client.get(f"/api/plans/{plan.pk}/retention/").json()

    assert body["waiting_total"] == live.total
    assert body["waiting_computed_at"] == "2026-11-01T13:00:00Z"
    assert [job["job_id"] for job in body["waiting_jobs"]] == [
        row["eligibility"].job_id for row in live.rows
    ]


def make_row(policy_id: int, job_id: int, reason: str) -> JobEligibility:
    return JobEligibility(
        id=job_id,
        job_id=job_id,
        commcell_id=1,
        storage_policy_id=policy_id,
        client_id=1,
        subclient_cv_id=1,
        cycle_no=1,
        start_time=NOW,
        reason=reason,
        retain_until=None,
    )


def test_count_waiting_keeps_first_page():
    rows = [make_row(1, n, "basic_days") for n in range(WAITING_PAGE_SIZE + 5)]
    rows[3:3] = [make_row(1, 900, "eligible"), make_row(1, 901, "aged")]
    rows.append(make_row(1, 1001, "manual_retention"))

    total, first = count_waiting(rows)

    assert total == WAITING_PAGE_SIZE + 6
    assert len(first) == WAITING_PAGE_SIZE
    assert [row.job_id for row in first[:5]] == [0, 1, 2, 3, 4]
