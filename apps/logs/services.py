"""Accept log uploads: store each file, audit it, then parse it inline or in a worker."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import KombuError

from apps.core import audit

from .archives import detect_compression
from .ingest import (
    UploadRejected,
    UploadRequest,
    inline_parse_bytes,
    parse_log_file,
    store_upload,
)
from .models import LogFile

logger = logging.getLogger(__name__)


@dataclass
class UploadOutcome:
    stored: list[LogFile] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[LogFile]:
        """Stored files whose parse failed at once, with the reason in `error`."""
        return [f for f in self.stored if f.status == LogFile.Status.FAILED]

    @property
    def accepted(self) -> list[LogFile]:
        """Stored files that parsed, partly parsed, or wait for the worker."""
        return [f for f in self.stored if f.status != LogFile.Status.FAILED]


def upload_logs(
    files: list[UploadedFile], request: UploadRequest, request_id: str = ""
) -> UploadOutcome:
    """Store every file that passes the checks; one rejected file does not stop the rest."""
    outcome = UploadOutcome()
    for upload in files:
        try:
            with transaction.atomic():
                stored = store_upload(upload, request)
                audit.record(
                    actor=request.user,
                    action="logs.upload",
                    obj=stored[0],
                    after={
                        "name": stored[0].original_name,
                        "sha256": stored[0].sha256,
                        "log_files": [log_file.pk for log_file in stored],
                        "media_agent_name": request.media_agent_name,
                    },
                    request_id=request_id,
                )
        except UploadRejected as exc:
            outcome.errors.append(str(exc))
            _audit_rejection(upload, request, str(exc), request_id)
            continue
        outcome.stored.extend(stored)

    _start_parsing(outcome.stored)
    return outcome


def _audit_rejection(
    upload: UploadedFile, request: UploadRequest, message: str, request_id: str
) -> None:
    logger.info(
        "CommCell %s: upload %s rejected: %s", request.commcell.pk, upload.name, message
    )
    audit.record(
        actor=request.user,
        action="logs.upload_rejected",
        obj=request.commcell,
        after={"name": upload.name, "size": upload.size, "reason": message},
        request_id=request_id,
    )


def parses_inline(log_file: LogFile) -> bool:
    """Return whether to parse in the web request: only small plain files, not archives.

    The stored size of an archive tells little about the text inside (a 2 MB .bz2
    can contain 56 MB of lines), so every archive is parsed by Celery.
    """
    return (
        not log_file.archive_member
        and detect_compression(log_file.original_name) == ""
        and log_file.size <= inline_parse_bytes()
    )


def _start_parsing(files: list[LogFile]) -> None:
    for log_file in files:
        if parses_inline(log_file):
            _parse_now(log_file)
        else:
            transaction.on_commit(lambda log_file=log_file: queue_parse(log_file))


def _parse_now(log_file: LogFile) -> None:
    try:
        parse_log_file(log_file.pk)
    except Exception as exc:
        logger.exception("Log file %s: inline parse failed", log_file.pk)
        LogFile.objects.filter(pk=log_file.pk).update(
            status=LogFile.Status.FAILED,
            error=f"The parse stopped with an unexpected error: {exc!r}.",
        )
    log_file.refresh_from_db()


def parse_again(log_file: LogFile, user: Any, request_id: str = "") -> bool:
    """Queue a new parse of a failed, partly read or stalled file; audit it.

    Returns False, and changes nothing, for a file that cannot be parsed again.
    """
    if not log_file.can_parse_again:
        return False

    before = {"status": log_file.status, "error": log_file.error}
    LogFile.objects.filter(pk=log_file.pk).update(
        status=LogFile.Status.QUEUED, error="", progress_at=timezone.now()
    )
    log_file.refresh_from_db()
    audit.record(
        actor=user,
        action="logs.parse_again",
        obj=log_file,
        before=before,
        after={"status": log_file.status},
        request_id=request_id,
    )
    logger.info("Log file %s: parse again requested", log_file.pk)
    transaction.on_commit(lambda: queue_parse(log_file))
    return True


def queue_parse(log_file: LogFile) -> None:
    """Send the parse of a stored log file to a Celery worker."""
    from .tasks import parse_log_file as parse_task

    try:
        parse_task.delay(log_file.pk)
    except (KombuError, OSError) as exc:
        message = (
            f"The parse could not be sent to the Celery broker ({exc}). Check that "
            "the broker in CELERY_BROKER_URL is running, then upload the file again "
            "after deleting this entry in the admin."
        )
        LogFile.objects.filter(pk=log_file.pk).update(
            status=LogFile.Status.FAILED, error=message
        )
        logger.exception("Log file %s could not be sent to Celery", log_file.pk)
        return
    logger.info("Log file %s sent to Celery for parsing", log_file.pk)
