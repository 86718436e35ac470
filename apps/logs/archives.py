"""Open stored log files, plain or compressed, with limits against decompression bombs.

Plain Python. A .zip is a bundle: each member becomes its own log file. A .gz or .bz2
contains one log. Archives inside archives are rejected.
"""

from __future__ import annotations

import bz2
import gzip
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

# Names and leading bytes of archive formats that a bundle may not contain.
NESTED_ARCHIVE_SUFFIXES = (".zip", ".gz", ".bz2", ".7z", ".rar", ".tar", ".tgz", ".xz")
BUFFER_BYTES = 1024 * 1024
READ_BYTES = 64 * 1024
ARCHIVE_MAGIC = (
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"BZh",
    b"7z\xbc\xaf",
    b"Rar!",
    b"\xfd7zXZ",
)


class ArchiveError(ValueError):
    """An archive is unsafe, damaged or not an archive at all."""


class ExpansionError(ArchiveError):
    """An archive expands past the total or the ratio cap (a possible bomb)."""


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps on what reading one upload may decompress."""

    max_total_bytes: int
    max_ratio: int
    max_members: int


@dataclass(frozen=True)
class ZipMember:
    name: str
    size: int
    compressed_size: int
    modified_at: datetime | None
    # Position in the zip's list of entries; names can repeat in one zip.
    index: int = -1


def detect_compression(file_name: str) -> str:
    """Return "zip", "gz", "bz2" or "" from a file name."""
    lower = file_name.lower()
    for suffix in ("zip", "gz", "bz2"):
        if lower.endswith("." + suffix):
            return suffix
    return ""


def list_zip_members(
    path: str, compressed_size: int, limits: ArchiveLimits
) -> list[ZipMember]:
    """Return the log members of a zip, or raise ArchiveError when it is unsafe.

    The sizes checked here are the ones the zip declares. Reading enforces the same
    caps on the bytes actually decompressed, because a crafted zip can lie.
    """
    try:
        with zipfile.ZipFile(path) as bundle:
            infos = [
                (index, info)
                for index, info in enumerate(bundle.infolist())
                if not info.is_dir()
            ]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ArchiveError(f"The zip file is damaged or truncated: {exc}.") from exc

    if len(infos) > limits.max_members:
        raise ArchiveError(
            f"The zip file has {len(infos)} files; at most {limits.max_members} are "
            "accepted. Split it into smaller bundles."
        )

    members = []
    for index, info in infos:
        if info.filename.lower().endswith(NESTED_ARCHIVE_SUFFIXES):
            raise ArchiveError(
                f'The zip file contains the archive "{info.filename}"; archives inside '
                "archives are not accepted. Extract it and upload its logs."
            )
        members.append(
            ZipMember(
                name=info.filename,
                size=info.file_size,
                compressed_size=info.compress_size,
                modified_at=_zip_time(info),
                index=index,
            )
        )

    for member in members:
        try:
            check_expansion(member.size, member.compressed_size, limits)
        except ExpansionError as exc:
            raise ExpansionError(f'The zip member "{member.name}": {exc}') from exc
    check_expansion(sum(member.size for member in members), compressed_size, limits)
    return members


def drain_with_limits(stream: BinaryIO) -> None:
    """Read a stream opened by open_log to its end, so its limits check every byte.

    Raises ExpansionError when the data passes the total or the ratio cap, and
    ArchiveError when the data is damaged.
    """
    while stream.read(BUFFER_BYTES):
        pass


def _zip_time(info: zipfile.ZipInfo) -> datetime | None:
    try:
        # Zip stores local wall-clock time, like the log lines themselves.
        return datetime(*info.date_time)  # noqa: DTZ001
    except ValueError:
        return None


def check_expansion(decompressed: int, compressed: int, limits: ArchiveLimits) -> None:
    """Raise ArchiveError when decompressed bytes pass the total or the ratio cap."""
    if decompressed > limits.max_total_bytes:
        raise ExpansionError(
            f"The archive expands to more than {limits.max_total_bytes} bytes, the "
            "maximum accepted. Upload fewer or smaller logs at a time."
        )
    if compressed > 0 and decompressed > compressed * limits.max_ratio:
        raise ExpansionError(
            f"The archive expands more than {limits.max_ratio} times its "
            f"{compressed} bytes, which log files do not; it is rejected as a "
            "possible decompression bomb."
        )


class LimitedReader(io.RawIOBase):
    """A stream that counts the bytes it returns and enforces the archive limits."""

    def __init__(
        self, stream: BinaryIO, compressed: int, limits: ArchiveLimits
    ) -> None:
        self._stream = stream
        self._compressed = compressed
        self._limits = limits
        self.count = 0
        self._checked_magic = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            # Small reads keep the lines before a damaged spot readable.
            data = self._stream.read(min(len(buffer), READ_BYTES))
        except (EOFError, zipfile.BadZipFile, OSError) as exc:
            raise ArchiveError(
                f"The compressed data ends early or is damaged after "
                f"{self.count} bytes: {exc}."
            ) from exc

        if not self._checked_magic and data:
            self._checked_magic = True
            if data.startswith(ARCHIVE_MAGIC):
                raise ArchiveError(
                    "The compressed file contains another archive; archives inside "
                    "archives are not accepted."
                )

        self.count += len(data)
        check_expansion(self.count, self._compressed, self._limits)
        buffer[: len(data)] = data
        return len(data)


class CountingFile(io.RawIOBase):
    """A raw file that counts the bytes read from it, for progress reports."""

    def __init__(self, raw: BinaryIO, limit: int | None = None) -> None:
        self._raw = raw
        self._left = limit
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        size = len(buffer)
        if self._left is not None:
            size = min(size, self._left)
        data = self._raw.read(size)
        buffer[: len(data)] = data
        self.count += len(data)
        if self._left is not None:
            self._left -= len(data)
        return len(data)


@contextmanager
def open_log(
    path: str,
    compression: str,
    limits: ArchiveLimits,
    member: str = "",
    start: int = 0,
    end: int | None = None,
    member_index: int | None = None,
) -> Iterator[tuple[BinaryIO, CountingFile]]:
    """Open a stored log as a buffered binary stream of its decompressed bytes.

    Yields the stream and a counter (`.count`) for progress: stored bytes read, or
    decompressed bytes for a zip member. `start` and `end` bound the bytes read from
    a plain file. `member_index` picks a zip entry by position, for zips that
    hold two entries of the same name.
    """
    with open(path, "rb") as raw:
        if compression == "zip":
            with _open_member(raw, member, member_index) as (opened, compressed_size):
                limited = LimitedReader(opened, compressed_size, limits)
                yield io.BufferedReader(limited, BUFFER_BYTES), limited
            return

        if start:
            raw.seek(start)
        limit = None if end is None else max(end - start, 0)
        compressed_size = (end if end is not None else _size(raw)) - start
        counter = CountingFile(raw, limit)
        # A compressed file is read in small steps so that the progress counter
        # moves while its decompressed text is parsed.
        step = BUFFER_BYTES if compression == "" else READ_BYTES
        counted = io.BufferedReader(counter, step)

        if compression == "":
            yield counted, counter
        elif compression == "gz":
            gz = gzip.GzipFile(fileobj=counted)
            yield _limited(gz, compressed_size, limits), counter
        elif compression == "bz2":
            yield _limited(bz2.BZ2File(counted), compressed_size, limits), counter
        else:
            raise ArchiveError(f'Unknown compression "{compression}".')


@contextmanager
def _open_member(
    raw: BinaryIO, member: str, index: int | None = None
) -> Iterator[tuple[BinaryIO, int]]:
    try:
        bundle = zipfile.ZipFile(raw)
        info = bundle.getinfo(member) if index is None else bundle.infolist()[index]
        opened = bundle.open(info)
    except (zipfile.BadZipFile, KeyError, IndexError, OSError, EOFError) as exc:
        raise ArchiveError(f'Cannot read "{member}" from the zip file: {exc}.') from exc
    with bundle, opened:
        yield opened, info.compress_size


def _size(raw: BinaryIO) -> int:
    position = raw.tell()
    raw.seek(0, io.SEEK_END)
    size = raw.tell()
    raw.seek(position)
    return size


def _limited(stream: BinaryIO, compressed: int, limits: ArchiveLimits) -> BinaryIO:
    return io.BufferedReader(LimitedReader(stream, compressed, limits), BUFFER_BYTES)


def gzip_mtime(path: str) -> datetime | None:
    """Return the modification time stored in a gzip header, if set."""
    with open(path, "rb") as raw:
        header = raw.read(10)
    if len(header) < 10 or header[:2] != b"\x1f\x8b":
        return None
    seconds = int.from_bytes(header[4:8], "little")
    if not seconds:
        return None
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
