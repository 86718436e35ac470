"""Parse Commvault MediaAgent and CommServe text logs into records, streaming.

Every assumption about the log format lives in this module, so a mismatch with real
files is fixed in one place. The module imports nothing from Django.

Line layout (Commvault "Help for GxTail Log Messages"; checked against published
sample lines). Fields are separated by runs of whitespace, not fixed columns:

    <pid> <tid> <mm/dd> <hh:mm:ss> <job> <message>

- pid is decimal and tid hexadecimal. Both are padded with spaces, and a pid can have
  five or more digits, so the documented column numbers are only nominal.
- job is a decimal job id, or one or more `#` when no job applies (job_id None).
- SIDBEngine.log and SIDBPrune.log messages start with an engine token
  `<storeId>-<group>-<substoreId>-<split>` with an optional fifth part (a number or
  `#`). In SIDBPrune.log the second part is read as the pruning phase (2 logical,
  3 physical). That reading comes from the phase regexes of Commvault's own pruning
  tests and is not confirmed against a real file.
- A line without that prefix continues the record above it: published records wrap
  over up to five lines. A line is unparsed instead when no record precedes it, when
  the record already has MAX_CONTINUATION_LINES continuations, when it contains NUL
  bytes, or when it starts like a record (`<digits> <hex> ...`) but its date or time
  is invalid.
- Timestamps have no year, so the parser takes it from the file date, which is the
  time of the last line at the latest. The first record gets the latest year that
  keeps it on or before the file date. The year goes up by one each time the month
  goes down (December to January). A line more than six months later than the newest
  month seen is a straggler from the previous year and does not move the year.
- Times are the MediaAgent's local time. The parser returns naive datetimes and the
  caller applies the time zone.
- Bytes are decoded as UTF-8 per line with replacement characters, and each line that
  needed replacement is counted as undecodable. A file that starts with a UTF-16 byte
  order mark is decoded as UTF-16.
- A physical line longer than MAX_LINE_BYTES is cut to that length, and the rest of it
  is skipped and counted.

File names follow Commvault's "Default maximum number for log file versions" page
and the names older builds and helper scripts use. A log is `<Type>.log`, and its
rolled-over versions are `<Type>_<n>.log`, `<Type>.log.<n>` and
`<Type>_YYYY_MM_DD_HH_MM_SS.log`. Any of them may end in `.gz` or `.bz2`. The
rollover timestamp in a name is used as the file date.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import BinaryIO

# Log types this product has matchers for, in their canonical spelling.
KNOWN_LOG_TYPES = (
    "SIDBPrune",
    "SIDBPhysicalDeletes",
    "SIDBEngine",
    "CVMA",
    "MediaManagerPrune",
    "MediaManager",
    "CloudFileAccess",
)
_KNOWN_BY_LOWER = {name.lower(): name for name in KNOWN_LOG_TYPES}

MAX_LINE_BYTES = 64 * 1024
MAX_CONTINUATION_LINES = 50
# Bytes read at the start of a file to tell text from binary content.
SNIFF_BYTES = 64 * 1024
# Share of NUL and other control bytes above which a file is rejected as binary.
BINARY_CONTROL_RATIO = 0.10

RECORD_RE = re.compile(
    r"(?P<pid>\d+)\s+(?P<tid>[0-9A-Fa-f]+)\s+(?P<month>\d\d)/(?P<day>\d\d)\s+"
    r"(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d)\s+(?P<job>\d+|#+)\s+"
    r"(?P<message>.*)"
)
# A line that starts like a record but whose date or time failed to parse.
RECORD_LIKE_RE = re.compile(r"\d+\s+[0-9A-Fa-f]+\s+\d\d?/\d\d?\s")
ENGINE_TOKEN_RE = re.compile(
    r"(?P<store>\d+)-(?P<group>\d*)-(?P<substore>\d*)-(?P<split>\d*)"
    r"(?:-(?P<extra>\d+|#))?(?=\s|$)"
)

_ROLLED_NAME_RE = re.compile(
    r"^(?P<base>.+?)"
    r"(?:_(?P<stamp>\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d)|_(?P<number>\d+))?"
    r"\.log(?:\.(?P<suffix>\d+))?$",
    re.IGNORECASE,
)
COMPRESSED_SUFFIXES = (".gz", ".bz2")


class BinaryContentError(ValueError):
    """The file content is not text."""


@dataclass(frozen=True)
class LogName:
    """Log type, compression and rollover date read from a log file's name."""

    log_type: str
    known: bool
    compression: str  # "", "gz" or "bz2"
    rolled_at: datetime | None = None


