"""GET /api/jobs-on-copies/ and the copy job setting in the CommCell API."""

import pytest

from apps.commcell.models import CommCell, JobOnCopy
from tests.factories import CommCellFactory, JobOnCopyFactory

pytestmark = pytest.mark.django_db

URL = "/api/jobs-on-copies/"
COMMCELLS = "/api/commcells/"


def job_ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(row["job_id"] for row in response.json()["results"])


@pytest.mark.parametrize(
    ("client_name", "status"),
    [
        ("viewer_client", 200),
        ("admin_role_client", 200),
        ("no_role_client", 403),
        ("client", 401),
    ],
)
def test_jobs_on_copies_role(request, client_name, status):
    JobOnCopyFactory()

    response = request.getfixturevalue(client_name).get(URL)

    assert response.status_code == status


def test_jobs_on_copies_row_fields(viewer_client):
    row = JobOnCopyFactory(
        retain_infinite=True,
        retained_by=JobOnCopy.RetainedBy.USER,
        retained_by_text="User",
        required_by_jobs="5,6",
    )

    result = viewer_client.get(URL).json()["results"][0]

    assert result["job_id"] == row.job_id
    assert result["copy"] == row.copy_id
    assert result["copy_name"] == row.copy.name
    assert result["storage_policy_name"] == row.copy.storage_policy.name
    assert result["commcell_name"] == row.commcell.name
    assert result["retain_infinite"] is True
    assert result["retained_by"] == 4
    assert result["retained_by_text"] == "User"
    assert result["required_by_jobs"] == "5,6"
    assert "count" not in viewer_client.get(URL).json()


def test_jobs_on_copies_filters(viewer_client):
    first = JobOnCopyFactory(job_id=11)
    second = JobOnCopyFactory(job_id=22, retained_by=JobOnCopy.RetainedBy.EXTENDED)
    JobOnCopyFactory(job_id=33, copy=second.copy)

    assert job_ids(viewer_client.get(URL, {"commcell": first.commcell_id})) == [11]
    assert job_ids(viewer_client.get(URL, {"copy": second.copy_id})) == [22, 33]
    assert job_ids(viewer_client.get(URL, {"job_id": 33})) == [33]
    assert job_ids(viewer_client.get(URL, {"retained_by": 2})) == [22]
    assert job_ids(viewer_client.get(URL, {"retained_by": 1})) == [11, 33]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("retained_by", "3"),
        ("copy", "x"),
        ("job_id", "1.5"),
        ("commcell", str(2**63)),
        ("is_aged", "maybe"),
    ],
)
def test_jobs_on_copies_bad_filter(viewer_client, name, value):
    response = viewer_client.get(URL, {name: value})

    assert response.status_code == 400
    assert name in response.json()


def test_jobs_on_copies_cursor_pages(viewer_client):
    for number in range(5):
        JobOnCopyFactory(job_id=100 + number)

    seen = []
    response = viewer_client.get(URL, {"page_size": 2})
    while True:
        payload = response.json()
        seen += [row["job_id"] for row in payload["results"]]
        if not payload["next"]:
            break
        response = viewer_client.get(payload["next"])

    assert sorted(seen) == [100, 101, 102, 103, 104]
    assert len(seen) == 5


def test_commcell_api_shows_interval_and_time_zone(viewer_client):
    commcell = CommCellFactory(
        copy_jobs_interval_hours=12, commserve_time_zone="(UTC+01:00) Amsterdam"
    )

    row = viewer_client.get(f"{COMMCELLS}{commcell.pk}/").json()

    assert row["copy_jobs_interval_hours"] == 12
    assert row["commserve_time_zone"] == "(UTC+01:00) Amsterdam"


@pytest.mark.parametrize("value", [721, -1])
def test_commcell_api_rejects_interval(admin_role_client, value):
    commcell = CommCellFactory(copy_jobs_interval_hours=24)

    response = admin_role_client.patch(
        f"{COMMCELLS}{commcell.pk}/",
        {"copy_jobs_interval_hours": value},
        content_type="application/json",
    )

    commcell.refresh_from_db()
    assert response.status_code == 400
    assert "copy_jobs_interval_hours" in response.json()
    assert commcell.copy_jobs_interval_hours == 24


def test_commcell_api_updates_interval(admin_role_client):
    commcell = CommCellFactory(copy_jobs_interval_hours=24)

    response = admin_role_client.patch(
        f"{COMMCELLS}{commcell.pk}/",
        {"copy_jobs_interval_hours": 0, "commserve_time_zone": "ignored"},
        content_type="application/json",
    )

    commcell.refresh_from_db()
    assert response.status_code == 200
    assert commcell.copy_jobs_interval_hours == 0
    assert commcell.commserve_time_zone == ""


def test_commcell_api_interval_needs_admin(viewer_client):
    commcell = CommCellFactory(copy_jobs_interval_hours=24)

    response = viewer_client.patch(
        f"{COMMCELLS}{commcell.pk}/",
        {"copy_jobs_interval_hours": 1},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert CommCell.objects.get(pk=commcell.pk).copy_jobs_interval_hours == 24
