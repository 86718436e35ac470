import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings(tmp_path):
    # --fail-on-warn turns every drf-spectacular warning, in any app's API, into a
    # SystemExit, so the whole project's API must describe itself cleanly.
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert "/api/jobs/" in target.read_text()


def test_schema_readable_by_viewer(viewer_client):
    response = viewer_client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert "/api/commcells/{id}/collect/" in response.json()["paths"]


def test_schema_rejects_anonymous(client):
    assert client.get("/api/schema/").status_code == 401


def test_schema_rejects_no_role(no_role_client):
    assert no_role_client.get("/api/schema/").status_code == 403


def test_docs_served_offline(viewer_client):
    response = viewer_client.get("/api/docs/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "swagger-ui" in page
    assert "cdn.jsdelivr.net" not in page
    assert "https://" not in page


def test_docs_rejects_anonymous(client):
    assert client.get("/api/docs/").status_code == 401


def test_docs_assets_served_locally(viewer_client):
    page = viewer_client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)

    assert len(assets) >= 3
    for asset in assets:
        assert viewer_client.get(asset).status_code == 200, asset
