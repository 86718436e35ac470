"""The retention rule checker in a real browser: htmx swaps the result in place."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from apps.retention.models import RetentionSettings
from tests.browser.conftest import LOOPBACK_HOSTS
from tests.factories import (
    CommCellFactory,
    PlanFactory,
    RetentionRuleFactory,
    StoragePolicyCopyFactory,
    UserFactory,
)
from tests.retention.tools.builders import weekly_then_no_fulls
from tests.retention.tools.conftest import store_jobs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


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
def weekly_plan():
    """A 7 days / 4 cycles plan with weekly fulls on days 0-49 of a 56-day history."""
    UserFactory(username="reader", role="viewer")
    commcell = CommCellFactory(name="cs-checker")
    plan = PlanFactory(commcell=commcell, name="Weekly")
    copy = StoragePolicyCopyFactory(
        commcell=commcell, storage_policy=plan.storage_policy, name="Primary"
    )
    RetentionRuleFactory(copy=copy, plan=plan, retention_days=7, retention_cycles=4)
    store_jobs(commcell, plan, weekly_then_no_fulls(weeks_with_fulls=8, last_day=55))
    return plan


def _open_checker(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next=/tools/retention-checker")
    page.fill("#id_username", "reader")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base_url}/tools/retention-checker")
    page.wait_for_load_state("load")


def test_checker_tries_change_without_reload(
    page: Page, live_server, weekly_plan, outside_requests
):
    page.set_default_timeout(15_000)
    _open_checker(page, live_server.url)
    page.evaluate("window.loadMarker = 'same page'")

    page.select_option("#id_plan", str(weekly_plan.pk))
    page.fill("#id_change_cycles", "1")
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.click("#checker-form button[type=submit]")

    # Every job is older than now, so the plan's whole history counts: cycles of
    # days 28, 35 and 42 (21 jobs, 480 GiB) become eligible with 1 cycle. The 28
    # jobs eligible before get earlier dates, but no retained job ages sooner.
    effect = page.locator("#change-effect")
    expect(effect).to_contain_text("21 more jobs")
    expect(effect).to_contain_text("480.0 GiB")
    expect(effect).not_to_contain_text("sooner on average")
    expect(page.locator("#effective-retention")).to_contain_text("7 days / 4 cycles")
    expect(page.locator("#change-days")).to_contain_text("15 days sooner")
    assert page.evaluate("window.loadMarker") == "same page"
    expect(page).to_have_url(f"{live_server.url}/tools/retention-checker")
    assert outside_requests == []


def test_checker_shows_error_in_place(page: Page, live_server, weekly_plan):
    page.set_default_timeout(15_000)
    _open_checker(page, live_server.url)
    page.evaluate("window.loadMarker = 'same page'")

    page.fill("#id_days", "-5")
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.click("#checker-form button[type=submit]")

    expect(page.locator("#checker-errors")).to_contain_text(
        "Retention days -5 is invalid"
    )
    assert page.evaluate("window.loadMarker") == "same page"
    expect(page.locator("#id_days")).to_have_value("-5")


def test_checker_names_plan_settings(page: Page, live_server, weekly_plan):
    RetentionSettings.objects.create(
        commcell=weekly_plan.commcell,
        days_only_retention=True,
        time_zone="Europe/Berlin",
    )
    page.set_default_timeout(15_000)
    _open_checker(page, live_server.url)

    page.select_option("#id_plan", str(weekly_plan.pk))
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.click("#checker-form button[type=submit]")

    # Days-only retention ignores the 4 cycles, so data stays the 7 days.
    expect(page.locator("#effective-retention")).to_contain_text("7 days, days only")
    settings = page.locator("#checker-assumptions")
    expect(settings).to_contain_text("Days-only retention is on: cycles are ignored.")
    # UTC+01:00 in winter and UTC+02:00 in summer, at the moment of the test.
    expect(settings).to_contain_text("Europe/Berlin time (UTC+0")
