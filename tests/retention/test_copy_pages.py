"""One effective retention per copy on the copies page and the cycle analyzer."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from apps.commcell.models import JobOnCopy
from apps.retention.analysis import analyze_cycles
from apps.retention.models import CopyRetentionSummary, RetentionSettings
from tests.retention.chains import NOW, build_estate

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate():
    return build_estate()


def analyze(estate) -> None:
    list(analyze_cycles(estate["commcell"], NOW))


def copy_row(text: str, copy_id: int) -> str:
    match = re.search(rf'<tr[^>]*data-copy="{copy_id}">(.*?)</tr>', text, re.S)
    assert match, f"no row for copy {copy_id}"
    return match.group(1)


def test_delay_column_repeats_measured_kept_days(viewer_client, estate):
    analyze(estate)
    copy = estate["weekly_rule"].copy
    kept = CopyRetentionSummary.objects.get(copy=copy).effective_retention_days

    response = viewer_client.get(reverse("retention:copy-list"))

    row = copy_row(response.content.decode(), copy.pk)
    assert row.count(f"{kept:.1f} days") == 2
    assert "data kept 20 days" not in row
    assert "estimate" not in row


def test_delay_column_estimate_when_not_measured(viewer_client, estate):
    analyze(estate)
    copy = estate["weekly_rule"].copy
    CopyRetentionSummary.objects.filter(copy=copy).update(
        effective_retention_days=None, retention_delay_days=None
    )

    response = viewer_client.get(reverse("retention:copy-list"))

    row = copy_row(response.content.decode(), copy.pk)
    assert "not measured" in row
    assert "data kept about 20 days (estimate, not measured), +43%" in row


def test_days_only_setting_changes_cycles_and_delay(viewer_client, estate):
    RetentionSettings.objects.create(
        commcell=estate["commcell"], days_only_retention=True
    )
    analyze(estate)
    copy = estate["weekly_rule"].copy
    kept = CopyRetentionSummary.objects.get(copy=copy).effective_retention_days

    response = viewer_client.get(reverse("retention:copy-list"))

    row = copy_row(response.content.decode(), copy.pk)
    cycles = re.search(r"<td[^>]*data-cycles>(.*?)</td>", row, re.S).group(1)
    assert cycles.startswith("days only")
    assert "2 on the CommServe" in cycles
    assert "days only by setting" in row
    assert (
        "14 days / days only (days-only retention setting), fulls every 7.0 days: "
        f"data kept {kept:.1f} days"
    ) in row
    assert "2 cycles" not in row
    assert kept < 15


def test_days_only_setting_leaves_days_only_rule_alone(viewer_client, estate):
    RetentionSettings.objects.create(
        commcell=estate["commcell"], days_only_retention=True
    )
    analyze(estate)

    response = viewer_client.get(reverse("retention:copy-list"))

    row = copy_row(response.content.decode(), estate["clean_rule"].copy_id)
    assert "(setting" not in row
    assert "30 days / days only, fulls every 7.0 days: data kept 30." in row


@pytest.fixture
def extended(estate):
    copy = estate["weekly_rule"].copy
    for job, retained_by in zip(
        estate["weekly_jobs"][:3],
        [JobOnCopy.RetainedBy.EXTENDED] * 2 + [JobOnCopy.RetainedBy.BASIC],
        strict=True,
    ):
        JobOnCopy.objects.create(
            commcell=copy.commcell,
            copy=copy,
            job_id=job.job_id,
            retained_by=retained_by,
            retain_until=NOW + timedelta(days=200),
            collected_at=NOW,
        )
    analyze(estate)
    return copy


def test_copies_page_counts_extended_apart(viewer_client, estate, extended):
    response = viewer_client.get(reverse("retention:copy-list"))

    row = copy_row(response.content.decode(), extended.pk)
    assert "1 of 1 compared CommServe dates differs" in row
    assert "2 kept by extended retention, not compared" in row


def test_cycle_analyzer_counts_extended_apart(viewer_client, estate, extended):
    response = viewer_client.get(
        reverse("retention:cycle-analyzer"), {"plan_name": "weekly"}
    )

    text = response.content.decode()
    assert "1 of 1 compared CommServe retain-until dates differs" in text
    assert "2 jobs kept by extended retention, not compared" in text


def test_cycle_analyzer_names_median_interval(viewer_client, estate):
    analyze(estate)

    response = viewer_client.get(reverse("retention:cycle-analyzer"))

    text = response.content.decode()
    assert "Median full interval</th>" in text
    assert "Average cycle length" not in text
