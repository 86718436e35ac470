"""Run one collection: log in, run every step in order, and record the outcome.

Invalid CommCell settings, authentication, TLS and connection failures, and a
CommServe other than the one first collected end the run as failed. Any other failing
step is recorded and the later steps still run, which ends the run as partial. Only a
run that fully succeeded marks objects the CommServe no longer returns as removed.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from apps.commcell.cvclient.client import CommServeClient
from apps.commcell.cvclient.errors import CommServeError
from apps.commcell.models import (
    Client,
    CommCell,
    Plan,
    StoragePolicy,
    StoragePolicyCopy,
    SyncRun,
)
from apps.commcell.signals import collection_finished, collection_history_written
from apps.core.crypto import DecryptionError
from apps.pruning.models import DDBPartition, DDBStore
from apps.storage.models import MediaAgent, StoragePool

from . import aging_jobs, copy_jobs, inventory, jobs
from .context import (
    FATAL_ERRORS,
    PartialStepError,
    Progress,
    RunAborted,
    SettingsInvalid,
    StepContext,
    StepWarning,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    collect: Callable[[StepContext], int]


STEPS = (
    Step("commserve", "CommServe information", inventory.collect_commserve),
    Step("clients", "Clients", inventory.collect_clients),
    Step("time_zone", "CommServe time zone", copy_jobs.collect_time_zone),
    Step("storage_policies", "Storage policies", inventory.collect_storage_policies),
    Step("plans", "Plans", inventory.collect_plans),
    Step("copies", "Storage policy copies", inventory.collect_copies),
    Step("storage_pools", "Storage pools", inventory.collect_storage_pools),
    Step("media_agents", "MediaAgents", inventory.collect_media_agents),
    Step("ddb_stores", "DDB stores", inventory.collect_ddb_stores),
    Step("jobs", "Jobs", jobs.collect_jobs),
    Step("copy_jobs", "Jobs on copies", copy_jobs.collect_copy_jobs),
    Step("aging_jobs", "Data aging jobs", aging_jobs.collect_aging_jobs),
)
STEP_LABELS = {
    "settings": "CommCell settings",
    "login": "Login",
    **{step.key: step.label for step in STEPS},
}
# Two or more full stops where one sentence ends, as when a message that ends in a
# full stop is embedded before another one. An ellipsis is left alone.
DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?=\s|$)")

# Models whose rows get `removed_at` when a complete run no longer finds them.
REMOVABLE_MODELS = (
    Client,
    StoragePolicy,
    Plan,
    StoragePolicyCopy,
    StoragePool,
    MediaAgent,
    DDBStore,
)


# Called after each step that ran to its end, with the rows it stored (None when it
# failed) and the messages of the errors it recorded. A fatal error ends the run first.
StepObserver = Callable[[Step, int | None, list[str]], None]


def run_collection(run_id: int, *, observer: StepObserver | None = None) -> SyncRun:
    """Collect the run's CommCell and return the run in its final state.

    Only a queued run is collected. Any other run is returned as it is, with a log line.
    """
    run = _claim(run_id)
    if run is None:
        run = SyncRun.objects.select_related("commcell").get(pk=run_id)
        logger.warning(
            "CommCell %s run %s not collected: its status is %s, not queued",
            run.commcell.name,
            run_id,
            run.status,
        )
        return run

    Collection(run, observer=observer).execute()
    run.refresh_from_db()
    return run


def _claim(run_id: int) -> SyncRun | None:
    claimed = SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.QUEUED).update(
        status=SyncRun.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    return SyncRun.objects.select_related("commcell").get(pk=run_id)


class Collection:
    """The steps of one run and the errors they record."""

    def __init__(self, run: SyncRun, *, observer: StepObserver | None = None) -> None:
        self.run = run
        self.observer = observer
        self.commcell: CommCell = run.commcell
        self.progress = Progress(run)
        self.errors: list[dict[str, str]] = []
        self.warnings: list[dict[str, str]] = []
        self.failed = False
        self.ctx: StepContext | None = None

    @property
    def label(self) -> str:
        return f"CommCell {self.commcell.name} run {self.run.pk}"

    def execute(self) -> None:
        logger.info("%s started (trigger %s)", self.label, self.run.trigger)
        step_key = "login"
        try:
            with open_client(self.commcell, self.run) as client:
                client.login()
                self.ctx = StepContext(
                    client=client,
                    commcell=self.commcell,
                    run=self.run,
                    progress=self.progress,
                )
                for step in STEPS:
                    step_key = step.key
                    self._run_step(step, self.ctx)
        except SettingsInvalid as exc:
            self._fail("settings", str(exc))
        except (*FATAL_ERRORS, RunAborted) as exc:
            self._fail(step_key, str(exc))
        except CommServeError as exc:
            # Steps record their own errors, so this one came from the login.
            self._fail(step_key, str(exc))
        except SoftTimeLimitExceeded:
            self._fail(step_key, _time_limit_message())
        except Exception as exc:
            logger.exception("%s stopped by an unexpected error", self.label)
            self._fail(step_key, _unexpected_message(exc))
        self._finish()

    def _run_step(self, step: Step, ctx: StepContext) -> None:
        self.progress.start_step(step.key)
        logger.info("%s: step %s started", self.label, step.key)
        errors_before = len(self.errors)
        count = None
        try:
            count = step.collect(ctx)
        except (*FATAL_ERRORS, RunAborted, SoftTimeLimitExceeded):
            raise
        except PartialStepError as exc:
            for message in exc.messages:
                self._record(step.key, message)
        except StepWarning as exc:
            for message in exc.messages:
                self._warn(step.key, message)
        except CommServeError as exc:
            self._record(step.key, str(exc))
        except Exception as exc:
            logger.exception("%s: step %s failed", self.label, step.key)
            self._record(step.key, _unexpected_message(exc))
        else:
            ctx.counts[step.key] = count
            logger.info("%s: step %s stored %d rows", self.label, step.key, count)

        new_errors = [error["message"] for error in self.errors[errors_before:]]
        self._notify(step, count, new_errors)

    def _notify(self, step: Step, count: int | None, errors: list[str]) -> None:
        if self.observer is not None:
            self.observer(step, count, errors)

    def _record(self, step_key: str, message: str) -> None:
        if step_key == "settings":
            text = f"The CommCell settings are invalid: {message}"
        else:
            text = f"{STEP_LABELS[step_key]} failed: {message}"
        text = DOUBLE_STOP.sub(".", text)
        self.errors.append({"step": step_key, "message": text})
        logger.warning("%s: %s", self.label, text)

    def _warn(self, step_key: str, message: str) -> None:
        text = DOUBLE_STOP.sub(".", f"{STEP_LABELS[step_key]}: {message}")
        self.warnings.append({"step": step_key, "message": text})
        logger.warning("%s: %s", self.label, text)

    def _fail(self, step_key: str, message: str) -> None:
        self.failed = True
        self._record(step_key, message)

    def _finish(self) -> None:
        counts = self.progress.counts
        if self.failed:
            status = SyncRun.Status.FAILED
        elif self.errors:
            status = SyncRun.Status.PARTIAL
        else:
            status = SyncRun.Status.SUCCEEDED

        with transaction.atomic():
            if not self._lock_if_running():
                logger.warning(
                    "%s finished, but the run was no longer running, so its "
                    "outcome (%s) is not recorded",
                    self.label,
                    status,
                )
                return
            if status == SyncRun.Status.SUCCEEDED and self.ctx is not None:
                counts["removed"] = self._mark_removed()
                self._delete_stale_partitions(self.ctx.seen_partitions)
            SyncRun.objects.filter(pk=self.run.pk).update(
                status=status,
                finished_at=timezone.now(),
                current_step="",
                progress=self.progress.entities,
                counts=counts,
                errors=self.errors,
                warnings=self.warnings,
            )
        logger.info(
            "%s finished: %s, %d errors, counts %s",
            self.label,
            status,
            len(self.errors),
            counts,
        )

        self._announce(status)

    def _announce(self, status: str) -> None:
        completed = frozenset(self.ctx.counts) if self.ctx is not None else frozenset()
        self.run.refresh_from_db()
        arguments = {
            "commcell": self.commcell,
            "run": self.run,
            "status": status,
            "completed_steps": completed,
        }
        results = collection_finished.send_robust(sender=SyncRun, **arguments)
        results += collection_history_written.send_robust(sender=SyncRun, **arguments)
        for receiver, result in results:
            if isinstance(result, Exception):
                logger.error(
                    "%s: %s failed after the collection: %s",
                    self.label,
                    getattr(receiver, "__qualname__", receiver),
                    result,
                    exc_info=result,
                )

    def _lock_if_running(self) -> bool:
        # An admin or a stale-run check may have failed the run meanwhile. That
        # failure is kept, so this run's outcome is not written over it.
        return (
            SyncRun.objects.select_for_update()
            .filter(pk=self.run.pk, status=SyncRun.Status.RUNNING)
            .exists()
        )

    def _mark_removed(self) -> int:
        """Set `removed_at` on rows this run did not see, and return how many."""
        now = timezone.now()
        removed = 0
        for model in REMOVABLE_MODELS:
            removed += model.objects.filter(
                commcell=self.commcell,
                removed_at__isnull=True,
                last_seen_at__lt=self.run.started_at,
            ).update(removed_at=now)
        if removed:
            logger.info("%s: %d objects marked removed", self.label, removed)
        return removed

    def _delete_stale_partitions(self, seen: dict[int, set[int]]) -> None:
        for store_id, cv_ids in seen.items():
            DDBPartition.objects.filter(store_id=store_id).exclude(
                cv_id__in=cv_ids
            ).delete()


def open_client(commcell: CommCell, run: SyncRun) -> CommServeClient:
    """Return a CommServe client for the CommCell, not yet logged in."""
    try:
        secret = commcell.secret
    except (DecryptionError, ImproperlyConfigured) as exc:
        raise SettingsInvalid(str(exc)) from exc
    if not secret:
        raise SettingsInvalid(
            f"CommCell {commcell.name} has no password or token stored: enter it on "
            "the CommCell's admin page."
        )

    credentials = (
        {"token": secret}
        if commcell.auth_type == CommCell.AuthType.TOKEN
        else {"username": commcell.username, "password": secret}
    )
    # The client reads a CA bundle path in place of True.
    verify: bool | str = commcell.verify_tls
    if commcell.verify_tls and commcell.ca_bundle:
        verify = commcell.ca_bundle
    try:
        return CommServeClient(
            commcell.base_url,
            **credentials,
            verify=verify,
            timeout=float(commcell.timeout_seconds),
            max_retries=settings.CVANALYTICS_CLIENT_MAX_RETRIES,
            backoff_seconds=settings.CVANALYTICS_CLIENT_BACKOFF_SECONDS,
            log_context=f"CommCell {commcell.name} run {run.pk}",
        )
    except ValueError as exc:
        raise SettingsInvalid(
            f"{_end_sentence(str(exc))} Fix it on the CommCell's admin page."
        ) from exc


def _time_limit_message() -> str:
    return (
        "The run reached the Celery task time limit and was stopped. Raise "
        "CELERY_TASK_TIME_LIMIT, or shorten the job window (initial job days)."
    )


def _unexpected_message(exc: Exception) -> str:
    return (
        f"unexpected error {type(exc).__name__}: {_end_sentence(str(exc))} Data "
        "stored by earlier runs for this step is unchanged. The worker log has the "
        "traceback."
    )


def _end_sentence(text: str) -> str:
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else f"{text}."
