"""Admin pages of jobs on copies and the copy job interval of a CommCell."""

import pytest
from django.urls import reverse

from apps.commcell.models import CommCell
from tests.commcell.test_admin_commcell import ADD_URL, change_url, form_data
from tests.factories import CommCellFactory, JobOnCopyFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:commcell_joboncopy_changelist")


def test_admin_sets_copy_jobs_interval(admin_role_client):
    response = admin_role_client.post(ADD_URL, form_data(copy_jobs_interval_hours="6"))

    assert response.status_code == 302
    assert CommCell.objects.get(name="cs-prod").copy_jobs_interval_hours == 6


@pytest.mark.parametrize("value", ["721", "-1"])
def test_admin_rejects_copy_jobs_interval(admin_role_client, value):
    response = admin_role_client.post(
        ADD_URL, form_data(copy_jobs_interval_hours=value)
    )

    errors = response.context["adminform"].form.errors
    assert response.status_code == 200
    assert "copy_jobs_interval_hours" in errors
    assert not CommCell.objects.exists()


def test_admin_shows_time_zone_read_only(admin_role_client):
    commcell = CommCellFactory(commserve_time_zone="(UTC-05:00) Eastern Time")

    response = admin_role_client.get(change_url(commcell))

    content = response.content.decode()
    assert "(UTC-05:00) Eastern Time" in content
    assert 'name="commserve_time_zone"' not in content
    assert 'name="copy_jobs_interval_hours"' in content


def test_jobs_on_copies_admin_read_only(admin_role_client):
    row = JobOnCopyFactory(job_id=987654)
    JobOnCopyFactory(job_id=123456)

    listing = admin_role_client.get(LIST_URL, {"q": "987654"})
    add = admin_role_client.get(reverse("admin:commcell_joboncopy_add"))
    change = admin_role_client.get(
        reverse("admin:commcell_joboncopy_change", args=[row.pk])
    )

    assert listing.status_code == 200
    assert [r.pk for r in listing.context["cl"].result_list] == [row.pk]
    assert add.status_code == 403
    assert 'name="_save"' not in change.content.decode()


def test_jobs_on_copies_admin_filters_copy(admin_role_client):
    row = JobOnCopyFactory()
    JobOnCopyFactory()

    by_copy = admin_role_client.get(LIST_URL, {"copy__id__exact": row.copy_id})
    by_commcell = admin_role_client.get(
        LIST_URL, {"commcell__id__exact": row.commcell_id}
    )

    assert [r.pk for r in by_copy.context["cl"].result_list] == [row.pk]
    assert [r.pk for r in by_commcell.context["cl"].result_list] == [row.pk]


def test_jobs_on_copies_admin_needs_admin(viewer_client):
    JobOnCopyFactory()

    response = viewer_client.get(LIST_URL)

    assert response.status_code == 302


def test_admin_interval_help_names_client_details(admin_role_client):
    commcell = CommCellFactory()

    response = admin_role_client.get(change_url(commcell))

    content = response.content.decode()
    assert "every copy's job list" in content
    assert "every client's detail" in content
