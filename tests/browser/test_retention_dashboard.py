"""The retention dashboard in a real browser: login, charts, htmx filtering."""

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.conftest import LOOPBACK_HOSTS
from tests.factories import CommCellFactory, PlanFactory, UserFactory
from tests.retention.conftest import make_rule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
HOSTILE_PLAN = '<img src=x onerror="window.injected=1">'


def _loopback_only(blocked: list[str]) -> Callable[[Route], None]:
    """Build a route handler that aborts and records requests to other hosts."""

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
def dashboard_data() -> None:
    UserFactory(username="reader", role="viewer")
    commcell = CommCellFactory(name="cs-browser")
    hostile = PlanFactory(commcell=commcell, name=HOSTILE_PLAN)
    gold = PlanFactory(commcell=commcell, name="Gold")
    for index in range(3):
        make_rule(commcell, hostile, days=14, cycles=2, copy_name=f"short{index}")
    make_rule(commcell, gold, days=30, cycles=2, aging=False, copy_name="off")
    make_rule(commcell, gold, days=90, cycles=1, copy_name="long")
    make_rule(commcell, None, days=30, cycles=0, copy_name="days-only")


def _log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", "reader")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base_url}/dashboard/retention")
    # htmx binds its triggers on DOMContentLoaded, which comes before "load".
    page.wait_for_load_state("load")


def test_dashboard_filters_without_reload(
    page: Page, live_server, dashboard_data, outside_requests
):
    page.set_default_timeout(10_000)
    _log_in(page, live_server.url)

    rows = page.locator("#retention-rules tbody tr")
    expect(rows).to_have_count(6)
    expect(page.locator("#severity-chart canvas").first).to_be_visible()
    expect(page.locator("#plans-chart canvas").first).to_be_visible()

    page.evaluate("window.loadMarker = 'same page'")
    with page.expect_response(lambda response: "severity=high" in response.url):
        page.check("#retention-filters input[name=severity][value=high]")

    expect(rows).to_have_count(3)
    expect(page.locator("#retention-rules .badge")).to_have_text(["High"] * 3)
    expect(page).to_have_url(re.compile(r"severity=high"))
    expect(page.locator("#plans-chart canvas").first).to_be_visible()
    assert page.evaluate("window.loadMarker") == "same page"
    assert page.locator('[data-severity="total"]').inner_text() == "3"
    assert outside_requests == []


def test_dashboard_tooltip_shows_names_as_text(
    page: Page, live_server, dashboard_data, outside_requests
):
    page.set_default_timeout(10_000)
    _log_in(page, live_server.url)
    expect(page.locator("#plans-chart canvas").first).to_be_visible()

    page.evaluate(
        """() => echarts
            .getInstanceByDom(document.getElementById("plans-chart"))
            .dispatchAction({type: "showTip", seriesIndex: 0, dataIndex: 0})"""
    )

    expect(page.locator("#plans-chart")).to_contain_text(HOSTILE_PLAN)
    assert page.locator("#plans-chart img").count() == 0
    assert page.evaluate("window.injected") is None
    expect(page.locator("#retention-rules")).to_contain_text(HOSTILE_PLAN)
    assert outside_requests == []


def test_dashboard_back_button_restores_filters(
    page: Page, live_server, dashboard_data, outside_requests
):
    page.set_default_timeout(10_000)
    _log_in(page, live_server.url)
    rows = page.locator("#retention-rules tbody tr")
    with page.expect_response(lambda response: "severity=critical" in response.url):
        page.check("#retention-filters input[name=severity][value=critical]")
    expect(rows).to_have_count(1)

    page.go_back()

    expect(rows).to_have_count(6)
    expect(page.locator("#retention-filters input[value=critical]")).not_to_be_checked()
    expect(page.locator("#severity-chart canvas").first).to_be_visible()
    assert outside_requests == []


def test_dashboard_bar_click_filters_plan(
    page: Page, live_server, dashboard_data, outside_requests
):
    page.set_default_timeout(10_000)
    _log_in(page, live_server.url)
    chart = page.locator("#plans-chart")
    expect(chart.locator("canvas").first).to_be_visible()
    box = chart.bounding_box()
    x, y = page.evaluate(
        """() => echarts
            .getInstanceByDom(document.getElementById("plans-chart"))
            .convertToPixel({xAxisIndex: 0, yAxisIndex: 0}, [0.5, "0"])"""
    )

    # Clicks during the opening animation miss the bars, so wait for it to end.
    page.wait_for_function(
        """() => echarts
            .getInstanceByDom(document.getElementById("plans-chart"))
            .getZr().animation.isFinished()"""
    )
    page.mouse.move(box["x"] + x, box["y"] + y)
    with page.expect_response(lambda response: "plan=" in response.url):
        page.mouse.click(box["x"] + x, box["y"] + y)

    rows = page.locator("#retention-rules tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#retention-plan-filter")).to_contain_text(HOSTILE_PLAN)

    page.click("#retention-plan-filter a")

    expect(rows).to_have_count(6)
    assert page.input_value("#id_plan") == ""
    assert outside_requests == []


def test_dashboard_keeps_input_typed_during_request(
    page: Page, live_server, dashboard_data, outside_requests
):
    page.set_default_timeout(10_000)
    _log_in(page, live_server.url)

    page.fill("#id_days_min", "20")
    page.fill("#id_days_max", "95")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"days_min=20&days_max=95"))
    expect(page.locator("#retention-rules tbody tr")).to_have_count(3)
    assert page.input_value("#id_days_max") == "95"
    assert outside_requests == []


def test_dashboard_filters_without_javascript(
    browser: Browser, live_server, dashboard_data
):
    context = browser.new_context(java_script_enabled=False)
    blocked: list[str] = []
    context.route("**/*", _loopback_only(blocked))
    page = context.new_page()
    page.set_default_timeout(10_000)
    _log_in(page, live_server.url)

    page.check("#retention-filters input[name=severity][value=critical]")
    page.click("#retention-filters button[type=submit]")

    expect(page).to_have_url(re.compile(r"severity=critical"))
    expect(page.locator("#retention-rules tbody tr")).to_have_count(1)
    expect(page.locator("#retention-filters input[value=critical]")).to_be_checked()
    assert blocked == []
    context.close()
