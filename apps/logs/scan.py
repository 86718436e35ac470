"""Read new and grown log files from the folders of enabled log sources.

Each file's state (size, read offset, a fingerprint of its first bytes) is kept in
LogSourceFile. A rolled-over copy (`SIDBPrune_1.log` after `SIDBPrune.log`) starts with
the same bytes as the file it was renamed from, so only the part after the offset
already read is parsed. Symbolic links and anything but regular files are skipped.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .archives import detect_compression
from .ingest import parse_log_file
from .logformat import classify_name
from .matching import MatcherSet
from .models import LogFile, LogSource, LogSourceFile

logger = logging.getLogger(__name__)

HEAD_BYTES = 4096
TAIL_SEARCH_BYTES = 1024 * 1024


@dataclass
class ScanResult:
    source_id: int
    files_seen: int = 0
    log_files: int = 0
    skipped: int = 0
    error: str = ""


@dataclass(frozen=True)
class _Found:
    name: str
    path: str
    size: int
    mtime: datetime


def scan_source(source: LogSource, matchers: MatcherSet | None = None) -> ScanResult:
    """Ingest the new bytes of every regular file in the source's folder."""
    result = ScanResult(source.pk)
    try:
        # The folder may have gone, or the allowed roots changed, since it was saved.
        source.clean()
    except ValidationError as exc:
        result.error = " ".join(exc.messages)
        _finish(source, result)
        logger.warning("Log source %s: not scanned: %s", source.pk, result.error)
        return result

    try:
        found = _list_files(source.path)
    except OSError as exc:
        result.error = f'Cannot read the folder "{source.path}": {exc.strerror or exc}.'
        _finish(source, result)
        logger.warning("Log source %s: %s", source.pk, result.error)
        return result

    known = {entry.name: entry for entry in source.files.all()}
    snapshot = list(known.values())
    for item in found:
        result.files_seen += 1
        try:
            created = _ingest_file(source, item, known.get(item.name), snapshot)
        except OSError as exc:
            result.skipped += 1
            logger.warning(
                "Log source %s: cannot read %s: %s", source.pk, item.path, exc
            )
            continue
        if created is None:
            continue
        result.log_files += 1
        parse_log_file(created.pk, matchers)

    _finish(source, result)
    logger.info(
        "Log source %s: %s files seen, %s read, %s skipped",
        source.pk,
        result.files_seen,
        result.log_files,
        result.skipped,
    )
    return result


def _finish(source: LogSource, result: ScanResult) -> None:
    source.last_scan_at = timezone.now()
    source.last_scan_error = result.error
    source.save(update_fields=["last_scan_at", "last_scan_error"])


def _list_files(folder: str) -> list[_Found]:
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_symlink() or not entry.is_file(follow_symlinks=False):
                continue
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                continue
            found.append(
                _Found(
                    entry.name,
                    entry.path,
                    info.st_size,
                    datetime.fromtimestamp(info.st_mtime, UTC),
                )
            )
    # Oldest first, so a rolled-over file is read before the file that replaced it.
    return sorted(found, key=lambda item: (item.mtime, item.name))


def _open_regular(path: str) -> int:
    """Open a file without following a symbolic link swapped in after the listing."""
    return os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))


def _ingest_file(
    source: LogSource,
    item: _Found,
    entry: LogSourceFile | None,
    snapshot: list[LogSourceFile],
) -> LogFile | None:
    if detect_compression(item.name):
        return _ingest_compressed(source, item, entry)

    descriptor = _open_regular(item.path)
    with os.fdopen(descriptor, "rb") as handle:
        head = handle.read(HEAD_BYTES)
        start, lines_before = _resume_point(item, entry, snapshot, head)
        end = _last_line_end(handle, start, item.size)

    if entry is None:
        entry = LogSourceFile(source=source, name=item.name)
    entry.size = item.size
    entry.mtime = item.mtime
    entry.head_length = len(head)
    entry.head_sha256 = hashlib.sha256(head).hexdigest()

    if end <= start:
        entry.save()
        return None

    log_file = _new_log_file(source, item, start, end, lines_before)
    with transaction.atomic():
        log_file.save()
        entry.offset = end
        entry.lines_read = lines_before + _count_lines(item.path, start, end)
        entry.save()
    return log_file


