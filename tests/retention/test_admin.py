"""The read-only admin list of retention rules and the retention settings form."""

import pytest

from apps.retention.models import RetentionSettings
from tests.factories import CommCellFactory

URL = "/admin/retention/retentionrule/"
SETTINGS_URL = "/admin/retention/retentionsettings/"


def test_admin_lists_rules(admin_role_client, rules):
    response = admin_role_client.get(URL)

    assert response.status_code == 200
    assert "Gold" in response.content.decode()


def test_admin_rule_not_editable(admin_role_client, rules):
    rule = rules["high"]

    response = admin_role_client.post(f"{URL}{rule.pk}/change/", {"severity": "ok"})

    rule.refresh_from_db()
    assert response.status_code in (200, 403)
    assert rule.severity == "high"


def test_admin_rule_add_forbidden(admin_role_client, rules):
    assert admin_role_client.get(f"{URL}add/").status_code == 403


def test_admin_rule_delete_forbidden(admin_role_client, rules):
    response = admin_role_client.get(f"{URL}{rules['high'].pk}/delete/")

    assert response.status_code == 403


def test_admin_rules_hidden_from_viewer(viewer_client, rules):
    assert viewer_client.get(URL).status_code == 302


@pytest.mark.django_db
def test_admin_settings_error_names_typed_time(admin_role_client):
    commcell = CommCellFactory()

    response = admin_role_client.post(
        f"{SETTINGS_URL}add/",
        {
            "commcell": commcell.pk,
            "aging_time": "25:99",
            "time_zone": "",
            "cycles_when_unknown": "1",
            "open_cycle_factor": "2",
            "disagreement_tolerance_days": "1",
            "disagreement_min_jobs": "10",
            "disagreement_min_percent": "1",
        },
    )

    errors = response.context["adminform"].form.errors["aging_time"]
    assert errors == [
        '"25:99" is not a valid time: enter HH:MM on a 24-hour clock, such as 02:30.'
    ]
    assert not RetentionSettings.objects.exists()
