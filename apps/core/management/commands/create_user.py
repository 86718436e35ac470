"""Create or update a portal user with the viewer or admin role."""

import getpass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.core.roles import ADMIN, ROLES


class Command(BaseCommand):
    help = "Create a user, or update an existing one, and give it the viewer or admin role."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=ROLES, required=True)
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-env",
            metavar="VAR",
            help="Read the password from this environment variable instead of a prompt.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = self._password(options["password_env"])
        user_model = get_user_model()

        try:
            validate_password(password, user_model(username=options["username"]))
        except ValidationError as exc:
            raise CommandError("Password rejected: " + " ".join(exc.messages)) from exc

        with transaction.atomic():
            user, created = user_model.objects.get_or_create(
                username=options["username"], defaults={"email": options["email"]}
            )
            user.set_password(password)
            user.is_staff = options["role"] == ADMIN
            user.save()
            user.groups.remove(*Group.objects.filter(name__in=ROLES))
            user.groups.add(Group.objects.get(name=options["role"]))

        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} user {user.username} with role {options['role']}.")

    def _password(self, env_name: str | None) -> str:
        import os

        if env_name:
            value = os.environ.get(env_name, "")
            if not value:
                raise CommandError(
                    f"Environment variable {env_name} is empty or unset."
                )
            return value

        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ; run the command again.")
        return first
