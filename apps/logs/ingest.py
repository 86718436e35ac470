"""Store uploaded logs, parse stored logs into events, and record the counts."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from apps.commcell.models import CommCell
from apps.pruning.models import DDBStore
from apps.storage.models import MediaAgent

from .archives import (
    ArchiveError,
    ArchiveLimits,
    ExpansionError,
    detect_compression,
    drain_with_limits,
    gzip_mtime,
    list_zip_members,
    open_log,
)
from .logformat import (
    SNIFF_BYTES,
    BinaryContentError,
    LogRecord,
    ParseStats,
    check_text_sample,
    classify_name,
    parse_stream,
)
from .matching import EventData, InvalidPatternError, MatcherSet, compile_pattern
from .models import LogEvent, LogFile, LogMatcher

logger = logging.getLogger(__name__)

DEFAULT_UPLOAD_MAX_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_DECOMPRESSED_BYTES = 4 * 1024 * 1024 * 1024
# Deflate cannot compress beyond about 1,030:1. Text logs compress about 5 to 30
# times (an estimate), so a ratio above 200 points to a crafted file.
DEFAULT_MAX_RATIO = 200
DEFAULT_MAX_MEMBERS = 1000
DEFAULT_INLINE_PARSE_BYTES = 2 * 1024 * 1024
EVENT_BATCH_SIZE = 2000
# The status row is updated after this many lines, so pages can show progress.
PROGRESS_EVERY_LINES = 20_000
MAX_MESSAGE_CHARS = 4000
# Job and store ids are stored in 64-bit signed columns.
MAX_STORED_ID = 2**63 - 1


class UploadRejected(ValueError):
    """An uploaded file cannot be stored. The message gives the reason and the fix."""


def upload_max_bytes() -> int:
    return getattr(
        settings, "CVANALYTICS_LOG_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES
    )


def inline_parse_bytes() -> int:
    return getattr(
        settings, "CVANALYTICS_LOG_INLINE_PARSE_BYTES", DEFAULT_INLINE_PARSE_BYTES
    )


def archive_limits() -> ArchiveLimits:
    return ArchiveLimits(
        max_total_bytes=getattr(
            settings,
            "CVANALYTICS_LOG_MAX_DECOMPRESSED_BYTES",
            DEFAULT_MAX_DECOMPRESSED_BYTES,
        ),
        max_ratio=getattr(
            settings, "CVANALYTICS_LOG_MAX_COMPRESSION_RATIO", DEFAULT_MAX_RATIO
        ),
        max_members=getattr(
            settings, "CVANALYTICS_LOG_MAX_ARCHIVE_MEMBERS", DEFAULT_MAX_MEMBERS
        ),
    )


def storage_dir() -> Path:
    default = Path(settings.BASE_DIR) / "var" / "log-uploads"
    path = Path(getattr(settings, "CVANALYTICS_LOG_STORAGE_DIR", default))
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class UploadRequest:
    commcell: CommCell
    media_agent_name: str
    time_zone: str
    user: Any
    file_date: datetime | None = None


def store_upload(upload: UploadedFile, request: UploadRequest) -> list[LogFile]:
    """Store one uploaded file and create its LogFile rows (one per zip member).

    Raises UploadRejected, and stores nothing, when the file is too large, a
    duplicate, binary, or an unsafe or damaged archive.
    """
    name = os.path.basename(upload.name or "upload.log")
    limit = upload_max_bytes()
    # NOTE: Django has received the whole request body by now, so this check keeps
    # large files out of storage but not off the disk of the temporary upload. A
    # body size limit in the reverse proxy stops them earlier.
    if upload.size is not None and upload.size > limit:
        raise UploadRejected(
            f'"{name}" is {upload.size} bytes; the maximum is {limit} bytes '
            "(setting CVANALYTICS_LOG_UPLOAD_MAX_BYTES). Compress it or split it."
        )

    temporary, sha256, size = _copy_to_storage(upload)
    try:
        replaced = _reject_duplicate(request.commcell, sha256, name)
        files = _describe(temporary, name, sha256, size, request)
        target = storage_dir() / sha256
        with transaction.atomic():
            if replaced:
                LogFile.objects.filter(pk__in=replaced).delete()
                logger.info(
                    "CommCell %s: log files %s (failed, partly read or stalled) "
                    "are replaced by a new upload of %s",
                    request.commcell.pk,
                    replaced,
                    name,
                )
            for log_file in files:
                log_file.stored_path = str(target)
                log_file.save()
            os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

    logger.info(
        "CommCell %s: stored upload %s (%s bytes, sha256 %s) as log files %s",
        request.commcell.pk,
        name,
        size,
        sha256,
        [log_file.pk for log_file in files],
    )
    return files


def _copy_to_storage(upload: UploadedFile) -> tuple[str, str, int]:
    digest = hashlib.sha256()
    size = 0
    handle, temporary = tempfile.mkstemp(dir=storage_dir(), prefix=".upload-")
    with os.fdopen(handle, "wb") as target:
        for chunk in upload.chunks():
            digest.update(chunk)
            size += len(chunk)
            target.write(chunk)
    return temporary, digest.hexdigest(), size


def _reject_duplicate(commcell: CommCell, sha256: str, name: str) -> list[int]:
    """Reject content already parsed or being parsed; return earlier copies to replace.

    An earlier copy that failed, was partly read or stalled does not block a new
    upload: its rows are returned so the caller deletes them with their events.
    """
    earlier_files = list(
        LogFile.objects.filter(commcell=commcell, sha256=sha256)
        .select_related("uploaded_by")
        .order_by("uploaded_at", "pk")
    )
    if not earlier_files:
        return []
    if all(earlier.can_parse_again for earlier in earlier_files):
        return [earlier.pk for earlier in earlier_files]

    earlier = next(f for f in earlier_files if not f.can_parse_again)
    if earlier.status == LogFile.Status.PARSED:
        state = "Its events are already stored."
    else:
        state = (
            f"It is {earlier.get_status_display().lower()} now; see the log files page."
        )
    if earlier.origin == LogFile.Origin.FOLDER:
        who = "a folder scan"
    elif earlier.uploaded_by is not None:
        who = earlier.uploaded_by.username
    else:
        who = "a user since deleted"
    raise UploadRejected(
        f'"{name}" has the same content (SHA-256 {sha256[:12]}…) as "{earlier}", '
        f"stored on {earlier.uploaded_at:%Y-%m-%d %H:%M} UTC by {who} "
        f"(log file {earlier.pk}). {state}"
    )


def _describe(
    path: str, name: str, sha256: str, size: int, request: UploadRequest
) -> list[LogFile]:
    compression = detect_compression(name)
    limits = archive_limits()

    if compression == "zip":
        try:
            members = list_zip_members(path, size, limits)
        except ArchiveError as exc:
            raise UploadRejected(f'"{name}": {exc}') from exc
        if not members:
            raise UploadRejected(f'The zip file "{name}" contains no files.')
        files = []
        seen: dict[str, int] = {}
        for member in members:
            _check_content(path, name, "zip", member.name, member.index)
            seen[member.name] = seen.get(member.name, 0) + 1
            log_file = _new_log_file(
                name, member.name, sha256, member.size, request, member.modified_at
            )
            if seen[member.name] > 1:
                log_file.archive_member = f"{member.name} ({seen[member.name]})"
            log_file.archive_index = member.index
            files.append(log_file)
        return files

    with open(path, "rb") as raw:
        head = raw.read(SNIFF_BYTES)
    if compression == "":
        try:
            check_text_sample(head)
        except BinaryContentError as exc:
            raise UploadRejected(f'"{name}": {exc}') from exc
    elif compression == "gz" and not head.startswith(b"\x1f\x8b"):
        raise UploadRejected(f'"{name}" is not a gzip file although its name ends .gz.')
    elif compression == "bz2" and not head.startswith(b"BZh"):
        raise UploadRejected(
            f'"{name}" is not a bzip2 file although its name ends .bz2.'
        )

    if compression in ("gz", "bz2"):
        _check_content(path, name, compression)
    archive_date = gzip_mtime(path) if compression == "gz" else None
    return [_new_log_file(name, "", sha256, size, request, archive_date)]


def _check_content(
    path: str, name: str, compression: str, member: str = "", index: int = -1
) -> None:
    """Reject an archive whose first decompressed bytes are damaged or not text.

    A .gz or .bz2 is then decompressed to its end, so one that expands past the
    total or the ratio cap is rejected here and not later on the worker. Damage
    after the first bytes is left to the parse, which keeps the lines before it.
    Zip members were checked by their declared sizes in list_zip_members.
    """
    label = f'"{name}: {member}"' if member else f'"{name}"'
    try:
        with open_log(
            path,
            compression,
            archive_limits(),
            member=member,
            member_index=index if member else None,
        ) as (stream, _counter):
            check_text_sample(stream.read(SNIFF_BYTES))
            if compression in ("gz", "bz2"):
                _drain_unless_damaged(stream, label)
    except (BinaryContentError, ArchiveError) as exc:
        raise UploadRejected(f"{label}: {exc}") from exc
    except (OSError, EOFError, ValueError) as exc:
        raise UploadRejected(
            f"{label} cannot be decompressed: {exc}. The archive is damaged or "
            "truncated; create it again and upload the new copy."
        ) from exc


def _drain_unless_damaged(stream: BinaryIO, label: str) -> None:
    try:
        drain_with_limits(stream)
    except ExpansionError:
        raise
    except (ArchiveError, OSError, EOFError, ValueError) as exc:
        logger.info("Upload %s: the check stopped at damaged data: %s", label, exc)


def _new_log_file(
    name: str,
    member: str,
    sha256: str,
    size: int,
    request: UploadRequest,
    archive_date: datetime | None,
) -> LogFile:
    described = classify_name(member or name)
    return LogFile(
        commcell=request.commcell,
        original_name=name,
        archive_member=member,
        log_type=described.log_type,
        log_type_known=described.known,
        media_agent_name=request.media_agent_name,
        time_zone=request.time_zone,
        sha256=sha256,
        size=size,
        origin=LogFile.Origin.UPLOAD,
        file_date=_file_date(request, described.rolled_at, archive_date),
        uploaded_by=request.user if getattr(request.user, "pk", None) else None,
    )


def _file_date(
    request: UploadRequest, rolled_at: datetime | None, archive_date: datetime | None
) -> datetime:
    """Pick the date of a file's last line: given, from its name, its archive, or now."""
    zone = zoneinfo.ZoneInfo(request.time_zone)
    if request.file_date is not None:
        return request.file_date
    for naive in (rolled_at, archive_date):
        if naive is not None:
            return naive.replace(tzinfo=zone)
    return timezone.now()


