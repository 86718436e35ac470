"""The job page in a real browser for a client with data aging disabled."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from apps.commcell.models import Client
from apps.retention import views
from tests.browser.test_retention_pages import PASSWORD, outside_requests  # noqa: F401
from tests.factories import UserFactory
from tests.retention.test_job_copies import NOW, build_copies, on_copy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def client_aging_off_job():
    """A full of a client with data aging off, which the primary copy lists forever."""
    UserFactory(username="reader", role="viewer")
    setup = build_copies("cs-browser-client-aging")
    job = setup["jobs"][28]
    Client.objects.filter(pk=job.client_id).update(data_aging_enabled=False)
    on_copy(setup["primary"], job, retain_infinite=True, retain_until=None)
    return {**setup, "job": job}


def test_job_page_names_client_aging(
    page: Page,
    live_server,
    client_aging_off_job,
    outside_requests,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(views, "timezone", SimpleNamespace(now=lambda: NOW))
    page.set_default_timeout(10_000)
    path = f"/jobs/{client_aging_off_job['job'].pk}/"
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.fill("#id_username", "reader")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}{path}")

    for key in ("primary", "offsite"):
        row = page.locator(f"tr[data-copy='{client_aging_off_job[key].pk}']")
        expect(row.locator("[data-reason]")).to_have_text(
            "Data aging disabled on the client"
        )
        expect(row).not_to_contain_text("Eligible")
    expect(page.locator("tr[data-primary] [data-agrees]")).to_be_visible()
    assert outside_requests == []
