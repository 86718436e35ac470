"""State shared by the steps of one collection run, and the run's progress record."""

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from apps.commcell.cvclient.errors import (
    AuthenticationError,
    CommServeUnreachable,
    TLSVerificationError,
)
from apps.commcell.models import CommCell, SyncRun

logger = logging.getLogger(__name__)

# Minimum seconds between two progress writes inside a step. Step starts and ends
# always write.
PROGRESS_INTERVAL_SECONDS = 1.0

# Errors that end the whole run as failed: no later step could reach the CommServe.
FATAL_ERRORS = (AuthenticationError, CommServeUnreachable, TLSVerificationError)


class RunAborted(Exception):
    """The run cannot continue. The message explains why and what to fix."""


class SettingsInvalid(RunAborted):
    """The CommCell's settings cannot be used, so no login was tried."""


class PartialStepError(Exception):
    """Some parts of a step failed after the step saved the parts that worked."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__(" ".join(messages))


class StepWarning(Exception):
    """A step could not do all it meant to, but the run is not partial for it."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__(" ".join(messages))


class Progress:
    """Per-entity done/total counters, written to `SyncRun.progress` as the run goes on.

    Writes use a queryset update outside the step's transaction, so the sync-run page
    shows them while the step is still writing.
    """

    def __init__(self, run: SyncRun) -> None:
        self.run = run
        self.entities: dict[str, dict[str, int | None]] = {}
        # Rows stored per step so far, which the page shows while the run goes on.
        self.counts: dict[str, int] = {}
        self.current_step = ""
        self._last_write = 0.0

    def start_step(self, step: str) -> None:
        self.current_step = step
        self.write()

    def set(
        self, entity: str, *, done: int, total: int | None = None, force: bool = False
    ) -> None:
        self.entities[entity] = {"done": done, "total": total}
        self.write(force=force)

    def write(self, *, force: bool = True) -> None:
        now = time.monotonic()
        if not force and now - self._last_write < PROGRESS_INTERVAL_SECONDS:
            return

        self._last_write = now
        SyncRun.objects.filter(pk=self.run.pk).update(
            progress=self.entities, counts=self.counts, current_step=self.current_step
        )


@dataclass
class StepContext:
    """Inputs of a step: the open client, the CommCell, the run and its progress."""

    client: Any
    commcell: CommCell
    run: SyncRun
    progress: Progress
    # Records one step hands to a later one, for example plan ids of each policy.
    carry: dict[str, Any] = field(default_factory=dict)
    # DDB partition ids seen per store id. A fully successful run deletes the others.
    seen_partitions: dict[int, set[int]] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return self.progress.counts

    @property
    def label(self) -> str:
        return f"CommCell {self.commcell.name} run {self.run.pk}"
