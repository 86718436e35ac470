"""The retention rule list and the severity summary of the API."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.factories import CommCellFactory, PlanFactory
from tests.retention.conftest import make_rule

RULES_URL = "/api/retention-rules/"
SUMMARY_URL = "/api/retention/summary/"


def _ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.django_db
@pytest.mark.parametrize("url", [RULES_URL, SUMMARY_URL])
def test_api_anonymous_rejected(url):
    assert Client().get(url).status_code in (401, 403)


@pytest.mark.parametrize("url", [RULES_URL, SUMMARY_URL])
def test_api_no_role_forbidden(no_role_client, url):
    assert no_role_client.get(url).status_code == 403


@pytest.mark.parametrize("client_name", ["viewer_client", "admin_role_client"])
@pytest.mark.parametrize("url", [RULES_URL, SUMMARY_URL])
def test_api_roles_read(request, rules, client_name, url):
    client = request.getfixturevalue(client_name)

    assert client.get(url).status_code == 200


def test_api_token_auth(rules, viewer_user):
    token = Token.objects.create(user=viewer_user)

    response = Client().get(RULES_URL, HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert response.json()["count"] == 6


@pytest.mark.parametrize("client_name", ["viewer_client", "admin_role_client"])
def test_api_rules_read_only(request, rules, client_name):
    client = request.getfixturevalue(client_name)
    rule = rules["high"]

    created = client.post(RULES_URL, {}, content_type="application/json")
    changed = client.patch(
        f"{RULES_URL}{rule.pk}/", {"severity": "ok"}, content_type="application/json"
    )

    assert created.status_code in (403, 405)
    assert changed.status_code in (403, 405)


def test_api_rules_list_fields(viewer_client, rules):
    rule = rules["high"]

    row = viewer_client.get(RULES_URL).json()["results"][1]

    assert row["id"] == rule.pk
    assert row["commcell"] == {"id": rule.commcell_id, "name": "cs-east"}
    assert row["plan"] == {"id": rule.plan_id, "name": "Gold"}
    assert row["storage_policy"]["name"] == rule.storage_policy.name
    assert row["copy"] == {"id": rule.copy_id, "name": "Primary"}
    assert row["retention_days"] == 14
    assert row["retention_cycles"] == 2
    assert row["severity"] == "high"
    assert "kept about 20 days, +43%" in row["reason"]


def test_api_rules_without_plan(viewer_client, rules):
    response = viewer_client.get(f"{RULES_URL}{rules['ok_east'].pk}/")

    assert response.json()["plan"] is None


def test_api_rules_extended_rules(viewer_client, rules):
    rule = rules["ok_west"]
    rule.extended_rules = [
        {"slot": 1, "rule": "yearly_fulls", "end_days": -1, "grace_days": 0}
    ]
    rule.save()

    row = viewer_client.get(f"{RULES_URL}{rule.pk}/").json()

    assert row["extended_rules"] == rule.extended_rules


def test_api_rules_sorted_by_severity(viewer_client, rules):
    severities = [
        row["severity"] for row in viewer_client.get(RULES_URL).json()["results"]
    ]

    assert severities == ["critical", "high", "medium", "info", "ok", "ok"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("severity=high&severity=info", {"high", "info"}),
        ("days_min=60", {"medium", "info", "ok_west"}),
        ("days_max=30&cycles_min=2", {"critical", "high"}),
        ("aging=false", {"critical"}),
        ("plan_name=GOLD", {"critical", "high"}),
        ("cycles=0", {"ok_east"}),
    ],
)
def test_api_rules_filters(viewer_client, rules, params, expected):
    response = viewer_client.get(f"{RULES_URL}?{params}")

    assert _ids(response) == {rules[name].pk for name in expected}


def test_api_rules_filter_by_commcell_and_plan(viewer_client, rules):
    commcell = viewer_client.get(RULES_URL, {"commcell": rules["ok_west"].commcell_id})
    plan = viewer_client.get(RULES_URL, {"plan": rules["medium"].plan_id})

    assert _ids(commcell) == {rules["ok_west"].pk}
    assert _ids(plan) == {rules["medium"].pk, rules["info"].pk}


def test_api_rules_ordering(viewer_client, rules):
    response = viewer_client.get(RULES_URL, {"ordering": "-retention_days"})

    days = [row["retention_days"] for row in response.json()["results"]]
    assert days == [90, 60, 30, 30, 14, -1]


def test_api_rules_paginated(viewer_client, rules):
    data = viewer_client.get(RULES_URL, {"page_size": 4}).json()

    assert data["count"] == 6
    assert len(data["results"]) == 4
    assert "page=2" in data["next"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"days_min": "abc"}, "days_min", "Enter a whole number."),
        ({"severity": "urgent"}, "severity", "Select a valid choice."),
        ({"plan": "999999"}, "plan", "Select a valid choice."),
        ({"cycles_min": "3", "cycles_max": "1"}, "cycles_max", "swap the two values"),
    ],
)
def test_api_rules_invalid_filter(viewer_client, rules, params, field, message):
    response = viewer_client.get(RULES_URL, params)

    assert response.status_code == 400
    assert message in response.json()[field][0]


def test_api_summary_counts(viewer_client, rules):
    data = viewer_client.get(SUMMARY_URL).json()

    assert data["total"] == 6
    assert [item["severity"] for item in data["severities"]] == [
        "critical",
        "high",
        "medium",
        "info",
        "ok",
    ]
    assert [item["count"] for item in data["severities"]] == [1, 1, 1, 1, 2]


def test_api_summary_top_plans(viewer_client, rules):
    plans = viewer_client.get(SUMMARY_URL).json()["top_plans"]

    assert plans == [
        {
            "plan_id": rules["high"].plan_id,
            "plan": "Gold",
            "commcell": "cs-east",
            "issues": 2,
            "critical": 1,
            "high": 1,
            "medium": 0,
            "info": 0,
        },
        {
            "plan_id": rules["medium"].plan_id,
            "plan": "Silver",
            "commcell": "cs-east",
            "issues": 2,
            "critical": 0,
            "high": 0,
            "medium": 1,
            "info": 1,
        },
    ]


def test_api_summary_follows_filters(viewer_client, rules):
    data = viewer_client.get(SUMMARY_URL, {"aging": "true", "plan_name": "gold"}).json()

    assert data["total"] == 1
    assert data["top_plans"][0]["issues"] == 1


def test_api_summary_invalid_filter(viewer_client, rules):
    response = viewer_client.get(SUMMARY_URL, {"days": "-9"})

    assert response.status_code == 400
    assert "greater than or equal to -1" in response.json()["days"][0]


def test_api_summary_limits_top_plans(viewer_client):
    commcell = CommCellFactory()
    for plan in PlanFactory.create_batch(25, commcell=commcell):
        make_rule(commcell, plan, days=7, cycles=3)

    plans = viewer_client.get(SUMMARY_URL).json()["top_plans"]

    assert len(plans) == 20


def test_api_summary_matches_dashboard_json(viewer_client, rules):
    api = viewer_client.get(SUMMARY_URL, {"severity": "high"}).json()
    page = viewer_client.get(
        "/dashboard/retention", {"severity": "high", "format": "json"}
    ).json()

    assert api == page


def test_api_hostile_names_returned_verbatim(viewer_client):
    commcell = CommCellFactory(name='cs "quoted" <b>')
    plan = PlanFactory(commcell=commcell, name="<script>alert(1)</script>")
    make_rule(commcell, plan, days=14, cycles=2)

    row = viewer_client.get(RULES_URL).json()["results"][0]

    assert row["plan"]["name"] == "<script>alert(1)</script>"
    assert row["commcell"]["name"] == 'cs "quoted" <b>'


def test_api_schema_lists_retention_paths(viewer_client):
    schema = viewer_client.get("/api/schema/", {"format": "json"}).json()

    assert "/api/retention-rules/" in schema["paths"]
    assert "/api/retention/summary/" in schema["paths"]
    summary_params = {
        parameter["name"]
        for parameter in schema["paths"]["/api/retention/summary/"]["get"]["parameters"]
    }
    assert {"commcell", "plan", "severity", "days_min", "aging"} <= summary_params


def test_api_huge_days_filter_rejected(viewer_client):
    response = viewer_client.get("/api/retention-rules/?days_min=99999999999999999999")

    assert response.status_code == 400
    assert "days_min" in response.json()
