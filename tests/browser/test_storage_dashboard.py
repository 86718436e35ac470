"""The storage dashboard and a pool's page in a real browser: charts and htmx filters."""

import re
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import LOOPBACK_HOSTS
from tests.factories import (
    CommCellFactory,
    StoragePoolFactory,
    StoragePoolSnapshotFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
HOSTILE_POOL = '<img src=x onerror="window.injected=1">'
TOTAL_MB = 1_000_000


def _loopback_only(blocked: list[str]) -> Callable[[Route], None]:
    def guard(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK_HOSTS:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    return guard


@pytest.fixture
def outside_requests(page: Page) -> list[str]:
    """Abort and record every request the page makes to a host other than loopback."""
    blocked: list[str] = []
    page.context.route("**/*", _loopback_only(blocked))
    return blocked


@pytest.fixture
def pools() -> dict:
    UserFactory(username="reader", role="viewer")
    commcell = CommCellFactory(name="cs-browser")
    free = {"Crit1": 2.5, "Crit2": 7.0, "Warn": 15.0, "Low": 25.0, "Ok": 60.0}
    created = {}
    for name, percent in free.items():
        created[name] = StoragePoolFactory(
            commcell=commcell,
            name=name,
            total_capacity_mb=TOTAL_MB,
            free_space_mb=int(percent * TOTAL_MB / 100),
        )
    created["hostile"] = StoragePoolFactory(
        commcell=commcell,
        name=HOSTILE_POOL,
        total_capacity_mb=TOTAL_MB,
        free_space_mb=500_000,
    )
    StoragePoolFactory(
        commcell=commcell,
        name="Cloud",
        storage_type=2,
        total_capacity_mb=None,
        free_space_mb=None,
    )
    now = timezone.now()
    for day in range(20):
        StoragePoolSnapshotFactory(
            pool=created["Crit1"],
            collected_at=now - timedelta(days=19 - day),
            total_capacity_mb=TOTAL_MB,
            free_space_mb=25_000 + 5_120 * (19 - day),
        )
    return created


def _log_in(page: Page, base_url: str, next_path: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.fill("#id_username", "reader")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base_url}{next_path}")
    page.wait_for_load_state("load")


def test_dashboard_draws_and_filters(page: Page, live_server, pools, outside_requests):
    page.set_default_timeout(10_000)
    _log_in(page, live_server.url, "/dashboard/storage")

    expect(page.locator('[data-status="total"]')).to_have_text("7")
    expect(page.locator('[data-status="critical"]')).to_have_text("2")
    expect(page.locator("#capacity-chart canvas").first).to_be_visible()
    expect(page.locator("[data-gauge] canvas")).to_have_count(6)
    expect(page.locator("#storage-actions")).to_contain_text(
        "2 pools critically low: manual pruning recommended"
    )
    expect(page.locator("#storage-fullest tbody tr")).to_have_count(6)

    page.evaluate("window.loadMarker = 'same page'")
    with page.expect_response(lambda response: "status=critical" in response.url):
        page.check("#storage-filters input[name=status][value=critical]")

    expect(page.locator('[data-status="total"]')).to_have_text("2")
    expect(page.locator("#storage-fullest tbody tr")).to_have_count(2)
    expect(page.locator("[data-gauge] canvas")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"status=critical"))
    assert page.evaluate("window.loadMarker") == "same page"
    assert outside_requests == []


def test_dashboard_shows_hostile_name_as_text(
    page: Page, live_server, pools, outside_requests
):
    page.set_default_timeout(10_000)
    _log_in(page, live_server.url, "/dashboard/storage")

    expect(page.locator("#storage-gauges")).to_contain_text(HOSTILE_POOL)
    assert page.locator("#storage-gauges img").count() == 0
    assert page.evaluate("window.injected") is None
    assert outside_requests == []


def test_pool_page_draws_history(page: Page, live_server, pools, outside_requests):
    page.set_default_timeout(10_000)
    pool = pools["Crit1"]
    _log_in(page, live_server.url, f"/storage/pools/{pool.pk}/")

    expect(page.locator("#pool-status")).to_have_text("Critical")
    expect(page.locator("#pool-fill-rate")).to_contain_text("5.00 GiB/day")
    expect(page.locator("#pool-history-chart canvas").first).to_be_visible()
    page.wait_for_function(
        """() => {
            const chart = echarts.getInstanceByDom(
                document.getElementById("pool-history-chart"));
            return chart && chart.getOption().series
                && chart.getOption().series[1].data.length === 20;
        }"""
    )
    assert outside_requests == []
