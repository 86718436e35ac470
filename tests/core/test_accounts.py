"""Accounts: users change their own password; admins cannot grant superuser status;
API tokens are masked in the admin and shown once."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from rest_framework.authtoken.models import Token

from apps.core.models import AuditLog
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
CHANGE_URL = "/account/password/"
TOKENS_URL = "/admin/core/apitoken/"


def change_form(old=PASSWORD, new="a-much-longer-passphrase-42"):
    return {"old_password": old, "new_password1": new, "new_password2": new}


def test_viewer_changes_own_password(viewer_user, viewer_client):
    response = viewer_client.post(CHANGE_URL, change_form())

    viewer_user.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == "/account/password/done/"
    assert viewer_user.check_password("a-much-longer-passphrase-42")
    entry = AuditLog.objects.get(action="account.password.change")
    assert entry.actor == viewer_user
    assert "passphrase" not in str(entry.before) + str(entry.after)


def test_password_change_keeps_session(viewer_client):
    viewer_client.post(CHANGE_URL, change_form())

    assert viewer_client.get("/account/password/done/").status_code == 200


def test_password_change_wrong_old_password(viewer_user, viewer_client):
    response = viewer_client.post(CHANGE_URL, change_form(old="not-my-password"))

    viewer_user.refresh_from_db()
    assert response.status_code == 200
    assert "old password was entered incorrectly" in response.content.decode()
    assert viewer_user.check_password(PASSWORD)
    assert not AuditLog.objects.filter(action="account.password.change").exists()


def test_password_change_needs_login():
    response = Client().get(CHANGE_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_password_change_needs_role(no_role_client):
    assert no_role_client.get(CHANGE_URL).status_code == 403


def test_admin_cannot_grant_superuser(admin_role_client):
    target = UserFactory(username="carol", role="viewer")

    response = admin_role_client.get(f"/admin/auth/user/{target.pk}/change/")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="is_superuser"' not in body
    assert 'name="is_staff"' in body


def test_admin_cannot_change_superuser(admin_role_client):
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)

    response = admin_role_client.post(
        f"/admin/auth/user/{root.pk}/password/",
        {"password1": "taken-over-42-x", "password2": "taken-over-42-x"},
    )

    root.refresh_from_db()
    assert response.status_code == 403
    assert root.check_password(PASSWORD)


def test_superuser_may_grant_superuser():
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    target = UserFactory(username="carol")
    client = Client()
    client.force_login(root)

    response = client.get(f"/admin/auth/user/{target.pk}/change/")

    assert 'name="is_superuser"' in response.content.decode()


def test_token_list_masks_keys(admin_role_client, viewer_user):
    token = Token.objects.create(user=viewer_user)

    response = admin_role_client.get(TOKENS_URL)

    body = response.content.decode()
    assert response.status_code == 200
    assert token.key not in body
    assert f"{token.key[:4]}…{token.key[-2:]}" in body


def test_token_detail_masks_key(admin_role_client, viewer_user):
    token = Token.objects.create(user=viewer_user)

    response = admin_role_client.get(f"{TOKENS_URL}{viewer_user.pk}/change/")

    assert response.status_code == 200
    body = response.content.decode()
    position = body.find(token.key)
    assert position == -1, body[max(0, position - 300) : position + 100]


def test_new_token_shown_once_and_audited(admin_role_client, viewer_user):
    response = admin_role_client.post(
        f"{TOKENS_URL}add/", {"user": viewer_user.pk}, follow=True
    )

    token = Token.objects.get(user=viewer_user)
    assert token.key in response.content.decode()
    assert token.key not in admin_role_client.get(TOKENS_URL).content.decode()
    entry = AuditLog.objects.get(action="token.create")
    assert token.key not in str(entry.after)


def test_token_delete_audited(admin_role_client, viewer_user):
    token = Token.objects.create(user=viewer_user)

    response = admin_role_client.post(
        f"{TOKENS_URL}{viewer_user.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Token.objects.exists()
    entry = AuditLog.objects.get(action="token.delete")
    assert token.key not in str(entry.before)


def user_form(user, **overrides):
    values = {
        "username": user.username,
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": "2026-11-01",
        "date_joined_1": "10:00:00",
        "initial-date_joined_0": "2026-11-01",
        "initial-date_joined_1": "10:00:00",
    }
    values.update(overrides)
    return values


def test_admin_cannot_create_groups(admin_role_client):
    response = admin_role_client.post("/admin/auth/group/add/", {"name": "escalate"})

    assert response.status_code == 403
    assert not Group.objects.filter(name="escalate").exists()


def test_admin_cannot_change_role_permissions(admin_role_client):
    viewer = Group.objects.get(name="viewer")

    response = admin_role_client.post(
        f"/admin/auth/group/{viewer.pk}/change/", {"name": "viewer"}
    )

    assert response.status_code == 403


def test_admin_offers_only_role_groups(admin_role_client):
    Group.objects.create(name="escalate")
    target = UserFactory(username="carol", role="viewer")

    response = admin_role_client.get(f"/admin/auth/user/{target.pk}/change/")

    body = response.content.decode()
    assert ">viewer<" in body
    assert ">escalate<" not in body


def test_admin_cannot_join_other_group(admin_role_client):
    escalate = Group.objects.create(name="escalate")
    target = UserFactory(username="carol", role="viewer")

    admin_role_client.post(
        f"/admin/auth/user/{target.pk}/change/",
        user_form(target, groups=[escalate.pk]),
    )

    assert not target.groups.filter(name="escalate").exists()


def test_role_change_audited(admin_role_client):
    target = UserFactory(username="carol", role="viewer")
    admin_group = Group.objects.get(name="admin")

    response = admin_role_client.post(
        f"/admin/auth/user/{target.pk}/change/",
        user_form(target, groups=[admin_group.pk]),
    )

    assert response.status_code == 302
    assert list(target.groups.values_list("name", flat=True)) == ["admin"]
    entry = AuditLog.objects.get(action="user.update")
    assert entry.before["groups"] == ["viewer"]
    assert entry.after["groups"] == ["admin"]


def test_admin_edit_keeps_other_groups(admin_role_client):
    escalate = Group.objects.create(name="escalate")
    target = UserFactory(username="carol", role="viewer")
    target.groups.add(escalate)
    viewer = Group.objects.get(name="viewer")

    admin_role_client.post(
        f"/admin/auth/user/{target.pk}/change/", user_form(target, groups=[viewer.pk])
    )

    assert sorted(target.groups.values_list("name", flat=True)) == [
        "escalate",
        "viewer",
    ]


def test_user_create_audited(admin_role_client):
    response = admin_role_client.post(
        "/admin/auth/user/add/",
        {
            "username": "dave",
            "password1": "a-long-enough-passphrase-9",
            "password2": "a-long-enough-passphrase-9",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    entry = AuditLog.objects.get(action="user.create")
    assert entry.after["username"] == "dave"
    assert entry.after["password"] == "set"
    assert "passphrase" not in str(entry.after)


def test_second_token_names_the_fix(admin_role_client, viewer_user):
    Token.objects.create(user=viewer_user)

    response = admin_role_client.post(f"{TOKENS_URL}add/", {"user": viewer_user.pk})

    body = response.content.decode()
    assert response.status_code == 200
    assert "viewer already has an API token" in body
    assert "drf_create_token -r viewer" in body
    assert Token.objects.count() == 1