# Parsing ---------------------------------------------------------------------------


class _Resolver:
    """Find the MediaAgent and DDB store rows of a CommCell, with a cache per parse."""

    def __init__(self, commcell_id: int) -> None:
        self.commcell_id = commcell_id
        self._agents: dict[str, MediaAgent | None] = {}
        self._stores: dict[int, DDBStore | None] = {}

    def media_agent(self, name: str) -> MediaAgent | None:
        if not name:
            return None
        if name not in self._agents:
            self._agents[name] = (
                MediaAgent.objects.filter(
                    commcell_id=self.commcell_id, name__iexact=name
                )
                .order_by("removed_at", "pk")
                .first()
            )
        return self._agents[name]

    def store(self, cv_id: int | None) -> DDBStore | None:
        if cv_id is None:
            return None
        if cv_id not in self._stores:
            self._stores[cv_id] = DDBStore.objects.filter(
                commcell_id=self.commcell_id, cv_id=cv_id
            ).first()
        return self._stores[cv_id]


def load_matchers() -> MatcherSet:
    """Return the enabled matchers, leaving out any whose pattern does not compile.

    The admin and the API validate patterns, but a row changed directly in the
    database can still hold an invalid one.
    """
    specs = []
    for matcher in LogMatcher.objects.filter(enabled=True):
        try:
            compile_pattern(matcher.kind, matcher.pattern)
        except InvalidPatternError as exc:
            logger.error("Log matcher %s is skipped: %s", matcher.code, exc)
            continue
        specs.append(matcher.to_spec())
    return MatcherSet(specs)


