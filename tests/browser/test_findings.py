"""The findings page in a real browser: htmx filters swap the table without a reload."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_retention_dashboard import PASSWORD, _loopback_only
from tests.factories import CommCellFactory, FindingFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE_SUBJECT = '<img src=x onerror="window.injected=1">'


@pytest.fixture
def outside_requests(page: Page) -> list[str]:
    """Abort and record every request the page makes to a host other than loopback."""
    blocked: list[str] = []
    page.context.route("**/*", _loopback_only(blocked))
    return blocked


@pytest.fixture
def finding_data() -> None:
    UserFactory(username="reader", role="viewer")
    east = CommCellFactory(name="cs-east")
    west = CommCellFactory(name="cs-west")
    FindingFactory(commcell=east, subject_name="SP-Gold / Primary")
    FindingFactory(
        commcell=east,
        code="retention.short_term_stretched",
        severity="high",
        subject_name=HOSTILE_SUBJECT,
    )
    FindingFactory(
        commcell=west,
        analyzer="storage.pools",
        code="storage.pool_low_space",
        severity="medium",
        subject_type="pool",
        subject_name="DiskPool01",
    )


def _open_findings(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next=/findings/")
    page.fill("#id_username", "reader")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base_url}/findings/")
    # htmx binds its triggers on DOMContentLoaded, which comes before "load".
    page.wait_for_load_state("load")


def test_findings_filter_without_reload(
    page: Page,
    live_server,
    finding_data,
    outside_requests,
):
    page.set_default_timeout(10_000)
    _open_findings(page, live_server.url)
    rows = page.locator("#findings tbody tr")
    expect(rows).to_have_count(3)
    page.evaluate("window.loadMarker = 'same page'")

    with page.expect_response(lambda response: "severity=high" in response.url):
        page.check("#finding-filters input[name=severity][value=high]")

    expect(rows).to_have_count(1)
    expect(page.locator("#findings .badge")).to_have_text(["High"])
    expect(page).to_have_url(re.compile(r"severity=high"))
    expect(page.locator('[data-severity="total"]')).to_have_text("1")
    expect(page.locator("#findings")).to_contain_text(HOSTILE_SUBJECT)
    assert page.locator("#findings img").count() == 0

    page.uncheck("#finding-filters input[name=severity][value=high]")
    expect(rows).to_have_count(3)

    with page.expect_response(lambda response: "domain=storage" in response.url):
        page.select_option("#id_domain", "storage")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-code", "storage.pool_low_space")

    page.select_option("#id_domain", "")
    expect(rows).to_have_count(3)
    with page.expect_response(lambda response: "q=gold" in response.url):
        page.locator("#id_q").press_sequentially("gold")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("SP-Gold / Primary")

    assert page.evaluate("window.loadMarker") == "same page"
    assert page.evaluate("window.injected") is None
    assert outside_requests == []


def test_findings_back_button_restores_filters(
    page: Page,
    live_server,
    finding_data,
    outside_requests,
):
    page.set_default_timeout(10_000)
    _open_findings(page, live_server.url)
    rows = page.locator("#findings tbody tr")
    with page.expect_response(lambda response: "severity=critical" in response.url):
        page.check("#finding-filters input[name=severity][value=critical]")
    expect(rows).to_have_count(1)

    page.go_back()

    expect(rows).to_have_count(3)
    expect(
        page.locator("#finding-filters input[name=severity][value=critical]")
    ).not_to_be_checked()
    assert outside_requests == []
