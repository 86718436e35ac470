"""The retention tools over a collection from the running CommServe simulator."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.commcell.models import Job, StoragePolicyCopy
from apps.core.analysis import run_analysis
from apps.retention.models import RetentionRule, ToolResult
from apps.retention.tools.dedup import analyze_pool
from apps.retention.tools.optimizer import review_rule, rules_to_review
from apps.retention.tools.reclamation import forecast_pool, pools_to_forecast
from apps.retention.tools.schedules import analyze_schedules
from apps.retention.tools.store import as_json
from tests.commcell.test_collector import collect, sim_commcell

pytestmark = pytest.mark.django_db


@pytest.fixture
def collected(commserve_sim):
    commcell = sim_commcell(commserve_sim, initial_job_days=60)
    run = collect(commcell)
    assert run.status == "succeeded", run.errors
    return commcell


def test_tools_on_collected_estate(collected):
    now = timezone.now()
    jobs = Job.objects.filter(commcell=collected).count()
    rules = list(rules_to_review(collected.pk))
    pools = list(pools_to_forecast(collected.pk))

    reviews = [review_rule(rule, now) for rule in rules]
    forecasts = [forecast_pool(pool, now) for pool in pools]
    dedup = [analyze_pool(pool, now) for pool in pools]
    schedules = analyze_schedules(now, collected.pk)

    assert jobs > 0
    assert len(reviews) == RetentionRule.objects.filter(commcell=collected).count()
    assert any(review.full_interval_days for review in reviews)
    linked = StoragePolicyCopy.objects.filter(
        commcell=collected, storage_pool_cv_id__in=[pool.cv_id for pool in pools]
    ).count()
    assert linked > 0
    assert sum(len(forecast.copies) for forecast in forecasts) > 0
    assert all(len(forecast.timeline) == 30 for forecast in forecasts)
    assert any(result is not None for result in dedup)
    assert schedules
    assert sum(schedule.fulls for schedule in schedules) > 0


def without_assumptions(rows) -> dict:
    """Map subject ids to stored results without the settings sentences."""
    results = {}
    for subject_id, data in rows:
        assert data.pop("assumptions")
        results[subject_id] = data
    return results


def test_analysis_stores_same_results(collected):
    run = run_analysis(collected)
    now = run.analyzed_at

    rules = list(rules_to_review(collected.pk))
    reviews = {rule.pk: as_json(review_rule(rule, now)) for rule in rules}
    stored = without_assumptions(
        ToolResult.objects.filter(commcell=collected, tool="optimizer").values_list(
            "subject_id", "data"
        )
    )
    pools = list(pools_to_forecast(collected.pk))
    forecasts = {pool.pk: as_json(forecast_pool(pool, now)) for pool in pools}
    stored_forecasts = without_assumptions(
        ToolResult.objects.filter(commcell=collected, tool="reclamation").values_list(
            "subject_id", "data"
        )
    )

    assert not [error for error in run.errors if error["analyzer"] == "retention.tools"]
    assert reviews
    assert stored == reviews
    assert stored_forecasts == forecasts


@pytest.mark.parametrize(
    "name",
    [
        "analyzers:optimizer",
        "analyzers:reclamation",
        "analyzers:dedup",
        "analyzers:schedules",
    ],
)
def test_pages_on_collected_estate(name, collected, viewer_client):
    run_analysis(collected)

    response = viewer_client.get(reverse(name), {"commcell": collected.pk})

    assert response.status_code == 200
    assert "As of the analysis at" in response.content.decode()