def parse_log_file(log_file_id: int, matchers: MatcherSet | None = None) -> LogFile:
    """Parse a stored log file into events and record counts, status and errors.

    Events are inserted in batches as the file is read. When reading stops early
    (a damaged or truncated archive, a limit reached) the events read so far stay,
    and the status is partial with the reason. Nothing else stored changes.
    """
    log_file = LogFile.objects.select_related("commcell").get(pk=log_file_id)
    matchers = matchers or load_matchers()
    log_file.events.all().delete()
    log_file.status = LogFile.Status.PARSING
    log_file.started_at = timezone.now()
    log_file.progress_at = log_file.started_at
    log_file.error = ""
    log_file.save(update_fields=["status", "started_at", "progress_at", "error"])
    logger.info("Log file %s (%s): parsing started", log_file.pk, log_file)

    stats = ParseStats()
    parser = _FileParser(log_file, matchers, stats)
    try:
        parser.run()
    except (ArchiveError, BinaryContentError, OSError, EOFError) as exc:
        parser.flush()
        log_file.error = f"Reading stopped after line {stats.total_lines}: {exc}"
        log_file.status = (
            LogFile.Status.PARTIAL if stats.total_lines else LogFile.Status.FAILED
        )
        logger.warning("Log file %s: %s", log_file.pk, log_file.error)
    except Exception as exc:
        # Any other error ends the parse as failed with its reason, so the file
        # does not stay "parsing". Events of batches stored before it are kept.
        logger.exception(
            "Log file %s: parse failed after line %s", log_file.pk, stats.total_lines
        )
        log_file.error = (
            f"The parse stopped near line {stats.total_lines} with an unexpected "
            f"error: {exc!r}. Events stored before it are kept. An admin can parse "
            'the file again with the "Parse again" action in the admin.'
        )
        log_file.status = LogFile.Status.FAILED
    else:
        log_file.status = LogFile.Status.PARSED

    _record_stats(log_file, stats, parser)
    log_file.finished_at = timezone.now()
    log_file.save()
    logger.info(
        "Log file %s: %s, %s lines, %s matched, %s unparsed",
        log_file.pk,
        log_file.status,
        log_file.total_lines,
        log_file.matched_lines,
        log_file.unparsed_lines,
    )
    return log_file


