"""Pages of the retention tools: roles, content and the checker's form."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.retention.tools.store import analyze_tools
from tests.factories import DDBStoreFactory

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    """Return the response body unescaped, with runs of whitespace as one space."""
    return " ".join(html.unescape(response.content.decode()).split())


PAGES = [
    "analyzers:optimizer",
    "analyzers:reclamation",
    "analyzers:dedup",
    "analyzers:schedules",
    "analyzers:retention-checker",
]


@pytest.mark.parametrize("name", PAGES)
def test_page_roles(name, client, viewer_client, no_role_client):
    url = reverse(name)

    assert client.get(url).status_code == 302
    assert no_role_client.get(url).status_code == 403
    assert viewer_client.get(url).status_code == 200


def test_optimizer_page_lists_rule(viewer_client, analyzed):
    response = viewer_client.get(reverse("analyzers:optimizer"))

    text = page_text(response)
    assert "Short-term (under 30 days)" in text
    assert "7 days / 4 cycles" in text
    assert "7 days / 1 cycle" in text
    assert "480.0 GiB" in text


def test_optimizer_rejects_unknown_commcell(viewer_client, analyzed):
    response = viewer_client.get(reverse("analyzers:optimizer"), {"commcell": "999"})

    assert response.status_code == 200
    assert "CommCell 999 was not found" in page_text(response)


def test_reclamation_page_warns_dedup(viewer_client, analyzed):
    response = viewer_client.get(reverse("analyzers:reclamation"))

    text = page_text(response)
    assert "DedupPool" in text
    assert "estimate-warning" in text
    assert "Recovery timeline" in text


def test_reclamation_page_sizes_and_pruning_disabled(viewer_client, weekly_pool):
    pool = weekly_pool["pool"]
    pool.storage_policy_cv_id = 8_800
    pool.save()
    DDBStoreFactory(
        commcell=pool.commcell,
        storage_policy_cv_id=8_800,
        name="Dedup_7004",
        pruning_enabled=False,
        pending_deletes=562_400,
    )
    list(analyze_tools(weekly_pool["commcell"], timezone.now()))

    response = viewer_client.get(reverse("analyzers:reclamation"))

    text = " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split())
    assert "Free space now 1,000.0 MiB of 9.5 TiB" in text
    assert "Aged, not yet freed 562,400 pending deletes" in text
    assert "Free space after pruning 1,000.0 MiB Nothing is freed now." in text
    assert "Pruning is disabled on DDB store Dedup_7004" in text
    assert " MB of 10000000 MB" not in text


def test_dedup_and_schedule_pages(viewer_client, analyzed):
    dedup = page_text(viewer_client.get(reverse("analyzers:dedup")))
    schedules = page_text(viewer_client.get(reverse("analyzers:schedules")))

    assert "DedupPool" in dedup
    assert "ratio 5.0:1" in dedup
    assert "Weekly" in schedules
    assert "every 7.0 days" in schedules


def test_checker_plan_change(viewer_client, weekly_pool):
    response = viewer_client.post(
        reverse("analyzers:retention-checker"),
        {"plan": weekly_pool["plan"].pk, "change_cycles": "1"},
    )

    text = page_text(response)
    assert response.status_code == 200
    assert "<html" in text
    assert "7 days / 4 cycles" in text
    assert "15 days sooner" in text
    assert "21 more jobs" in text
    assert "480.0 GiB" in text


def test_checker_htmx_returns_fragment(viewer_client, weekly_pool):
    response = viewer_client.post(
        reverse("analyzers:retention-checker"),
        {"days": "14", "cycles": "2", "full_interval_days": "7", "change_cycles": "1"},
        headers={"HX-Request": "true"},
    )

    text = page_text(response)
    assert "<html" not in text
    assert "checker-change" in text
    assert "data kept 20 days" in text


def test_checker_unknown_interval_sentences(viewer_client):
    response = viewer_client.post(
        reverse("analyzers:retention-checker"),
        {"days": "1", "cycles": "1", "change_days": "2"},
        headers={"HX-Request": "true"},
    )

    text = page_text(response)
    assert (
        "1 day / 1 cycle: data kept one full interval, full interval unknown (type "
        "the full interval, or pick a plan with at least two fulls per chain)"
    ) in text
    assert "The full interval is unknown. With 1 cycle a full stays one" in text
    assert "No estimate in days. Before the change: 1 day / 1 cycle:" in text
    assert re.search(r"\b1 (days|cycles)\b", text) is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"days": "2", "full_interval_days": "1", "change_days": "1"}, "1 day sooner"),
        ({"days": "7", "full_interval_days": "7", "change_days": "14"}, "7 days later"),
        (
            {
                "days": "30",
                "cycles": "2",
                "full_interval_days": "7",
                "change_cycles": "1",
            },
            "Data ages at about the same time as before",
        ),
    ],
)
def test_checker_change_days_wording(viewer_client, data, expected):
    response = viewer_client.post(
        reverse("analyzers:retention-checker"),
        {"cycles": "1", **data},
        headers={"HX-Request": "true"},
    )

    text = page_text(response)
    assert expected in text
    assert "-7 days" not in text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"days": "-5"}, "Retention days -5 is invalid"),
        ({"days": "abc"}, "Retention days 'abc' is not a whole number"),
        ({"days": "30", "cycles": "150"}, "Retention cycles 150 is over the maximum"),
        ({"days": "30", "full_interval_days": "0"}, "Full interval 0 is out of range"),
        ({"days": "30", "change_cycles": "-1"}, "Try cycles -1 is invalid"),
        ({}, "No rule given"),
        ({"plan": "999"}, "Plan 999 was not found"),
        (
            {"days": "30", "extended_kind": "month"},
            "Extended rule days are missing",
        ),
    ],
)
def test_checker_rejects_bad_input(viewer_client, data, message):
    response = viewer_client.post(reverse("analyzers:retention-checker"), data)

    assert response.status_code == 200
    assert message in page_text(response)


def test_checker_changes_nothing(viewer_client, weekly_pool):
    rule = weekly_pool["rule"]

    viewer_client.post(
        reverse("analyzers:retention-checker"),
        {"plan": weekly_pool["plan"].pk, "days": "1", "change_days_only": "on"},
    )

    rule.refresh_from_db()
    assert rule.retention_days == 7
    assert rule.retention_cycles == 4
