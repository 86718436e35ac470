"""Create or update a CommCell connection, reading its secret from the environment."""

import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.commcell import schedule
from apps.commcell.models import CommCell
from apps.core import audit


class Command(BaseCommand):
    help = (
        "Create a CommCell connection, or update the one with this name. The password "
        "or token is read from an environment variable, never from the command line."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", help="Name of the CommCell in cvanalytics.")
        parser.add_argument(
            "--url",
            required=True,
            help="REST API base URL, for example https://cs.example.com/webconsole/api.",
        )
        parser.add_argument(
            "--username", default="", help="CommServe user for password login."
        )
        secret = parser.add_mutually_exclusive_group(required=True)
        secret.add_argument(
            "--password-env",
            metavar="VAR",
            help="Environment variable that contains the CommServe password.",
        )
        secret.add_argument(
            "--token-env",
            metavar="VAR",
            help="Environment variable that contains a QSDK auth token.",
        )
        parser.add_argument(
            "--no-verify-tls",
            action="store_true",
            help="Do not check the CommServe's TLS certificate (test systems only).",
        )
        parser.add_argument(
            "--ca-bundle",
            default="",
            metavar="PATH",
            help="PEM file of the CA that signed the CommServe certificate.",
        )
        parser.add_argument(
            "--interval",
            type=int,
            metavar="MINUTES",
            help="Minutes between scheduled collections, 0 for none "
            "(default 60 for a new CommCell, unchanged for an existing one).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        env_name = options["password_env"] or options["token_env"]
        secret = os.environ.get(env_name, "")
        if not secret:
            raise CommandError(
                f"Environment variable {env_name} is empty or unset. Export the "
                "password or token in it and run the command again."
            )
        if options["interval"] is not None and options["interval"] < 0:
            raise CommandError("--interval must be 0 or a positive number of minutes.")

        with transaction.atomic():
            commcell, created, before = self._apply(options, secret)
            audit.record(
                actor=None,
                action="commcell.create" if created else "commcell.update",
                obj=commcell,
                before=before,
                after={**commcell.settings_state(), "secret": "changed"},
            )
            schedule.sync_schedule(commcell)

        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} CommCell {commcell.name} ({commcell.base_url}).")

    def _apply(
        self, options: dict[str, Any], secret: str
    ) -> tuple[CommCell, bool, dict | None]:
        commcell = CommCell.objects.filter(name=options["name"]).first()
        created = commcell is None
        before = None if created else commcell.settings_state()
        if created:
            commcell = CommCell(name=options["name"])

        commcell.base_url = options["url"]
        commcell.username = options["username"]
        commcell.auth_type = (
            CommCell.AuthType.TOKEN
            if options["token_env"]
            else CommCell.AuthType.PASSWORD
        )
        commcell.secret = secret
        commcell.verify_tls = not options["no_verify_tls"]
        commcell.ca_bundle = options["ca_bundle"]
        if options["interval"] is not None:
            commcell.collection_interval_minutes = options["interval"]

        try:
            commcell.full_clean()
        except ValidationError as exc:
            messages = [
                f"{field}: {' '.join(errors)}"
                for field, errors in exc.message_dict.items()
            ]
            raise CommandError("Invalid CommCell. " + " ".join(messages)) from exc
        commcell.save()
        return commcell, created, before
