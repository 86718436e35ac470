import re
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from apps.core.models import AuditLog

REPO_ROOT = Path(__file__).resolve().parents[2]
STRONG_PASSWORD = "amber-otter-quarry-19"


def _group_names(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def _run_demo_users(*args: str) -> dict[str, str]:
    output = StringIO()
    call_command("demo_users", *args, stdout=output)
    return dict(re.findall(r"^\s+(\w+)\s+password (\S+)", output.getvalue(), re.M))


@pytest.mark.django_db
def test_create_user_viewer_role(monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", STRONG_PASSWORD)

    call_command(
        "create_user",
        "alice",
        "--role",
        "viewer",
        "--password-env",
        "NEW_USER_PASSWORD",
    )

    user = get_user_model().objects.get(username="alice")
    assert _group_names(user) == {"viewer"}
    assert not user.is_staff
    assert user.check_password(STRONG_PASSWORD)


@pytest.mark.django_db
def test_create_user_admin_role_is_staff(monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", STRONG_PASSWORD)

    call_command(
        "create_user", "root2", "--role", "admin", "--password-env", "NEW_USER_PASSWORD"
    )

    user = get_user_model().objects.get(username="root2")
    assert _group_names(user) == {"admin"}
    assert user.is_staff


@pytest.mark.django_db
def test_create_user_changes_role(monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", STRONG_PASSWORD)
    call_command(
        "create_user", "carol", "--role", "admin", "--password-env", "NEW_USER_PASSWORD"
    )

    call_command(
        "create_user",
        "carol",
        "--role",
        "viewer",
        "--password-env",
        "NEW_USER_PASSWORD",
    )

    user = get_user_model().objects.get(username="carol")
    assert _group_names(user) == {"viewer"}
    assert not user.is_staff


@pytest.mark.django_db
def test_create_user_weak_password_rejected(monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", "password")

    with pytest.raises(CommandError, match="Password rejected"):
        call_command(
            "create_user",
            "dave",
            "--role",
            "viewer",
            "--password-env",
            "NEW_USER_PASSWORD",
        )

    assert not get_user_model().objects.filter(username="dave").exists()


@pytest.mark.django_db
def test_create_user_missing_env_var(monkeypatch):
    monkeypatch.delenv("NO_SUCH_PASSWORD_VAR", raising=False)

    with pytest.raises(CommandError, match="NO_SUCH_PASSWORD_VAR"):
        call_command(
            "create_user",
            "erin",
            "--role",
            "viewer",
            "--password-env",
            "NO_SUCH_PASSWORD_VAR",
        )

    assert not get_user_model().objects.filter(username="erin").exists()


@pytest.mark.django_db
def test_demo_users_rejected_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("demo_users", stdout=StringIO())

    assert not get_user_model().objects.filter(username="viewer").exists()


@pytest.mark.django_db
def test_demo_users_runs_with_debug(settings):
    settings.DEBUG = True

    passwords = _run_demo_users()

    assert set(passwords) == {"viewer", "admin"}


@pytest.mark.django_db
def test_demo_users_roles_and_staff_flag(settings):
    settings.DEBUG = False

    _run_demo_users("--force")

    users = get_user_model().objects
    assert _group_names(users.get(username="viewer")) == {"viewer"}
    assert _group_names(users.get(username="admin")) == {"admin"}
    assert not users.get(username="viewer").is_staff
    assert users.get(username="admin").is_staff


@pytest.mark.django_db
def test_demo_users_printed_passwords_work():
    passwords = _run_demo_users("--force")

    assert authenticate(username="viewer", password=passwords["viewer"]) is not None
    assert authenticate(username="admin", password=passwords["admin"]) is not None


@pytest.mark.django_db
def test_demo_users_rerun_resets_passwords():
    first = _run_demo_users("--force")

    second = _run_demo_users("--force")

    assert first["admin"] != second["admin"]
    assert authenticate(username="admin", password=first["admin"]) is None
    assert authenticate(username="admin", password=second["admin"]) is not None
    assert get_user_model().objects.filter(username="admin").count() == 1


@pytest.mark.django_db
def test_demo_users_resets_existing_account_role():
    user = get_user_model().objects.create_user("viewer", is_active=False)
    user.is_staff = True
    user.save()

    _run_demo_users("--force")

    user.refresh_from_db()
    assert user.is_active
    assert not user.is_staff
    assert _group_names(user) == {"viewer"}


@pytest.mark.django_db
def test_demo_users_audit_rows_without_passwords():
    passwords = _run_demo_users("--force")

    rows = AuditLog.objects.filter(action="user.demo_reset")
    stored = str(list(rows.values("before", "after", "object_repr")))
    assert rows.count() == 2
    assert passwords["viewer"] not in stored
    assert passwords["admin"] not in stored


def test_run_unknown_command_prints_usage():
    result = subprocess.run(
        [str(REPO_ROOT / "run"), "no-such-command"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert "Usage: ./run COMMAND" in result.stderr
    assert "unknown command: no-such-command" in result.stderr


def test_run_unknown_demo_option_rejected():
    result = subprocess.run(
        [str(REPO_ROOT / "run"), "demo", "--presett", "small"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 1
    assert "unknown demo option: --presett" in result.stderr