def _record_stats(log_file: LogFile, stats: ParseStats, parser: _FileParser) -> None:
    zone = zoneinfo.ZoneInfo(log_file.time_zone)
    log_file.total_lines = stats.total_lines
    log_file.matched_lines = parser.matched
    log_file.unparsed_lines = stats.unparsed_lines
    log_file.unparsed_line_numbers = stats.unparsed_line_numbers
    log_file.undecodable_lines = stats.undecodable_lines
    log_file.long_lines = stats.long_lines
    log_file.bytes_read = parser.bytes_read
    log_file.first_event_at = (
        stats.first_at.replace(tzinfo=zone) if stats.first_at else None
    )
    log_file.last_event_at = (
        stats.last_at.replace(tzinfo=zone) if stats.last_at else None
    )

    warnings = []
    if stats.undecodable_lines:
        warnings.append(
            f"{_lines(stats.undecodable_lines)} not valid UTF-8; the undecodable "
            "bytes show as \ufffd."
        )
    if stats.long_lines:
        warnings.append(
            f"{_lines(stats.long_lines)} longer than 64 KiB and cut to that length."
        )
    if stats.missing_final_newline and log_file.origin == LogFile.Origin.UPLOAD:
        warnings.append(
            "The last line has no line end, so the file may be truncated; that line "
            "was parsed as it is."
        )
    if stats.out_of_order_records:
        warnings.append(
            f"{_lines(stats.out_of_order_records)} dated before the line above; "
            "the time range shows the earliest and the latest time."
        )
    if parser.ids_out_of_range:
        warnings.append(
            f"{_line_count(parser.ids_out_of_range)} had a job or store id above "
            f"{MAX_STORED_ID}, so {_their_events(parser.ids_out_of_range)} stored "
            "without that id."
        )
    if stats.total_lines and not stats.records:
        warnings.append(
            "No line has the Commvault log prefix (pid, thread id, mm/dd hh:mm:ss, job)."
        )
    log_file.warnings = warnings


def _lines(count: int) -> str:
    return "1 line was" if count == 1 else f"{count} lines were"