def classify_name(file_name: str) -> LogName:
    """Return the log type of a file name, with rollover and compression suffixes removed."""
    name = re.split(r"[\\/]", file_name)[-1]
    compression = ""
    for suffix in COMPRESSED_SUFFIXES:
        if name.lower().endswith(suffix):
            compression = suffix[1:]
            name = name[: -len(suffix)]
            break

    found = _ROLLED_NAME_RE.match(name)
    if found is None:
        base = name.rsplit(".", 1)[0] if "." in name else name
        return LogName(base or name, False, compression)

    base = found.group("base")
    rolled_at = None
    if found.group("stamp"):
        try:
            stamp = found.group("stamp")
            rolled_at = datetime.strptime(stamp, "%Y_%m_%d_%H_%M_%S")  # noqa: DTZ007
        except ValueError:
            rolled_at = None
    known = _KNOWN_BY_LOWER.get(base.lower())
    if known is None:
        return LogName(base, False, compression, rolled_at)
    return LogName(known, True, compression, rolled_at)


@dataclass(frozen=True)
class EngineToken:
    store_id: int
    group: int | None
    substore_id: int | None
    split: int | None
    text: str


@dataclass(slots=True)
class LogRecord:
    """One log record: a prefixed line and the continuation lines joined to it."""

    line_number: int
    occurred_at: datetime
    pid: int
    tid: str
    job_id: int | None
    message: str
    continuation_lines: int = 0

    @property
    def engine_token(self) -> EngineToken | None:
        return parse_engine_token(self.message)


@dataclass
class ParseStats:
    """Line counts of one parse, kept as the stream is read."""

    total_lines: int = 0
    records: int = 0
    continuation_lines: int = 0
    unparsed_lines: int = 0
    unparsed_line_numbers: list[int] = field(default_factory=list)
    undecodable_lines: int = 0
    long_lines: int = 0
    missing_final_newline: bool = False
    # Earliest and latest record times, and how many records were dated before
    # the record above them.
    first_at: datetime | None = None
    last_at: datetime | None = None
    out_of_order_records: int = 0

    MAX_LINE_NUMBERS = 100

    def add_unparsed(self, line_number: int) -> None:
        self.unparsed_lines += 1
        if len(self.unparsed_line_numbers) < self.MAX_LINE_NUMBERS:
            self.unparsed_line_numbers.append(line_number)


def parse_engine_token(message: str) -> EngineToken | None:
    """Return the SIDB engine token at the start of a message, if there is one."""
    found = ENGINE_TOKEN_RE.match(message)
    if found is None:
        return None

    def number(name: str) -> int | None:
        value = found.group(name)
        return int(value) if value else None

    return EngineToken(
        store_id=int(found.group("store")),
        group=number("group"),
        substore_id=number("substore"),
        split=number("split"),
        text=found.group(0),
    )


def check_text_sample(sample: bytes) -> None:
    """Raise BinaryContentError when a file's first bytes are not a text log."""
    if not sample or sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    control = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
    if control / len(sample) > BINARY_CONTROL_RATIO:
        raise BinaryContentError(
            f"{control} of the first {len(sample)} bytes are NUL or control bytes, so "
            "the content is binary, not a text log. Upload the .log file itself, or "
            "a .zip, .gz or .bz2 of it."
        )


def iter_lines(stream: BinaryIO, stats: ParseStats) -> Iterator[str]:
    """Yield decoded physical lines without line ends, with long lines cut.

    Memory stays within MAX_LINE_BYTES whatever the file size.
    """
    first = stream.readline(MAX_LINE_BYTES)
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        yield from _iter_utf16_lines(first, stream, stats)
        return

    chunk = first.removeprefix(codecs.BOM_UTF8)
    while chunk:
        if not chunk.endswith(b"\n"):
            if len(chunk) >= MAX_LINE_BYTES:
                stats.long_lines += 1
                _skip_to_line_end(stream)
            else:
                stats.missing_final_newline = True
        yield _decode(chunk, stats)
        chunk = stream.readline(MAX_LINE_BYTES)


def _skip_to_line_end(stream: BinaryIO) -> None:
    while True:
        rest = stream.readline(MAX_LINE_BYTES)
        if not rest or rest.endswith(b"\n"):
            return


def _decode(raw: bytes, stats: ParseStats) -> str:
    raw = raw.rstrip(b"\r\n")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        stats.undecodable_lines += 1
        return raw.decode("utf-8", errors="replace")


def _iter_utf16_lines(
    head: bytes, stream: BinaryIO, stats: ParseStats
) -> Iterator[str]:
    # NOTE: undecodable UTF-16 lines are counted by the replacement characters they
    # contain, so a line that held U+FFFD in the original is counted too.
    joined = io.BufferedReader(_Prepend(head, stream))
    text = io.TextIOWrapper(joined, encoding="utf-16", errors="replace", newline=None)
    while True:
        line = text.readline(MAX_LINE_BYTES)
        if not line:
            return
        if not line.endswith("\n"):
            if len(line) >= MAX_LINE_BYTES:
                stats.long_lines += 1
                while (rest := text.readline(MAX_LINE_BYTES)) and not rest.endswith(
                    "\n"
                ):
                    pass
            else:
                stats.missing_final_newline = True
        if "\ufffd" in line:
            stats.undecodable_lines += 1
        yield line.rstrip("\r\n")


