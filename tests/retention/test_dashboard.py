"""The retention dashboard page, its htmx fragment and its JSON."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.retention.views import PAGE_SIZE
from tests.factories import CommCellFactory, PlanFactory
from tests.retention.conftest import make_rule

URL = "/dashboard/retention"
HTMX = {"HTTP_HX_REQUEST": "true"}


def _rows(response) -> int:
    return response.content.decode().count('<span class="badge sev-')


def test_dashboard_url_name():
    assert reverse("retention:dashboard") == URL


@pytest.mark.django_db
def test_dashboard_anonymous_redirects_to_login():
    response = Client().get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"


def test_dashboard_no_role_forbidden(no_role_client):
    assert no_role_client.get(URL).status_code == 403


@pytest.mark.parametrize("client_name", ["viewer_client", "admin_role_client"])
def test_dashboard_roles_allowed(request, client_name, rules):
    client = request.getfixturevalue(client_name)

    response = client.get(URL)

    assert response.status_code == 200
    assert _rows(response) == 6


def test_dashboard_counts_per_severity(viewer_client, rules):
    content = viewer_client.get(URL).content.decode()

    assert '<div class="fs-4 fw-semibold" data-severity="total">6</div>' in content
    assert 'data-severity="critical">1</div>' in content
    assert 'data-severity="ok">2</div>' in content


def test_dashboard_embeds_chart_data(viewer_client, rules):
    response = viewer_client.get(URL)

    summary = response.context["summary"]
    assert 'id="retention-summary-data"' in response.content.decode()
    assert summary["total"] == 6
    assert [plan["plan"] for plan in summary["top_plans"]] == ["Gold", "Silver"]


def test_dashboard_loads_chart_scripts(viewer_client, rules):
    content = viewer_client.get(URL).content.decode()

    assert "vendor/echarts/echarts.min.js" in content
    assert "js/retention-dashboard.js" in content
    assert "cdn" not in content.lower()


def test_dashboard_rows_sorted_by_severity_then_plan(viewer_client, rules):
    response = viewer_client.get(URL)

    ordered = [rule.pk for rule in response.context["page_obj"]]
    expected = ["critical", "high", "medium", "info", "ok_west", "ok_east"]
    assert ordered == [rules[name].pk for name in expected]


def test_dashboard_shows_infinite_and_days_only(viewer_client, rules):
    content = viewer_client.get(URL).content.decode()

    assert '<td class="text-end">infinite</td>' in content
    assert '<td class="text-end">days only</td>' in content
    assert "<strong>off</strong>" in content


def test_dashboard_shows_extended_rules(viewer_client, rules):
    rule = rules["ok_west"]
    rule.extended_rules = [
        {"slot": 1, "rule": "monthly_fulls", "end_days": 365, "grace_days": 0}
    ]
    rule.save()

    content = viewer_client.get(URL).content.decode()

    assert "Monthly fulls: 365 days" in content


def test_dashboard_htmx_returns_fragment(viewer_client, rules):
    response = viewer_client.get(URL, {"severity": "high"}, **HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert 'id="retention-rules"' in content
    assert 'id="retention-summary-data"' in content
    assert 'id="retention-filters"' not in content
    assert _rows(response) == 1


def test_dashboard_boosted_htmx_returns_page(viewer_client, rules):
    response = viewer_client.get(URL, HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true")

    assert "<html" in response.content.decode()


def test_dashboard_history_restore_returns_page(viewer_client, rules):
    response = viewer_client.get(
        URL, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )

    assert "<html" in response.content.decode()


def test_dashboard_varies_on_htmx_header(viewer_client, rules):
    response = viewer_client.get(URL)

    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"severity": "high"}, {"high"}),
        ({"severity": ["critical", "medium"]}, {"critical", "medium"}),
        ({"commcell": "west"}, {"ok_west"}),
        ({"plan_name": "silv"}, {"medium", "info"}),
        ({"plan": "gold"}, {"critical", "high"}),
        ({"days": "-1"}, {"info"}),
        ({"days": "30"}, {"critical", "ok_east"}),
        ({"days_min": "60"}, {"medium", "info", "ok_west"}),
        ({"days_max": "30"}, {"critical", "high", "ok_east"}),
        ({"days_min": "14", "days_max": "30"}, {"critical", "high", "ok_east"}),
        ({"cycles": "0"}, {"ok_east"}),
        ({"cycles_min": "2"}, {"critical", "high", "medium"}),
        ({"cycles_max": "1"}, {"info", "ok_east", "ok_west"}),
        ({"aging": "false"}, {"critical"}),
        ({"aging": "true", "severity": "critical"}, set()),
        ({"aging": ""}, {"critical", "high", "medium", "info", "ok_east", "ok_west"}),
    ],
)
def test_dashboard_filters(viewer_client, rules, params, expected):
    params = dict(params)
    if params.get("commcell") == "west":
        params["commcell"] = str(rules["ok_west"].commcell_id)
    if params.get("plan") == "gold":
        params["plan"] = str(rules["high"].plan_id)

    response = viewer_client.get(URL, params)

    listed = {rule.pk for rule in response.context["page_obj"]}
    assert listed == {rules[name].pk for name in expected}


def test_dashboard_counts_follow_filters(viewer_client, rules):
    response = viewer_client.get(URL, {"commcell": rules["ok_west"].commcell_id})

    summary = response.context["summary"]
    assert summary["total"] == 1
    assert summary["top_plans"] == []


def test_dashboard_plan_filter_named(viewer_client, rules):
    response = viewer_client.get(URL, {"plan": rules["high"].plan_id})

    content = response.content.decode()
    assert "Only plan <strong>Gold</strong> is shown." in content
    assert f'name="plan" value="{rules["high"].plan_id}"' in content


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"days_min": "abc"}, 'Days from "abc": Enter a whole number.'),
        (
            {"days": "-5"},
            'Days "-5": Ensure this value is greater than or equal to -1.',
        ),
        ({"severity": "urgent"}, 'Severity "urgent": Select a valid choice.'),
        (
            {"days_min": "40", "days_max": "30"},
            "Days to (30) is below days from (40): swap the two values.",
        ),
        ({"aging": "maybe"}, 'Data aging "maybe": Select a valid choice.'),
    ],
)
def test_dashboard_invalid_filter_explained(viewer_client, rules, params, message):
    response = viewer_client.get(URL, params)

    content = response.content.decode()
    assert response.status_code == 200
    assert message.replace('"', "&quot;") in content
    assert _rows(response) == 0
    assert "No rules are shown because a filter is invalid" in content


def test_dashboard_invalid_filter_htmx_fragment(viewer_client, rules):
    response = viewer_client.get(URL, {"cycles": "x"}, **HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Cycles &quot;x&quot;: Enter a whole number." in content


def test_dashboard_json_summary(viewer_client, rules):
    response = viewer_client.get(URL, {"format": "json", "severity": "high"})

    data = response.json()
    assert response.status_code == 200
    assert data["total"] == 1
    assert data["severities"][1] == {"severity": "high", "label": "High", "count": 1}
    assert data["top_plans"][0]["plan"] == "Gold"


def test_dashboard_json_invalid_filter(viewer_client, rules):
    response = viewer_client.get(URL, {"format": "json", "days_max": "-3"})

    assert response.status_code == 400
    assert response.json()["errors"] == [
        'Days to "-3": Ensure this value is greater than or equal to 0.'
    ]


def test_dashboard_empty_state(viewer_client):
    content = viewer_client.get(URL).content.decode()

    assert "No retention rules collected yet" in content
    assert f'href="{reverse("commcell:syncrun-list")}"' in content
    assert 'id="retention-rules"' not in content
    assert "echarts" not in content


def test_dashboard_no_match_message(viewer_client, rules):
    content = viewer_client.get(URL, {"plan_name": "nothing-like-this"}).content

    assert b"No retention rules match these filters." in content
    assert b"No retention rules collected yet" not in content


def test_dashboard_hides_removed_copies(viewer_client, rules):
    copy = rules["high"].copy
    copy.removed_at = timezone.now()
    copy.save()

    response = viewer_client.get(URL)

    assert _rows(response) == 5


def test_dashboard_escapes_hostile_names(viewer_client):
    hostile = "<script>alert('x')</script>\"quoted\""
    commcell = CommCellFactory(name="cs <b>bold</b> O'Brien")
    plan = PlanFactory(commcell=commcell, name=hostile)
    make_rule(commcell, plan, days=14, cycles=2, copy_name="<img src=x onerror=1>")

    response = viewer_client.get(URL)

    content = response.content.decode()
    assert "<script>alert" not in content
    assert "<img src=x" not in content
    assert "<b>bold</b>" not in content
    assert (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&quot;quoted&quot;" in content
    )
    assert "\\u003Cscript\\u003Ealert" in content


def test_dashboard_paginates(viewer_client, rules):
    commcell = rules["high"].commcell
    for index in range(PAGE_SIZE + 10):
        make_rule(commcell, None, days=40, cycles=1, copy_name=f"copy{index}")

    first = viewer_client.get(URL, {"severity": "ok"})
    second = viewer_client.get(URL, {"severity": "ok", "page": "2"}, **HTMX)

    assert _rows(first) == PAGE_SIZE
    assert _rows(second) == 12
    assert "page=2" in first.content.decode()
    assert "severity=ok" in first.content.decode()
    assert "Page 2 of 2" in second.content.decode()


def test_dashboard_bad_page_number(viewer_client, rules):
    response = viewer_client.get(URL, {"page": "x"})

    assert response.status_code == 200
    assert _rows(response) == 6


def test_dashboard_htmx_form_attributes(viewer_client, rules):
    content = viewer_client.get(URL).content.decode()

    assert f'hx-get="{URL}"' in content
    assert 'hx-push-url="true"' in content
    assert f'method="get"\n      action="{URL}"' in content


def test_dashboard_says_counts_follow_filters(viewer_client, rules):
    content = viewer_client.get(URL).content.decode()

    assert "Counts and charts cover the rules that match the\n  filters." in content


def test_dashboard_query_count_at_scale(viewer_client, django_assert_max_num_queries):
    commcell = CommCellFactory(name="cs-big")
    plans = PlanFactory.create_batch(250, commcell=commcell)
    for index in range(600):
        make_rule(
            commcell,
            plans[index % 250],
            days=[7, 14, 30, 60, -1][index % 5],
            cycles=index % 4,
            aging=index % 13 != 0,
            copy_name=f"copy{index}",
        )

    with django_assert_max_num_queries(10):
        page = viewer_client.get(URL)
    with django_assert_max_num_queries(10):
        fragment = viewer_client.get(URL, {"severity": "high"}, **HTMX)

    assert _rows(page) == PAGE_SIZE
    assert len(page.context["summary"]["top_plans"]) == 20
    assert fragment.status_code == 200


def test_dashboard_json_chart_data_is_valid_json(viewer_client, rules):
    content = viewer_client.get(URL).content.decode()

    start = content.index('id="retention-summary-data" type="application/json">')
    raw = content[start:].split(">", 1)[1].split("</script>", 1)[0]
    assert json.loads(raw)["total"] == 6


def test_dashboard_shows_unreported_values(viewer_client, rules):
    rule = rules["ok_west"]
    rule.cycles_reported = False
    rule.data_aging_reported = False
    rule.save()

    content = viewer_client.get(URL).content.decode()

    assert '<td class="text-end">not reported</td>' in content
    assert "on (assumed)" in content


@pytest.mark.django_db
def test_dashboard_htmx_anonymous_redirects_page():
    response = Client().get(URL, **HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/accounts/login/?next={URL}"
