import pytest

from tests.factories import CommCellFactory


@pytest.mark.django_db
def test_commcell_secret_encrypted_at_rest():
    commcell = CommCellFactory(secret="plain-password")

    commcell.refresh_from_db()

    assert "plain-password" not in commcell.secret_encrypted
    assert commcell.secret == "plain-password"


@pytest.mark.django_db
def test_roles_created_by_migration():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {"viewer", "admin"}
