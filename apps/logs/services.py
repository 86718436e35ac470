"""Accept log uploads: store each file, audit it, then parse it inline or in a worker."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from kombu.exceptions import KombuError

from apps.core import audit

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


def _start_parsing(files: list[LogFile]) -> None:
    inline_limit = inline_parse_bytes()
    for log_file in files:
        if log_file.size <= inline_limit:
            parse_log_file(log_file.pk)
            log_file.refresh_from_db()
        else:
            transaction.on_commit(lambda log_file=log_file: queue_parse(log_file))


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
