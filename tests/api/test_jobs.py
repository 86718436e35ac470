from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.commcell.models import Job
from tests.api.helpers import HOSTILE_NAME, get_json
from tests.factories import (
    ClientFactory,
    CommCellFactory,
    JobFactory,
    PlanFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/jobs/"
START = datetime(2026, 11, 1, 22, 0, tzinfo=UTC)


def job_ids(payload: dict) -> list[int]:
    return [row["job_id"] for row in payload["results"]]


def make_jobs(count: int, **fields: object) -> list[Job]:
    return [
        JobFactory(
            job_id=1000 + number, start_time=START + timedelta(hours=number), **fields
        )
        for number in range(count)
    ]


def test_job_list_newest_first(viewer_client):
    make_jobs(3)

    payload = get_json(viewer_client, URL)

    assert job_ids(payload) == [1002, 1001, 1000]


def test_job_list_has_no_count(viewer_client):
    make_jobs(2)

    payload = get_json(viewer_client, URL)

    assert "count" not in payload


def test_job_list_runs_no_count_query(viewer_client):
    make_jobs(2)

    with CaptureQueriesContext(connection) as queries:
        viewer_client.get(URL)

    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]


def test_job_cursor_walks_all_pages(viewer_client):
    commcell = CommCellFactory()
    # Equal start times make the cursor count an offset among rows at one position.
    for number in range(7):
        JobFactory(commcell=commcell, job_id=2000 + number, start_time=START)

    seen: list[int] = []
    url = f"{URL}?page_size=3"
    while url:
        payload = viewer_client.get(url).json()
        seen.extend(job_ids(payload))
        url = payload["next"]

    assert sorted(seen) == list(range(2000, 2007))
    assert len(seen) == 7


def test_job_cursor_previous_link(viewer_client):
    make_jobs(4)

    first = get_json(viewer_client, URL, page_size=2)
    second = viewer_client.get(first["next"]).json()
    back = viewer_client.get(second["previous"]).json()

    assert job_ids(second) == [1001, 1000]
    assert job_ids(back) == [1003, 1002]


def test_job_rejects_bad_cursor(viewer_client):
    response = viewer_client.get(URL, {"cursor": "not-a-cursor"})

    assert response.status_code == 404


def test_job_orders_by_job_id(viewer_client):
    commcell = CommCellFactory()
    JobFactory(commcell=commcell, job_id=5, start_time=START)
    JobFactory(commcell=commcell, job_id=3, start_time=START + timedelta(hours=1))

    payload = get_json(viewer_client, URL, ordering="job_id")

    assert job_ids(payload) == [3, 5]


def test_job_orders_by_start_time_ascending(viewer_client):
    make_jobs(3)

    payload = get_json(viewer_client, URL, ordering="start_time")

    assert job_ids(payload) == [1000, 1001, 1002]


def test_job_filters_by_start_range(viewer_client):
    make_jobs(5)

    payload = get_json(
        viewer_client,
        URL,
        start_after=(START + timedelta(hours=1)).isoformat(),
        start_before=(START + timedelta(hours=3)).isoformat(),
    )

    assert job_ids(payload) == [1002, 1001]


def test_job_rejects_bad_start_after(viewer_client):
    response = viewer_client.get(URL, {"start_after": "yesterday"})

    assert response.status_code == 400
    assert "start_after" in response.json()


@pytest.mark.parametrize(
    ("field", "matching", "other"),
    [
        ("level", Job.Level.INCREMENTAL, Job.Level.FULL),
        ("outcome", Job.Outcome.FAILED, Job.Outcome.COMPLETED),
    ],
)
def test_job_filters_by_choice(viewer_client, field, matching, other):
    JobFactory(job_id=1, **{field: matching})
    JobFactory(job_id=2, **{field: other})

    payload = get_json(viewer_client, URL, **{field: matching})

    assert job_ids(payload) == [1]


def test_job_rejects_unknown_level(viewer_client):
    response = viewer_client.get(URL, {"level": "weekly"})

    assert response.status_code == 400
    assert "weekly" in response.json()["level"][0]


def test_job_filters_by_relations(viewer_client):
    commcell = CommCellFactory()
    client = ClientFactory(commcell=commcell)
    plan = PlanFactory(commcell=commcell)
    JobFactory(
        commcell=commcell,
        job_id=1,
        client=client,
        plan=plan,
        storage_policy=plan.storage_policy,
    )
    JobFactory(commcell=commcell, job_id=2)
    JobFactory(job_id=3)

    assert job_ids(get_json(viewer_client, URL, client=client.pk)) == [1]
    assert job_ids(get_json(viewer_client, URL, plan=plan.pk)) == [1]
    assert job_ids(
        get_json(viewer_client, URL, storage_policy=plan.storage_policy_id)
    ) == [1]
    assert sorted(job_ids(get_json(viewer_client, URL, commcell=commcell.pk))) == [1, 2]


def test_job_filters_by_job_id(viewer_client):
    make_jobs(3)

    payload = get_json(viewer_client, URL, job_id=1001)

    assert job_ids(payload) == [1001]


def test_job_rejects_bad_job_id(viewer_client):
    response = viewer_client.get(URL, {"job_id": "12a"})

    assert response.status_code == 400
    assert "job_id" in response.json()


def test_job_shows_related_names(viewer_client):
    plan = PlanFactory(name="Gold")
    JobFactory(
        commcell=plan.commcell,
        plan=plan,
        storage_policy=plan.storage_policy,
        client_name=HOSTILE_NAME,
    )

    row = get_json(viewer_client, URL)["results"][0]

    assert row["plan_name"] == "Gold"
    assert row["storage_policy_name"] == plan.storage_policy.name
    assert row["client_name"] == HOSTILE_NAME
    assert row["commcell_name"] == plan.commcell.name


def test_job_list_query_count(viewer_client, django_assert_max_num_queries):
    for number in range(20):
        plan = PlanFactory()
        JobFactory(
            commcell=plan.commcell,
            job_id=number,
            plan=plan,
            storage_policy=plan.storage_policy,
            client=ClientFactory(commcell=plan.commcell),
        )

    # Session, user, role groups and the page itself.
    with django_assert_max_num_queries(4):
        response = viewer_client.get(URL)

    assert len(response.json()["results"]) == 20


def test_job_rejects_viewer_write(viewer_client):
    response = viewer_client.post(URL, {}, content_type="application/json")

    assert response.status_code == 403