def _line_count(count: int) -> str:
    return "1 line" if count == 1 else f"{count} lines"


def _their_events(count: int) -> str:
    return "its event is" if count == 1 else "their events are"


def _member_name(log_file: LogFile) -> str:
    """Return the zip member name, without the " (2)" that distinguishes repeated names."""
    if log_file.archive_index is None:
        return log_file.archive_member
    return re.sub(r" \(\d+\)$", "", log_file.archive_member)


class _FileParser:
    def __init__(
        self, log_file: LogFile, matchers: MatcherSet, stats: ParseStats
    ) -> None:
        self.log_file = log_file
        self.matchers = matchers
        self.stats = stats
        self.zone = zoneinfo.ZoneInfo(log_file.time_zone)
        self.resolver = _Resolver(log_file.commcell_id)
        self.media_agent = self.resolver.media_agent(log_file.media_agent_name)
        self.batch: list[LogEvent] = []
        self.matched = 0
        self.bytes_read = 0
        self.ids_out_of_range = 0
        self._counter: Any = None

    def run(self) -> None:
        log_file = self.log_file
        compression = (
            "zip"
            if log_file.archive_member
            else detect_compression(log_file.original_name)
        )
        file_date = timezone.localtime(log_file.file_date, self.zone).replace(
            tzinfo=None
        )
        next_progress = PROGRESS_EVERY_LINES

        with open_log(
            log_file.stored_path,
            compression,
            archive_limits(),
            member=_member_name(log_file),
            member_index=log_file.archive_index,
            start=log_file.start_offset,
            end=log_file.end_offset,
        ) as (stream, counter):
            self._counter = counter
            check_text_sample(stream.peek(SNIFF_BYTES)[:SNIFF_BYTES])
            records = parse_stream(
                stream, file_date, self.stats, log_file.first_line_number
            )
            # stats.total_lines is only filled in when the stream ends, so progress
            # counts lines by the line number of each record.
            first_line = log_file.first_line_number
            for record in records:
                self._add(record)
                lines_read = record.line_number - first_line + 1
                if lines_read >= next_progress:
                    next_progress = lines_read + PROGRESS_EVERY_LINES
                    self._report_progress(lines_read)
            self.flush()

    def _add(self, record: LogRecord) -> None:
        event = self.matchers.match(self.log_file.log_type, record)
        if event is None:
            return
        self.matched += 1
        self.batch.append(self._event(record, event))
        if len(self.batch) >= EVENT_BATCH_SIZE:
            self.flush()

    def _event(self, record: LogRecord, event: EventData) -> LogEvent:
        log_file = self.log_file
        store_cv_id = self._stored_id(event.store_cv_id)
        job_id = self._stored_id(event.job_id)
        return LogEvent(
            commcell_id=log_file.commcell_id,
            log_file_id=log_file.pk,
            line_number=record.line_number,
            occurred_at=record.occurred_at.replace(tzinfo=self.zone),
            log_type=log_file.log_type,
            code=event.code,
            category=event.category,
            severity=event.severity,
            media_agent=self.media_agent,
            media_agent_name=log_file.media_agent_name,
            ddb_store=self.resolver.store(store_cv_id),
            store_cv_id=store_cv_id,
            job_id=job_id,
            counts=event.counts,
            message=record.message[:MAX_MESSAGE_CHARS],
        )

    def _stored_id(self, value: int | None) -> int | None:
        """Return the id, or None (counted) when it does not fit a 64-bit column."""
        if value is not None and not 0 <= value <= MAX_STORED_ID:
            self.ids_out_of_range += 1
            return None
        return value

    def flush(self) -> None:
        if self.batch:
            batch, self.batch = self.batch, []
            with transaction.atomic():
                LogEvent.objects.bulk_create(batch)
        if self._counter is not None:
            self.bytes_read = self._counter.count

    def _report_progress(self, lines_read: int) -> None:
        self.flush()
        LogFile.objects.filter(pk=self.log_file.pk).update(
            progress_at=timezone.now(),
            bytes_read=self.bytes_read,
            total_lines=lines_read,
            matched_lines=self.matched,
        )
        logger.debug("Log file %s: %s lines read", self.log_file.pk, lines_read)