def _resume_point(
    item: _Found,
    entry: LogSourceFile | None,
    snapshot: list[LogSourceFile],
    head: bytes,
) -> tuple[int, int]:
    """Return the byte offset and line count already read for this content."""
    if entry is not None and _same_head(entry, head) and item.size >= entry.offset:
        return entry.offset, entry.lines_read

    for other in snapshot:
        if other.name == item.name or not other.offset:
            continue
        if _same_head(other, head) and item.size >= other.offset:
            logger.info(
                "Log source %s: %s continues %s from byte %s",
                other.source_id,
                item.name,
                other.name,
                other.offset,
            )
            return other.offset, other.lines_read
    return 0, 0


def _same_head(entry: LogSourceFile, head: bytes) -> bool:
    if not entry.head_sha256 or len(head) < entry.head_length:
        return False
    digest = hashlib.sha256(head[: entry.head_length]).hexdigest()
    return digest == entry.head_sha256


def _last_line_end(handle, start: int, size: int) -> int:
    """Return the offset after the last line end, so a line being written is left."""
    if size <= start:
        return start
    low = max(start, size - TAIL_SEARCH_BYTES)
    handle.seek(low)
    tail = handle.read(size - low)
    position = tail.rfind(b"\n")
    if position < 0:
        # NOTE: a single unfinished line longer than TAIL_SEARCH_BYTES is read whole.
        return size if low > start else start
    return low + position + 1


def _count_lines(path: str, start: int, end: int) -> int:
    count = 0
    descriptor = _open_regular(path)
    with os.fdopen(descriptor, "rb") as handle:
        handle.seek(start)
        left = end - start
        while left > 0:
            block = handle.read(min(left, 1024 * 1024))
            if not block:
                break
            count += block.count(b"\n")
            left -= len(block)
    return count


def _ingest_compressed(
    source: LogSource, item: _Found, entry: LogSourceFile | None
) -> LogFile | None:
    if entry is not None and entry.size == item.size and entry.sha256:
        return None

    digest = hashlib.sha256()
    descriptor = _open_regular(item.path)
    with os.fdopen(descriptor, "rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    sha256 = digest.hexdigest()
    if LogSourceFile.objects.filter(source=source, sha256=sha256).exists():
        return None

    entry = entry or LogSourceFile(source=source, name=item.name)
    entry.size = item.size
    entry.mtime = item.mtime
    entry.sha256 = sha256
    log_file = _new_log_file(source, item, 0, None, 0)
    log_file.sha256 = sha256
    with transaction.atomic():
        log_file.save()
        entry.save()
    return log_file


def _new_log_file(
    source: LogSource, item: _Found, start: int, end: int | None, lines_before: int
) -> LogFile:
    described = classify_name(item.name)
    zone = zoneinfo.ZoneInfo(source.time_zone)
    file_date = item.mtime
    if described.rolled_at is not None:
        file_date = described.rolled_at.replace(tzinfo=zone)
    return LogFile(
        commcell=source.commcell,
        original_name=item.name,
        log_type=described.log_type,
        log_type_known=described.known,
        media_agent_name=source.media_agent_name,
        time_zone=source.time_zone,
        sha256="",
        size=(end if end is not None else item.size) - start,
        origin=LogFile.Origin.FOLDER,
        log_source=source,
        stored_path=item.path,
        start_offset=start,
        end_offset=end,
        first_line_number=lines_before + 1,
        file_date=file_date,
    )


def scan_all_sources(matchers: MatcherSet | None = None) -> list[ScanResult]:
    """Scan every enabled log source."""
    return [
        scan_source(source, matchers)
        for source in LogSource.objects.filter(enabled=True).select_related("commcell")
    ]
