"""Create or reset the demo accounts `viewer` and `admin` and print their passwords."""

import logging
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.core import audit
from apps.core.roles import ADMIN, ROLES, VIEWER

logger = logging.getLogger(__name__)

# Username and role of each demo account.
DEMO_ACCOUNTS = (("viewer", VIEWER), ("admin", ADMIN))


class Command(BaseCommand):
    help = (
        "Create or reset the demo accounts 'viewer' and 'admin' with new random "
        "passwords and print them. For demos only: it runs when DJANGO_DEBUG is true "
        "or with --force."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DJANGO_DEBUG is false. The passwords are printed.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "demo_users prints passwords, so it runs only when DJANGO_DEBUG is "
                "true. Pass --force to run it anyway, or create real accounts with "
                "`manage.py create_user NAME --role viewer|admin`."
            )

        with transaction.atomic():
            passwords = [
                (username, role, reset_demo_account(username, role))
                for username, role in DEMO_ACCOUNTS
            ]

        self.stdout.write(
            "Demo accounts, for this demo only. Every run sets new passwords:"
        )
        for username, role, password in passwords:
            self.stdout.write(f"  {username:<8} password {password}  (role {role})")


def reset_demo_account(username: str, role: str) -> str:
    """Create or update one account with the given role and a new random password.

    Returns the new password. Admin accounts get `is_staff`, which the Django admin
    requires, and a disabled account is enabled again.
    """
    user_model = get_user_model()
    password = secrets.token_urlsafe(12)
    user, created = user_model.objects.get_or_create(username=username)

    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise CommandError(
            f"The random password for {username} was rejected by "
            f"AUTH_PASSWORD_VALIDATORS: {' '.join(exc.messages)} Create the account "
            "with `manage.py create_user` and a password of your choice instead."
        ) from exc

    user.set_password(password)
    user.is_active = True
    user.is_staff = role == ADMIN
    user.save()
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    user.groups.add(Group.objects.get(name=role))

    audit.record(
        actor=None,
        action="user.demo_reset",
        obj=user,
        after={"role": role, "is_staff": user.is_staff, "created": created},
    )
    logger.info(
        "demo account %s %s with role %s",
        username,
        "created" if created else "reset",
        role,
    )
    return password
