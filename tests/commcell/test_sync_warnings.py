"""Warnings of a sync run on its page and in the API."""

import pytest
from django.urls import reverse

from apps.commcell.models import SyncRun
from tests.factories import SyncRunFactory

pytestmark = pytest.mark.django_db

WARNING = {
    "step": "time_zone",
    "message": "CommServe time zone: GET /Client/2: HTTP 500 <b>x</b>",
}


def test_run_page_shows_warnings(viewer_client):
    run = SyncRunFactory(warnings=[WARNING])

    response = viewer_client.get(reverse("commcell:syncrun-detail", args=[run.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="syncrun-warnings"' in content
    assert "1 warning<" in content
    assert "HTTP 500 &lt;b&gt;x&lt;/b&gt;" in content
    assert 'id="syncrun-errors"' not in content


def test_run_page_without_warnings(viewer_client):
    run = SyncRunFactory()

    response = viewer_client.get(reverse("commcell:syncrun-detail", args=[run.pk]))

    assert 'id="syncrun-warnings"' not in response.content.decode()


def test_run_api_lists_warnings(viewer_client):
    run = SyncRunFactory(status=SyncRun.Status.SUCCEEDED, warnings=[WARNING])

    row = viewer_client.get(f"/api/sync-runs/{run.pk}/").json()

    assert row["warnings"] == [WARNING]
    assert row["errors"] == []
