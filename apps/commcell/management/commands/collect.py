"""Collect one CommCell, or all enabled ones, in the foreground.

`--as-of` replays a CommServe simulator's past: the simulator's clock is set to that
time first, and the run's history rows are stamped with it.
"""

import logging
import threading
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from apps.commcell import services
from apps.commcell.collector import run_collection
from apps.commcell.collector.runner import Step
from apps.commcell.cvclient.transport import tls_verification
from apps.commcell.models import CommCell, SyncRun, is_loopback_host
from apps.commcell.views import format_duration

logger = logging.getLogger(__name__)

# Seconds between two progress lines while a long step, such as the jobs, runs.
PROGRESS_PRINT_SECONDS = 15.0
SIMULATOR_CLOCK_PATH = "/__sim__/clock"
SIMULATOR_TIMEOUT_SECONDS = 30.0


def parse_as_of(text: str, now: datetime) -> datetime:
    """Return the aware time of an --as-of value, or raise CommandError naming it."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(
            f"--as-of {text!r} is not an ISO 8601 time: write it like "
            "2026-01-15T12:00:00Z."
        ) from None
    if moment.tzinfo is None:
        raise CommandError(
            f"--as-of {text!r} has no time zone: end it with Z or an offset such "
            "as +01:00."
        )
    if moment > now:
        raise CommandError(
            f"--as-of {text!r} is in the future (now is "
            f"{now.isoformat(timespec='seconds')}): give a time in the past."
        )
    return moment


def simulator_clock_url(base_url: str) -> str:
    """Return the clock URL of a simulator at a loopback base URL, or raise."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if not is_loopback_host(host):
        raise CommandError(
            f"--as-of sets the clock of a CommServe simulator, and only on loopback: "
            f"{host or base_url} is not a loopback host. Collect this CommCell "
            "without --as-of."
        )
    return urlunsplit((parts.scheme, parts.netloc, SIMULATOR_CLOCK_PATH, "", ""))


def set_simulator_clock(commcell: CommCell, moment: datetime) -> None:
    """Set the clock of the CommCell's simulator to `moment`, or raise CommandError."""
    url = simulator_clock_url(commcell.base_url)
    # A simulator that serves https is checked like the CommCell's own requests.
    verify: bool | str = commcell.verify_tls
    if commcell.verify_tls and commcell.ca_bundle:
        verify = commcell.ca_bundle
    try:
        # trust_env=False: no proxy from the environment; the URL is loopback.
        with httpx.Client(
            timeout=SIMULATOR_TIMEOUT_SECONDS,
            trust_env=False,
            verify=tls_verification(verify),
        ) as http:
            response = http.post(url, json={"now": moment.isoformat()})
    except (httpx.HTTPError, ValueError, OSError) as exc:
        raise CommandError(
            f"The simulator clock at {url} could not be set ({exc}): start "
            "commserve_sim there, or collect without --as-of."
        ) from None
    if response.status_code != 200:
        raise CommandError(
            f"POST {url} returned HTTP {response.status_code}: --as-of works only "
            "with a CommServe simulator (commserve_sim) that has a clock endpoint."
        )


