"""The job selection of a copy in the admin and the API."""

import pytest
from django.urls import reverse

from apps.commcell.models import JobSelection
from tests.factories import StoragePolicyCopyFactory

pytestmark = pytest.mark.django_db

COPIES_URL = "/api/storage-policy-copies/"


@pytest.mark.parametrize(
    ("selection", "label"),
    [
        (JobSelection.ALL_JOBS, "all jobs"),
        (JobSelection.ALL_FULLS, "all fulls"),
        (JobSelection.WEEKLY_FULLS, "weekly fulls"),
        (JobSelection.MONTHLY_FULLS, "monthly fulls"),
        (128, "selection code 128"),
        (None, "not collected"),
    ],
)
def test_selection_label(selection, label):
    copy = StoragePolicyCopyFactory.build(job_selection=selection)

    assert copy.job_selection_label == label


def test_selection_fulls_only():
    assert StoragePolicyCopyFactory.build(job_selection=4).selects_fulls_only
    assert not StoragePolicyCopyFactory.build(job_selection=0).selects_fulls_only
    assert not StoragePolicyCopyFactory.build(job_selection=128).selects_fulls_only
    assert not StoragePolicyCopyFactory.build(job_selection=None).selects_fulls_only


def test_api_returns_selection(viewer_client):
    StoragePolicyCopyFactory(name="Weekly", job_selection=JobSelection.WEEKLY_FULLS)
    StoragePolicyCopyFactory(name="Odd", job_selection=128)

    response = viewer_client.get(COPIES_URL)

    rows = {row["name"]: row for row in response.json()["results"]}
    assert rows["Weekly"]["job_selection"] == 4
    assert rows["Weekly"]["job_selection_label"] == "weekly fulls"
    assert rows["Odd"]["job_selection"] == 128
    assert rows["Odd"]["job_selection_label"] == "selection code 128"


def test_api_filters_by_selection(viewer_client):
    StoragePolicyCopyFactory(name="Weekly", job_selection=JobSelection.WEEKLY_FULLS)
    StoragePolicyCopyFactory(name="Mirror", job_selection=JobSelection.ALL_JOBS)

    response = viewer_client.get(COPIES_URL, {"job_selection": 4})

    assert [row["name"] for row in response.json()["results"]] == ["Weekly"]


def test_admin_shows_selection(admin_role_client):
    copy = StoragePolicyCopyFactory(name="Odd", job_selection=128)
    list_url = reverse("admin:commcell_storagepolicycopy_changelist")
    change_url = reverse("admin:commcell_storagepolicycopy_change", args=[copy.pk])

    listing = admin_role_client.get(list_url).content.decode()
    change = admin_role_client.get(change_url).content.decode()

    assert "selection code 128" in listing
    assert "selection code 128" in change
