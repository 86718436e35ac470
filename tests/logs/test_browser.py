"""Log upload and the event list in a real browser: upload, counts, htmx filters."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

# The browser fixtures live in tests/browser/conftest.py, which pytest applies only
# to that folder; importing them applies them here (Chromium path, loopback server).
from tests.browser.conftest import (  # noqa: F401
    LOOPBACK_HOSTS,
    browser_type_launch_args,
)
from tests.factories import CommCellFactory, UserFactory
from tests.logs.conftest import FIXTURES, seed_built_in_matchers

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
def admin_and_commcell(tmp_path, settings):
    settings.CVANALYTICS_LOG_STORAGE_DIR = str(tmp_path / "uploads")
    seed_built_in_matchers()
    UserFactory(username="uploader", role="admin")
    return CommCellFactory(name="cc-browser")


def test_upload_then_filter_events(
    page: Page, live_server, admin_and_commcell, outside_requests
):
    page.set_default_timeout(10_000)
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "uploader")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")

    page.goto(f"{base}/logs/upload")
    page.select_option("#id_commcell", label="cc-browser")
    page.fill("#id_media_agent_name", "mediaagent07")
    page.fill("#id_file_date", "2026-01-05T12:00")
    page.set_input_files("#id_files", str(FIXTURES / "CVMA.log"))
    page.click("#log-upload-form button[type=submit]")

    expect(page).to_have_url(f"{base}/logs/")
    row = page.locator("#log-files tbody tr").first
    expect(row).to_contain_text("CVMA.log")
    expect(row).to_contain_text("Parsed")
    expect(row).to_contain_text("lines 1, 5")

    row.get_by_role("link", name="4").click()
    page.wait_for_load_state("load")
    rows = page.locator("#log-events tbody tr")
    expect(rows).to_have_count(4)

    page.evaluate("window.loadMarker = 'same page'")
    with page.expect_response(lambda response: "category=error" in response.url):
        page.select_option("#id_category", "error")

    expect(rows).to_have_count(2)
    expect(page.locator("#log-events tbody tr td:nth-child(4)")).to_contain_text(
        ["Error", "Error"]
    )
    assert page.evaluate("window.loadMarker") == "same page"
    assert "category=error" in page.url
    assert outside_requests == []
