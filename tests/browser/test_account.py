"""A viewer changes their own password in a real browser and logs in with it."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_retention_dashboard import PASSWORD, _loopback_only
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "another-long-passphrase-77"


def _log_in(page: Page, base_url: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next=/account/")
    page.fill("#id_username", "reader")
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def test_viewer_changes_password(page: Page, live_server):
    blocked: list[str] = []
    page.context.route("**/*", _loopback_only(blocked))
    page.set_default_timeout(10_000)
    UserFactory(username="reader", role="viewer")
    _log_in(page, live_server.url, PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/account/")

    page.click("text=Change password")
    page.fill("#id_old_password", "wrong-password")
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator(".invalid-feedback")).to_contain_text("incorrectly")

    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_have_text("Password changed")

    page.click("button:has-text('Log out')")
    _log_in(page, live_server.url, NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/account/")
    assert blocked == []
