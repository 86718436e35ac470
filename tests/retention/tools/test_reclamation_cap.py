"""The reclamation forecast never reclaims more than the pool uses."""

import pytest
from django.urls import reverse

from apps.retention.tools.reclamation import MB, forecast_pool
from apps.retention.tools.store import analyze_tools

from .builders import GIB, day
from .test_views import page_text

pytestmark = pytest.mark.django_db

# Day 56 at 13:00 UTC, one hour after that day's data aging run.
NOW = day(56, hour=13)


def shrink_pool(weekly_pool, used_mb: int):
    pool = weekly_pool["pool"]
    pool.total_capacity_mb = 100_000
    pool.free_space_mb = 100_000 - used_mb
    pool.save()
    return pool


def test_forecast_capped_at_used_space(weekly_pool):
    # 640 GiB of media are eligible, but the pool uses only 10,000 MB, so the
    # eligible total is capped there.
    pool = shrink_pool(weekly_pool, used_mb=10_000)

    forecast = forecast_pool(pool, NOW, with_recommendations=False)

    assert forecast.used_mb == 10_000
    assert forecast.copies[0].eligible_bytes == 640 * GIB
    assert forecast.eligible_bytes == 10_000 * MB
    assert forecast.free_mb_after_pruning == 100_000
    assert "640.0 GiB to reclaim, more than the 9.8 GiB" in forecast.capped_reason


def test_forecast_under_used_space_not_capped(weekly_pool):
    forecast = forecast_pool(weekly_pool["pool"], NOW, with_recommendations=False)

    assert forecast.eligible_bytes == 640 * GIB
    assert forecast.capped_reason == ""


def test_cap_shown_on_page(viewer_client, weekly_pool):
    shrink_pool(weekly_pool, used_mb=10_000)
    list(analyze_tools(weekly_pool["commcell"], NOW))

    text = page_text(viewer_client.get(reverse("analyzers:reclamation")))

    assert "so the totals are capped at the used space" in text
