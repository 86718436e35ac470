"""The backup success page and the plan page name the retention settings in use."""

import pytest
from django.urls import reverse

from apps.retention.analysis import analyze_cycles
from apps.retention.models import RetentionSettings
from tests.factories import CommCellFactory
from tests.retention.chains import NOW, build_estate

pytestmark = pytest.mark.django_db

CHANGED = "Synthetic fulls do not start a cycle."


@pytest.fixture
def estate():
    data = build_estate()
    RetentionSettings.objects.create(
        commcell=data["commcell"], synthetic_full_starts_cycle=False
    )
    list(analyze_cycles(data["commcell"], NOW))
    return data


def test_backup_success_names_changed_setting(viewer_client, estate):
    response = viewer_client.get(reverse("retention:backup-success"))

    text = response.content.decode()
    assert 'id="retention-assumptions"' in text
    assert CHANGED in text


def test_backup_success_names_filtered_commcell_only(viewer_client, estate):
    other = CommCellFactory(name="cs-other")

    response = viewer_client.get(
        reverse("retention:backup-success"), {"commcell": other.pk}
    )

    text = response.content.decode()
    assert f'data-commcell="{other.pk}"' in text
    assert CHANGED not in text


def test_backup_success_defaults_named(viewer_client, estate):
    RetentionSettings.objects.filter(commcell=estate["commcell"]).delete()

    response = viewer_client.get(reverse("retention:backup-success"))

    text = response.content.decode()
    assert "Every other setting has its default." in text
    assert CHANGED not in text


def test_plan_page_names_changed_setting(viewer_client, estate):
    plan = estate["weekly"]

    response = viewer_client.get(reverse("retention:plan-detail", args=[plan.pk]))

    text = response.content.decode()
    assert f'data-commcell="{estate["commcell"].pk}"' in text
    assert CHANGED in text


def test_plan_page_names_only_its_commcell(viewer_client, estate):
    other = build_estate("cs-plain")

    response = viewer_client.get(
        reverse("retention:plan-detail", args=[other["weekly"].pk])
    )

    text = response.content.decode()
    assert f'data-commcell="{other["commcell"].pk}"' in text
    assert f'data-commcell="{estate["commcell"].pk}"' not in text
    assert CHANGED not in text


@pytest.mark.parametrize(
    "name",
    [
        "retention:copy-list",
        "retention:cycle-analyzer",
        "retention:backup-success",
    ],
)
def test_pages_state_zone_with_daylight_saving(viewer_client, estate, name):
    RetentionSettings.objects.filter(commcell=estate["commcell"]).update(
        time_zone="America/New_York"
    )

    text = viewer_client.get(reverse(name)).content.decode()

    assert "Data aging runs daily at 12:00 America/New_York time (UTC-0" in text
    assert "today, follows daylight saving time" in text
    assert "minutes" not in text
