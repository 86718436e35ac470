from datetime import UTC, datetime, timedelta

import pytest

from apps.commcell.models import SyncRun
from tests.api.helpers import get_json
from tests.factories import CommCellFactory, SyncRunFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/sync-runs/"
STARTED = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def run_ids(payload: dict) -> list[int]:
    return [row["id"] for row in payload["results"]]


def test_sync_run_fields(viewer_client, viewer_user):
    run = SyncRunFactory(
        status=SyncRun.Status.PARTIAL,
        trigger="api",
        requested_by=viewer_user,
        started_at=STARTED,
        finished_at=STARTED + timedelta(seconds=90),
        progress={"clients": {"done": 5, "total": 5}},
        counts={"clients": 5},
        errors=[{"step": "jobs", "message": "Timed out after 60 s."}],
    )

    row = get_json(viewer_client, f"{URL}{run.pk}/")

    assert row["status"] == "partial"
    assert row["trigger"] == "api"
    assert row["requested_by"] == "viewer"
    assert row["duration_seconds"] == 90.0
    assert row["progress"] == {"clients": {"done": 5, "total": 5}}
    assert row["counts"] == {"clients": 5}
    assert row["errors"][0]["step"] == "jobs"
    assert row["commcell_name"] == run.commcell.name


def test_sync_run_duration_null_while_running(viewer_client):
    run = SyncRunFactory(status=SyncRun.Status.RUNNING, started_at=STARTED)

    row = get_json(viewer_client, f"{URL}{run.pk}/")

    assert row["duration_seconds"] is None


def test_sync_run_newest_first(viewer_client):
    older = SyncRunFactory()
    newer = SyncRunFactory()

    payload = get_json(viewer_client, URL)

    assert run_ids(payload) == [newer.pk, older.pk]


def test_sync_run_filters_by_commcell(viewer_client):
    commcell = CommCellFactory()
    mine = SyncRunFactory(commcell=commcell)
    SyncRunFactory()

    payload = get_json(viewer_client, URL, commcell=commcell.pk)

    assert run_ids(payload) == [mine.pk]


def test_sync_run_filters_by_status(viewer_client):
    failed = SyncRunFactory(status=SyncRun.Status.FAILED)
    SyncRunFactory(status=SyncRun.Status.SUCCEEDED)

    payload = get_json(viewer_client, URL, status="failed")

    assert run_ids(payload) == [failed.pk]


def test_sync_run_rejects_unknown_status(viewer_client):
    response = viewer_client.get(URL, {"status": "done"})

    assert response.status_code == 400
    assert "done" in response.json()["status"][0]


def test_sync_run_paginates(viewer_client):
    commcell = CommCellFactory()
    for _ in range(3):
        SyncRunFactory(commcell=commcell)

    payload = get_json(viewer_client, URL, page_size=2)

    assert payload["count"] == 3
    assert len(payload["results"]) == 2


def test_sync_run_query_count(viewer_client, django_assert_max_num_queries):
    for number in range(12):
        SyncRunFactory(requested_by=UserFactory(username=f"operator{number}"))

    # Session, user, role groups, COUNT and the page.
    with django_assert_max_num_queries(5):
        response = viewer_client.get(URL)

    assert len(response.json()["results"]) == 12


def test_sync_run_read_only(admin_role_client, viewer_client):
    run = SyncRunFactory()

    assert viewer_client.delete(f"{URL}{run.pk}/").status_code == 403
    assert admin_role_client.delete(f"{URL}{run.pk}/").status_code == 405


def test_sync_run_rejects_anonymous(anonymous_client):
    assert anonymous_client.get(URL).status_code == 401
