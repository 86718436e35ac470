"""API of the retention tools: roles, figures and the checker's validation."""

import pytest

from .builders import GIB

pytestmark = pytest.mark.django_db

READ_URLS = [
    "/api/analyzers/optimizer/",
    "/api/analyzers/reclamation/",
    "/api/analyzers/dedup/",
    "/api/analyzers/schedules/",
]
CHECKER = "/api/analyzers/retention-checker/"


@pytest.mark.parametrize("url", READ_URLS)
def test_read_roles(url, client, viewer_client, no_role_client):
    assert client.get(url).status_code in (401, 403)
    assert no_role_client.get(url).status_code == 403
    assert viewer_client.get(url).status_code == 200


def test_checker_roles(client, no_role_client, viewer_client):
    body = {"days": 30, "cycles": 1}

    assert client.post(CHECKER, body, content_type="application/json").status_code in (
        401,
        403,
    )
    assert (
        no_role_client.post(CHECKER, body, content_type="application/json").status_code
        == 403
    )
    assert (
        viewer_client.post(CHECKER, body, content_type="application/json").status_code
        == 200
    )


def test_optimizer_api_figures(viewer_client, analyzed):
    data = viewer_client.get(READ_URLS[0]).json()

    review = data["groups"][0]["reviews"][0]
    impact = next(
        item for item in review["impacts"] if item["code"] == "retention.reduce_cycles"
    )
    assert data["count"] == 1
    assert review["intent"]["group"] == "short_term"
    assert impact["newly_eligible_jobs"] == 21
    assert impact["newly_eligible_bytes"] == 480 * GIB


def test_reclamation_api_timeline(viewer_client, analyzed):
    data = viewer_client.get(READ_URLS[1], {"page_size": "5"}).json()

    pool = data["results"][0]
    assert pool["deduplicated"] is True
    assert pool["eligible_bytes"] == 640 * GIB
    assert len(pool["timeline"]) == 30
    assert pool["warning"]


def test_read_api_rejects_unknown_commcell(viewer_client):
    response = viewer_client.get(READ_URLS[1], {"commcell": "999"})

    assert response.status_code == 400
    assert "CommCell 999 was not found" in response.json()["errors"][0]


PAGE_MESSAGE = "the page must be a positive whole number, such as 1."
SIZE_MESSAGE = "send a whole number from 1 to 1000."


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"page": "abc"}, f"Invalid page 'abc': {PAGE_MESSAGE}"),
        ({"page": "0"}, f"Invalid page '0': {PAGE_MESSAGE}"),
        ({"page_size": "0"}, f"Invalid page size '0': {SIZE_MESSAGE}"),
        ({"page_size": "x"}, f"Invalid page size 'x': {SIZE_MESSAGE}"),
        ({"page_size": "1001"}, f"Invalid page size '1001': {SIZE_MESSAGE}"),
        ({"ordering": "nope"}, "Invalid ordering 'nope': this list has a fixed order."),
    ],
)
@pytest.mark.parametrize("url", READ_URLS)
def test_read_api_rejects_bad_paging(viewer_client, url, query, message):
    response = viewer_client.get(url, query)

    (param,) = query
    assert response.status_code == 400
    assert response.json() == {param: [message]}


@pytest.mark.parametrize("url", READ_URLS)
def test_read_api_past_last_page(viewer_client, analyzed, url):
    response = viewer_client.get(url, {"page": "99999"})

    assert response.status_code == 404
    assert response.json()["detail"] == (
        "Invalid page 99999: That page contains no results."
    )


def test_read_api_pages_with_size_and_last(viewer_client, analyzed):
    response = viewer_client.get(READ_URLS[0], {"page": "last", "page_size": "1000"})

    data = response.json()
    assert response.status_code == 200
    assert data["count"] == 1
    assert data["page"] == 1
    assert data["num_pages"] == 1


def test_checker_api_plan_change(viewer_client, weekly_pool):
    response = viewer_client.post(
        CHECKER,
        {"plan": weekly_pool["plan"].pk, "change_cycles": 1},
        content_type="application/json",
    )

    data = response.json()
    assert response.status_code == 200
    assert data["full_interval_days"] == 7
    assert data["analysis"]["summary"]["kept_days"] == 28
    assert data["change"]["days_sooner"] == 15
    assert data["change"]["effect"]["newly_eligible_jobs"] == 21
    assert data["change"]["effect"]["newly_eligible_bytes"] == 480 * GIB


def test_checker_api_typed_rule(viewer_client):
    response = viewer_client.post(
        CHECKER,
        {"days": 30, "cycles": 4, "full_interval_days": 30},
        content_type="application/json",
    )

    data = response.json()
    assert data["analysis"]["summary"]["kept_days"] == 120
    assert data["analysis"]["reasons"][0].startswith("The cycles decide")
    assert data["change"] is None


def test_checker_api_rejects_values(viewer_client):
    response = viewer_client.post(
        CHECKER, {"days": -3, "cycles": 101}, content_type="application/json"
    )

    errors = response.json()["errors"]
    assert response.status_code == 400
    assert "Retention days -3 is invalid" in errors["days"][0]["message"]
    assert "Retention cycles 101 is over the maximum" in errors["cycles"][0]["message"]