class _Prepend(io.RawIOBase):
    """A raw stream that returns some bytes already read, then the rest of a stream."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# Every month and day a timestamp can name, including February 29.
_VALID_MONTH_DAYS = frozenset(
    (day.month, day.day)
    for day in (date(2000, 1, 1) + timedelta(days=offset) for offset in range(366))
)


class YearResolver:
    """Give `mm/dd hh:mm:ss` stamps a year, reading them in file order."""

    def __init__(self, file_date: datetime) -> None:
        self.file_date = file_date
        self.year: int | None = None
        self.last_month: int | None = None

    def resolve(self, month: int, day: int, clock: tuple[int, int, int]) -> datetime:
        if self.year is None:
            stamp = (month, day, *clock)
            end = self.file_date
            end_stamp = (end.month, end.day, end.hour, end.minute, end.second)
            self.year = end.year if stamp <= end_stamp else end.year - 1
            self.last_month = month

        year = self.year
        if month < self.last_month:
            if self.last_month - month > 6:
                # December followed by January: the year has turned.
                self.year += 1
                year = self.year
                self.last_month = month
            # A smaller step back is an out-of-order line within the same year.
        elif month - self.last_month > 6:
            # A December straggler after January lines belongs to the previous year.
            year = self.year - 1
        else:
            self.last_month = month

        # Naive on purpose: the caller applies the MediaAgent's time zone.
        return datetime(year, month, day, *clock)  # noqa: DTZ001


def _build_record(
    found: re.Match[str], line_number: int, years: YearResolver
) -> LogRecord | None:
    pid, tid, month, day, hour, minute, second, job, message = found.groups()
    month_day = (int(month), int(day))
    if month_day not in _VALID_MONTH_DAYS:
        return None
    try:
        clock = (int(hour), int(minute), int(second))
        occurred_at = years.resolve(month_day[0], month_day[1], clock)
    except ValueError:
        # An hour, minute or second out of range; February 29 of a common year.
        return None

    return LogRecord(
        line_number=line_number,
        occurred_at=occurred_at,
        pid=int(pid),
        tid=tid,
        job_id=None if job[0] == "#" else int(job),
        message=message.rstrip(),
    )


def parse_lines(
    lines: Iterable[str],
    file_date: datetime,
    stats: ParseStats,
    first_line_number: int = 1,
) -> Iterator[LogRecord]:
    """Yield records from decoded lines, joining continuation lines to their record.

    A record is yielded when the next record starts or the input ends, so callers
    see each record complete with its continuations.
    """
    years = YearResolver(file_date)
    current: LogRecord | None = None
    first_number = first_line_number - 1
    line_number = first_number
    records = 0
    out_of_order = 0
    earliest: datetime | None = None
    latest: datetime | None = None
    record_match = RECORD_RE.match

    # Counters stay local in the loop and reach `stats` in `finally`, so a stream
    # that fails part-way still reports the lines read before the failure.
    try:
        for line in lines:
            line_number += 1

            found = record_match(line)
            if found is not None:
                record = _build_record(found, line_number, years)
                if record is not None:
                    at = record.occurred_at
                    if current is not None:
                        if at < current.occurred_at:
                            out_of_order += 1
                        yield current
                    if earliest is None or at < earliest:
                        earliest = at
                    if latest is None or at > latest:
                        latest = at
                    current = record
                    records += 1
                    continue

            if (
                current is None
                or found is not None
                or "\x00" in line
                or current.continuation_lines >= MAX_CONTINUATION_LINES
                or RECORD_LIKE_RE.match(line)
            ):
                stats.add_unparsed(line_number)
                continue

            stripped = line.strip()
            if stripped:
                current.message = f"{current.message} {stripped}"
            current.continuation_lines += 1
            stats.continuation_lines += 1
    finally:
        stats.total_lines += line_number - first_number
        stats.records += records
        stats.out_of_order_records += out_of_order
        if earliest is not None and (
            stats.first_at is None or earliest < stats.first_at
        ):
            stats.first_at = earliest
        if latest is not None and (stats.last_at is None or latest > stats.last_at):
            stats.last_at = latest

    if current is not None:
        yield current


def parse_stream(
    stream: BinaryIO,
    file_date: datetime,
    stats: ParseStats,
    first_line_number: int = 1,
) -> Iterator[LogRecord]:
    """Yield the records of a binary stream; see parse_lines."""
    return parse_lines(iter_lines(stream, stats), file_date, stats, first_line_number)
