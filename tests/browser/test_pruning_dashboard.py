"""The pruning dashboard and a pool's timeline in a real browser: charts and htmx."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import LOOPBACK_HOSTS
from tests.factories import (
    CommCellFactory,
    DataAgingRunFactory,
    DDBPartitionFactory,
    DDBStoreFactory,
    LogEventFactory,
    LogFileFactory,
    MediaAgentFactory,
    StoragePoolFactory,
    StoragePoolSnapshotFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
HOSTILE_STORE = '<img src=x onerror="window.injected=1">'


@pytest.fixture
def outside_requests(page: Page) -> list[str]:
    """Abort and record every request the page makes to a host other than loopback."""
    blocked: list[str] = []

    def guard(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK_HOSTS:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.context.route("**/*", guard)
    return blocked


@pytest.fixture
def cells() -> dict:
    UserFactory(username="reader", role="viewer")
    first = CommCellFactory(name="cell-1")
    second = CommCellFactory(name="cell-2")
    pool = StoragePoolFactory(commcell=first, name="Pool-A", storage_policy_cv_id=31)
    store = DDBStoreFactory(
        commcell=first,
        name=HOSTILE_STORE,
        storage_policy_cv_id=31,
        pending_deletes=250_000,
    )
    agent = MediaAgentFactory(commcell=first, name="ma-dead", online=False)
    DDBPartitionFactory(store=store, media_agent=agent)
    DDBStoreFactory(commcell=second, name="DDB-2", pending_deletes=5)

    now = timezone.now()
    for day in range(6):
        StoragePoolSnapshotFactory(
            pool=pool,
            collected_at=now - timedelta(days=5 - day),
            free_space_mb=400_000 - 1000 * day,
        )
    DataAgingRunFactory(commcell=first, start_time=now - timedelta(days=10))
    DataAgingRunFactory(commcell=first, start_time=now - timedelta(days=2))
    DataAgingRunFactory(commcell=first, start_time=now - timedelta(days=1))
    log_file = LogFileFactory(commcell=first)
    LogEventFactory(
        log_file=log_file,
        commcell=first,
        ddb_store=store,
        occurred_at=now - timedelta(days=1, hours=20),
        category="physical_prune",
    )
    # Logs cover the time after the last data aging run, but show only logical
    # pruning there, so the pool counts as "aging ran, pruning did not".
    LogEventFactory(
        log_file=log_file,
        commcell=first,
        ddb_store=store,
        occurred_at=now - timedelta(hours=12),
        category="logical_prune",
    )
    return {"first": first, "second": second, "pool": pool}


def _log_in(page: Page, base_url: str, next_path: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.fill("#id_username", "reader")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


def test_dashboard_draws_and_switches(page: Page, live_server, cells, outside_requests):
    page.set_default_timeout(10_000)
    _log_in(page, live_server.url, "/dashboard/pruning")

    expect(page.locator("#pruning-offline-agents")).to_contain_text(
        "MediaAgent ma-dead offline: pruning blocked for 1 pool"
    )
    expect(page.locator("#pruning-stores")).to_contain_text(HOSTILE_STORE)
    expect(page.locator("#pending-chart canvas").first).to_be_visible()
    expect(page.locator("#pruning-aging-without-pruning")).to_contain_text("Pool-A")
    assert page.locator("#pruning-stores img").count() == 0
    assert page.evaluate("window.injected") is None

    page.evaluate("window.loadMarker = 'same page'")
    with page.expect_response(lambda response: "commcell=" in response.url):
        page.select_option("#pruning-filters select", label="cell-2")

    expect(page.locator("#pruning-stores")).to_contain_text("DDB-2")
    expect(page.locator("#pending-chart canvas").first).to_be_visible()
    assert page.evaluate("window.loadMarker") == "same page"
    assert outside_requests == []


def test_timeline_draws_all_series(page: Page, live_server, cells, outside_requests):
    page.set_default_timeout(10_000)
    pool = cells["pool"]
    _log_in(page, live_server.url, f"/pruning/pools/{pool.pk}/timeline")

    expect(page.locator("#timeline-chart canvas").first).to_be_visible()
    page.wait_for_function(
        """() => {
            const chart = echarts.getInstanceByDom(
                document.getElementById("timeline-chart"));
            if (!chart) return false;
            const series = chart.getOption().series;
            const byName = Object.fromEntries(series.map((s) => [s.name, s.data.length]));
            return byName["Free space"] === 6 && byName["Data aging"] === 3
                && byName["Pruning"] === 2;
        }"""
    )
    axis, largest = page.evaluate(
        """() => {
            const option = echarts.getInstanceByDom(
                document.getElementById("timeline-chart")).getOption();
            const free = option.series.find((s) => s.name === "Free space").data;
            return [option.yAxis[0].name, Math.max(...free.map((p) => p[1]))];
        }"""
    )
    # The snapshots hold at most 400,000 MiB free: 390.6 GiB.
    assert axis == "Free GiB"
    assert round(largest, 1) == 390.6

    expect(page.locator("#timeline-aging-runs tbody tr")).to_have_count(3)
    with page.expect_response(lambda response: "days=7" in response.url):
        page.select_option("#timeline-filters select", value="7")

    expect(page.locator("#timeline-aging-runs tbody tr")).to_have_count(2)
    expect(page.locator("#timeline-chart canvas").first).to_be_visible()
    assert outside_requests == []