class Command(BaseCommand):
    help = (
        "Collect a CommCell now, in this process, printing each step. Exits with "
        "status 1 when a run fails. A partial run prints its errors and exits 0."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", nargs="?", help="Name of the CommCell to collect.")
        parser.add_argument(
            "--all",
            action="store_true",
            help="Collect every enabled CommCell, one after the other.",
        )
        parser.add_argument(
            "--as-of",
            metavar="ISO-8601",
            action="append",
            help="Replay a CommServe simulator's past: set its clock to this time "
            "(with a time zone, not in the future) and stamp the run's history "
            "with it. Repeat it to run one collection per time, in the order "
            "given. Only for a simulator on a loopback URL.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        moments = [parse_as_of(text, now) for text in options.get("as_of") or []]
        if moments and options["all"]:
            raise CommandError("--as-of collects one CommCell: give its name.")
        commcells = self._commcells(options["name"], options["all"])
        if moments:
            simulator_clock_url(commcells[0].base_url)

        failed = []
        for commcell in commcells:
            for as_of in moments or [None]:
                if as_of is not None:
                    set_simulator_clock(commcell, as_of)
                    self.stdout.write(
                        f"CommCell {commcell.name}: simulator clock set to "
                        f"{as_of.isoformat(timespec='seconds')}."
                    )
                run = self._collect(commcell, as_of)
                if run is None or run.status == SyncRun.Status.FAILED:
                    failed.append(commcell.name)
                    break

        if failed:
            raise CommandError(f"Collection failed for: {', '.join(failed)}.")

    def _commcells(self, name: str | None, all_enabled: bool) -> list[CommCell]:
        if all_enabled and name:
            raise CommandError("Give a CommCell name or --all, not both.")
        if all_enabled:
            commcells = list(CommCell.objects.filter(enabled=True))
            if not commcells:
                raise CommandError("No CommCell is enabled. Add one with add_commcell.")
            return commcells
        if not name:
            raise CommandError("Give the name of a CommCell, or --all.")

        commcell = CommCell.objects.filter(name=name).first()
        if commcell is None:
            known = ", ".join(CommCell.objects.values_list("name", flat=True)) or "none"
            raise CommandError(
                f"CommCell {name!r} not found. Known CommCells: {known}."
            )
        return [commcell]

    def _collect(
        self, commcell: CommCell, as_of: datetime | None = None
    ) -> SyncRun | None:
        try:
            run = services.start_sync(commcell, trigger="command")
        except services.SyncAlreadyRunning as exc:
            self.stderr.write(str(exc))
            return None

        if as_of is not None:
            SyncRun.objects.filter(pk=run.pk).update(as_of=as_of)
            run.as_of = as_of
            logger.info(
                "CommCell %s run %s replays %s",
                commcell.name,
                run.pk,
                as_of.isoformat(),
            )

        self.stdout.write(f"CommCell {commcell.name}: run {run.pk} started.")
        finished = threading.Event()
        reporter = threading.Thread(
            target=self._print_progress, args=(run.pk, finished), daemon=True
        )
        reporter.start()
        try:
            run = run_collection(run.pk, observer=self._print_step)
        finally:
            finished.set()
            reporter.join()
        self._print_outcome(commcell, run)
        return run

    def _print_progress(self, run_id: int, finished: threading.Event) -> None:
        """Print the job counter of the run every PROGRESS_PRINT_SECONDS."""
        try:
            while not finished.wait(PROGRESS_PRINT_SECONDS):
                run = (
                    SyncRun.objects.only("progress", "current_step")
                    .filter(pk=run_id)
                    .first()
                )
                # None when the run was created in a transaction this thread's
                # connection cannot see, as in a test.
                if run is None:
                    continue
                jobs = run.progress.get("jobs")
                if run.current_step != "jobs" or not jobs:
                    continue
                total = jobs.get("total")
                of_total = f" of {total}" if total else ""
                self.stdout.write(f"  Jobs: {jobs['done']}{of_total} read so far")
        finally:
            connection.close()

    def _print_step(self, step: Step, count: int | None, errors: list[str]) -> None:
        if count is not None:
            self.stdout.write(f"  {step.label}: {count} stored")
        for message in errors:
            self.stdout.write(self.style.WARNING(f"  {message}"))

    def _print_outcome(self, commcell: CommCell, run: SyncRun) -> None:
        duration = format_duration(run.duration_seconds or 0.0)
        line = f"CommCell {commcell.name}: run {run.pk} {run.status} in {duration}."
        if run.status == SyncRun.Status.SUCCEEDED:
            self.stdout.write(self.style.SUCCESS(line))
            return

        self.stdout.write(self.style.ERROR(line))
        if run.status == SyncRun.Status.FAILED:
            for error in run.errors:
                self.stdout.write(self.style.ERROR(f"  {error['message']}"))
