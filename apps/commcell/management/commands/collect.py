"""Collect one CommCell, or all enabled ones, in the foreground."""

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from apps.commcell import services
from apps.commcell.collector import run_collection
from apps.commcell.collector.runner import Step
from apps.commcell.models import CommCell, SyncRun
from apps.commcell.views import format_duration

# Seconds between two progress lines while a long step, such as the jobs, runs.
PROGRESS_PRINT_SECONDS = 15.0


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

    def handle(self, *args: Any, **options: Any) -> None:
        commcells = self._commcells(options["name"], options["all"])
        failed = []
        for commcell in commcells:
            run = self._collect(commcell)
            if run is None or run.status == SyncRun.Status.FAILED:
                failed.append(commcell.name)

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

    def _collect(self, commcell: CommCell) -> SyncRun | None:
        try:
            run = services.start_sync(commcell, trigger="command")
        except services.SyncAlreadyRunning as exc:
            self.stderr.write(str(exc))
            return None

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
