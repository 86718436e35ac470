"""Run the analysis of one CommCell, or of every enabled one, in the foreground."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.commcell.models import CommCell
from apps.core import analysis
from apps.core.models import AnalysisRun


class Command(BaseCommand):
    help = (
        "Run every registered analyzer on the named CommCell, or on every enabled "
        "CommCell when no name is given, and store the findings. Runs in this "
        "process, without Celery."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "name", nargs="?", help="Name of the CommCell; default: every enabled one."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"]
        if name:
            commcell = CommCell.objects.filter(name=name).first()
            if commcell is None:
                known = ", ".join(CommCell.objects.values_list("name", flat=True))
                raise CommandError(
                    f"CommCell {name!r} not found. Known CommCells: {known or 'none'}."
                )
            commcells = [commcell]
        else:
            commcells = list(CommCell.objects.filter(enabled=True).order_by("name"))
            if not commcells:
                self.stdout.write("No enabled CommCell to analyze.")
                return

        failed = []
        for commcell in commcells:
            try:
                run = analysis.run_analysis(
                    commcell, trigger=AnalysisRun.Trigger.MANUAL
                )
            except analysis.AnalysisAlreadyRunning as exc:
                self.stderr.write(str(exc))
                failed.append(commcell.name)
                continue
            self.stdout.write(
                f"{commcell.name}: analysis run {run.pk} {run.status} in "
                f"{run.duration_seconds:.2f} s: {run.total('findings')} open findings, "
                f"{run.total('new')} new, {run.total('resolved')} resolved."
            )
            for error in run.errors:
                self.stderr.write(f"  {error['analyzer']}: {error['message']}")
            if run.status != AnalysisRun.Status.SUCCEEDED:
                failed.append(commcell.name)

        if failed:
            raise CommandError(
                f"The analysis did not succeed for: {', '.join(failed)}. The errors "
                "are listed above and on the analysis runs page."
            )
