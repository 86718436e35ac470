"""Retention pages in a real browser: the cycle analyzer's htmx filters and the job page."""

import re
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from apps.retention import views
from apps.retention.analysis import analyze_cycles
from tests.browser.conftest import LOOPBACK_HOSTS
from tests.factories import UserFactory
from tests.retention.chains import NOW, build_estate
from tests.retention.sql.scenarios import day
from tests.retention.test_job_copies import build_copies, on_copy

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
def analyzed_estate() -> None:
    UserFactory(username="reader", role="viewer")
    estate = build_estate("cs-browser-cycles")
    list(analyze_cycles(estate["commcell"], NOW))


def _log_in(page: Page, base_url: str, next_path: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.fill("#id_username", "reader")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base_url}{next_path}")
    page.wait_for_load_state("load")


def test_cycle_analyzer_filters_without_reload(
    page: Page, live_server, analyzed_estate, outside_requests
):
    page.set_default_timeout(10_000)
    _log_in(page, live_server.url, "/analyzers/cycles/")
    rows = page.locator("#cycle-rows tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#open-cycles tbody tr")).to_have_count(1)

    page.evaluate("window.loadMarker = 'same page'")
    with page.expect_response(lambda response: "flagged=on" in response.url):
        page.check("#analyzer-filters input[name=flagged]")

    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Weekly")
    expect(rows.first).to_contain_text("2 cycles keep data about 20 days (+43%)")
    expect(page).to_have_url(re.compile(r"flagged=on"))
    assert page.evaluate("window.loadMarker") == "same page"

    with page.expect_response(lambda response: "sort=plan" in response.url):
        page.select_option("#analyzer-filters select[name=sort]", "plan")
    expect(rows).to_have_count(1)
    assert outside_requests == []


@pytest.fixture
def disagreeing_job():
    """A job whose secondary copy reports a retain-until 20 days after ours."""
    UserFactory(username="reader", role="viewer")
    setup = build_copies("cs-browser-jobs")
    job = setup["jobs"][42]
    on_copy(setup["primary"], job, retain_until=day(64, hour=12))
    setup["offsite"].jobs_on_copy.filter(job_id=job.job_id).update(
        retain_until=day(94, hour=12)
    )
    return {**setup, "job": job}


def test_job_page_flags_disagreement(
    page: Page, live_server, disagreeing_job, outside_requests, monkeypatch
):
    monkeypatch.setattr(views, "timezone", SimpleNamespace(now=lambda: NOW))
    page.set_default_timeout(10_000)
    _log_in(page, live_server.url, f"/jobs/{disagreeing_job['job'].pk}/")

    rows = page.locator("#job-copies tbody tr")
    expect(rows).to_have_count(3)
    offsite = page.locator(f"tr[data-copy='{disagreeing_job['offsite'].pk}']")
    expect(offsite.locator("[data-disagrees]")).to_be_visible()
    expect(offsite.locator("[data-difference-days]")).to_have_text("20.0")
    expect(offsite).to_have_class(re.compile(r"table-warning"))
    primary = page.locator("tr[data-primary]")
    expect(primary.locator("[data-agrees]")).to_be_visible()
    expect(
        page.locator(f"tr[data-copy='{disagreeing_job['cloud'].pk}']")
    ).to_contain_text("never read")
    assert outside_requests == []
