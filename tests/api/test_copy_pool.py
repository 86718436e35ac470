"""Storage pool of a copy: its ranking, its SQL on SQLite, and id filter limits."""

from pathlib import Path

import pytest
from django.utils import timezone

from tests.api.helpers import get_json
from tests.factories import (
    CommCellFactory,
    JobFactory,
    StoragePolicyCopyFactory,
    StoragePoolFactory,
)
from tests.sqlite_project import SqliteProject

pytestmark = pytest.mark.django_db

COPIES_URL = "/api/storage-policy-copies/"
HUGE_ID = "99999999999999999999999"

# Runs inside `manage.py shell` on a SQLite database: one copy whose pool is named by
# its global storage policy id, and a removed pool whose own id matches.
SQLITE_SCRIPT = """
from django.test import Client
from django.utils import timezone
from tests.factories import (
    CommCellFactory, StoragePolicyCopyFactory, StoragePoolFactory, UserFactory,
)

commcell = CommCellFactory(name="cs-sqlite")
StoragePoolFactory(commcell=commcell, cv_id=42, removed_at=timezone.now())
pool = StoragePoolFactory(commcell=commcell, cv_id=41, storage_policy_cv_id=42)
StoragePolicyCopyFactory(commcell=commcell, storage_pool_cv_id=42)
client = Client()
client.force_login(UserFactory(username="sqlite-viewer", role="viewer"))

response = client.get("/api/storage-policy-copies/", HTTP_HOST="127.0.0.1")
print("copies", response.status_code, response.json()["results"][0]["storage_pool"])
print("pool", pool.pk)
response = client.get(
    "/api/jobs/", {"client": "99999999999999999999999"}, HTTP_HOST="127.0.0.1"
)
print("huge", response.status_code)
"""


def test_copy_prefers_present_pool_over_own_id(viewer_client):
    commcell = CommCellFactory()
    StoragePoolFactory(commcell=commcell, cv_id=42, removed_at=timezone.now())
    pool = StoragePoolFactory(commcell=commcell, cv_id=41, storage_policy_cv_id=42)
    StoragePolicyCopyFactory(commcell=commcell, storage_pool_cv_id=42)

    row = get_json(viewer_client, COPIES_URL)["results"][0]

    assert row["storage_pool"] == pool.pk


def test_copy_prefers_own_id_over_policy_id(viewer_client):
    commcell = CommCellFactory()
    StoragePoolFactory(commcell=commcell, cv_id=50, storage_policy_cv_id=42)
    pool = StoragePoolFactory(commcell=commcell, cv_id=42)
    StoragePolicyCopyFactory(commcell=commcell, storage_pool_cv_id=42)

    row = get_json(viewer_client, COPIES_URL)["results"][0]

    assert row["storage_pool"] == pool.pk


def test_copy_removed_pool_still_matched(viewer_client):
    commcell = CommCellFactory()
    pool = StoragePoolFactory(commcell=commcell, cv_id=42, removed_at=timezone.now())
    StoragePolicyCopyFactory(commcell=commcell, storage_pool_cv_id=42)

    row = get_json(viewer_client, COPIES_URL)["results"][0]

    assert row["storage_pool"] == pool.pk


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (COPIES_URL, "commcell"),
        ("/api/jobs/", "commcell"),
        ("/api/jobs/", "client"),
        ("/api/clients/", "commcell"),
    ],
)
def test_huge_id_filter_rejected(viewer_client, url, name):
    JobFactory()

    response = viewer_client.get(url, {name: HUGE_ID})

    assert response.status_code == 400
    assert HUGE_ID in response.json()[name][0]


def test_largest_id_filter_accepted(viewer_client):
    response = viewer_client.get("/api/jobs/", {"client": str(2**63 - 1)})

    assert response.status_code == 200


def test_copies_endpoint_on_sqlite(tmp_path: Path):
    project = SqliteProject(tmp_path / "db.sqlite3")

    migrate = project.migrate()
    shell = project.shell(SQLITE_SCRIPT)

    lines = dict(line.split(" ", 1) for line in shell.stdout.splitlines())
    assert migrate.returncode == 0, migrate.stderr
    assert shell.returncode == 0, shell.stderr
    assert lines["copies"] == f"200 {lines['pool']}"
    assert lines["huge"] == "400"
