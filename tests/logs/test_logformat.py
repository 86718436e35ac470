# The parser returns naive wall-clock times of the log, so the tests compare naive values.
# ruff: noqa: DTZ001

import bz2
import codecs
import io
from datetime import datetime

import pytest

from apps.logs.logformat import (
    MAX_CONTINUATION_LINES,
    MAX_LINE_BYTES,
    BinaryContentError,
    ParseStats,
    check_text_sample,
    classify_name,
    parse_engine_token,
    parse_stream,
)
from tests.logs.conftest import FIXTURES

FILE_DATE = datetime(2027, 1, 5, 12, 0)


def parse_bytes(data: bytes, file_date: datetime = FILE_DATE, first_line: int = 1):
    stats = ParseStats()
    records = list(parse_stream(io.BytesIO(data), file_date, stats, first_line))
    return records, stats


def parse_fixture(name: str):
    return parse_bytes((FIXTURES / name).read_bytes())


@pytest.mark.parametrize(
    ("file_name", "log_type", "known"),
    [
        ("SIDBPrune.log", "SIDBPrune", True),
        ("SIDBPrune_1.log", "SIDBPrune", True),
        ("SIDBPrune_10.log", "SIDBPrune", True),
        ("SIDBPrune.log.1", "SIDBPrune", True),
        ("sidbprune.LOG", "SIDBPrune", True),
        ("SIDBPhysicalDeletes.log", "SIDBPhysicalDeletes", True),
        ("SIDBEngine_2026_12_01_04_10_00.log", "SIDBEngine", True),
        ("CVMA.log.bz2", "CVMA", True),
        ("CVMA_2.log.gz", "CVMA", True),
        ("MediaManagerPrune_3.log", "MediaManagerPrune", True),
        ("MediaManager.log", "MediaManager", True),
        ("CloudFileAccess.log", "CloudFileAccess", True),
        ("logs/ma01/CVMA.log", "CVMA", True),
        ("clBackup.log", "clBackup", False),
        ("JobManager_4.log", "JobManager", False),
        ("notes.txt", "notes", False),
    ],
)
def test_classify_name(file_name, log_type, known):
    described = classify_name(file_name)

    assert described.log_type == log_type
    assert described.known is known


def test_classify_name_reads_rollover_date():
    described = classify_name("SIDBEngine_2026_12_01_04_10_00.log")

    assert described.rolled_at == datetime(2026, 12, 1, 4, 10, 0)


def test_classify_name_compression():
    assert classify_name("CVMA.log.bz2").compression == "bz2"
    assert classify_name("CVMA_2.log.gz").compression == "gz"
    assert classify_name("CVMA.log").compression == ""


@pytest.mark.parametrize(
    ("fixture", "records", "lines"),
    [
        ("SIDBPrune.log", 4, 4),
        ("SIDBEngine.log", 9, 10),
        ("SIDBPhysicalDeletes.log", 3, 3),
        ("CVMA.log", 4, 6),
        ("MediaManagerPrune.log", 2, 2),
        ("MediaManager.log", 2, 2),
        ("CloudFileAccess.log", 3, 3),
        ("clBackup.log", 1, 4),
    ],
)
def test_parse_fixture_counts(fixture, records, lines):
    parsed, stats = parse_fixture(fixture)

    assert len(parsed) == records
    assert stats.records == records
    assert stats.total_lines == lines


def test_parse_reads_prefix_fields():
    records, _ = parse_fixture("SIDBEngine.log")
    last = records[-1]

    assert last.pid == 9120
    assert last.tid == "3a10"
    assert last.job_id == 612377
    assert last.line_number == 10
    assert last.occurred_at == datetime(2026, 3, 14, 7, 10, 0)
    assert records[0].job_id is None


def test_parse_accepts_single_spaces():
    records, _ = parse_fixture("CloudFileAccess.log")

    assert [record.pid for record in records] == [6120, 6120, 6120]
    assert records[1].message.startswith("#CVMountd] RemoveFile() - ")


def test_continuation_lines_join_their_record():
    records, stats = parse_fixture("clBackup.log")
    record = records[0]

    assert record.continuation_lines == 3
    assert "State.xml], error=0xECCC000D" in record.message
    assert record.message.endswith("PermissionMode=0x0}")
    assert stats.continuation_lines == 3
    assert stats.unparsed_lines == 0


def test_continuation_in_the_middle_of_a_file():
    records, _ = parse_fixture("SIDBEngine.log")
    wrapped = records[6]

    assert wrapped.line_number == 7
    assert wrapped.message.endswith(
        "Retry scheduled for the resync of the DDB in [30] minutes"
    )
    assert records[7].line_number == 9


def test_engine_token():
    token = parse_engine_token("4101-3-4388-0 PhaseThree 3010  Finalizing")

    assert token.store_id == 4101
    assert token.group == 3
    assert token.substore_id == 4388
    assert token.split == 0


def test_engine_token_with_fifth_part():
    token = parse_engine_token("22-1-31-0-# Engine 10  text")

    assert token.store_id == 22
    assert token.text == "22-1-31-0-#"


def test_engine_token_absent():
    assert parse_engine_token("Deleted folder [E:\\mp]") is None
    assert parse_engine_token("12-3 text") is None


def test_year_rollover_december_then_january():
    records, _ = parse_fixture("SIDBPrune.log")

    assert records[0].occurred_at == datetime(2026, 12, 30, 23, 58, 1)
    assert records[1].occurred_at.year == 2026
    assert records[2].occurred_at == datetime(2027, 1, 2, 0, 0, 5)
    assert records[3].occurred_at.year == 2027


def test_year_month_after_file_date():
    data = b"1 a 03/01 10:00:00 ### first\n1 a 03/02 10:00:00 ### second\n"

    records, _ = parse_bytes(data, file_date=datetime(2027, 2, 1))

    assert records[0].occurred_at.year == 2026
    assert records[1].occurred_at.year == 2026


def test_year_same_day_later_time_is_previous_year():
    data = b"1 a 01/05 13:00:00 ### after the file date\n"

    records, _ = parse_bytes(data, file_date=datetime(2027, 1, 5, 12, 0))

    assert records[0].occurred_at.year == 2026


def test_year_december_straggler_after_january():
    data = (
        b"1 a 12/31 23:59:58 ### old year\n"
        b"1 b 01/01 00:00:01 ### new year\n"
        b"1 c 12/31 23:59:59 ### late thread of the old year\n"
        b"1 b 01/01 00:00:02 ### new year again\n"
    )

    records, _ = parse_bytes(data, file_date=datetime(2027, 1, 1, 1, 0))

    assert [record.occurred_at.year for record in records] == [2026, 2027, 2026, 2027]


def test_unparsed_lines_have_numbers():
    _, stats = parse_fixture("CVMA.log")

    assert stats.unparsed_lines == 2
    assert stats.unparsed_line_numbers == [1, 5]


def test_unparsed_numbers_capped_at_100():
    data = b"".join(b"no prefix %d\n" % number for number in range(150))

    _, stats = parse_bytes(data)

    assert stats.unparsed_lines == 150
    assert len(stats.unparsed_line_numbers) == 100
    assert stats.unparsed_line_numbers[-1] == 100


def test_first_line_number_offset():
    records, stats = parse_bytes(b"x\n1 a 01/01 00:00:00 ### text\n", first_line=501)

    assert stats.unparsed_line_numbers == [501]
    assert records[0].line_number == 502


def test_continuations_beyond_limit_are_unparsed():
    lines = [b"1 a 01/01 00:00:00 ### start"]
    lines += [b"wrapped %d" % number for number in range(MAX_CONTINUATION_LINES + 3)]

    records, stats = parse_bytes(b"\n".join(lines) + b"\n")

    assert records[0].continuation_lines == MAX_CONTINUATION_LINES
    assert stats.unparsed_lines == 3


def test_line_with_nul_is_unparsed_not_joined():
    data = b"1 a 01/01 00:00:00 ### start\nbad\x00line\n"

    records, stats = parse_bytes(data)

    assert records[0].message == "start"
    assert stats.unparsed_line_numbers == [2]


def test_undecodable_bytes_are_replaced_and_counted():
    data = (
        b"1 a 01/01 00:00:00 ### caf\xe9 mount \xff path\n1 a 01/01 00:00:01 ### ok\n"
    )

    records, stats = parse_bytes(data)

    assert stats.undecodable_lines == 1
    assert "\ufffd" in records[0].message
    assert records[1].message == "ok"


def test_utf16_file_is_decoded():
    text = "1 a 01/01 00:00:00 ### Pruned AfId [5] completely\r\n2 b 01/01 00:00:01 ### x\r\n"
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")

    records, stats = parse_bytes(data)

    assert len(records) == 2
    assert records[0].message == "Pruned AfId [5] completely"
    assert stats.undecodable_lines == 0


def test_enormous_line_is_cut():
    huge = b"1 a 01/01 00:00:00 ### " + b"x" * (MAX_LINE_BYTES * 3) + b"\n"
    data = huge + b"1 a 01/01 00:00:01 ### next\n"

    records, stats = parse_bytes(data)

    assert stats.long_lines == 1
    assert stats.total_lines == 2
    assert len(records[0].message) < MAX_LINE_BYTES
    assert records[1].message == "next"
    assert records[1].line_number == 2


def test_missing_final_newline_is_flagged():
    records, stats = parse_bytes(b"1 a 01/01 00:00:00 ### cut off in the mid")

    assert records[0].message == "cut off in the mid"
    assert stats.missing_final_newline is True


def test_crlf_line_ends_are_removed():
    records, _ = parse_bytes(b"1 a 01/01 00:00:00 ### windows\r\n")

    assert records[0].message == "windows"


def test_invalid_date_is_unparsed():
    records, stats = parse_bytes(
        b"1 a 01/01 00:00:00 ### ok\n1 a 02/30 00:00:00 ### bad\n"
    )

    assert len(records) == 1
    assert stats.unparsed_line_numbers == [2]


def test_time_range_is_recorded():
    _, stats = parse_fixture("SIDBPrune.log")

    assert stats.first_at == datetime(2026, 12, 30, 23, 58, 1)
    assert stats.last_at == datetime(2027, 1, 2, 0, 1, 10)


def test_check_text_sample_rejects_binary():
    with pytest.raises(BinaryContentError, match="binary"):
        check_text_sample(bz2.compress(b"x" * 1000) + bytes(range(256)) * 4)


def test_check_text_sample_accepts_log_text():
    check_text_sample((FIXTURES / "SIDBEngine.log").read_bytes())


def test_parse_is_lazy_on_large_input():
    """The parser yields records before reading the whole stream."""

    class Endless(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            line = b"1 a 01/01 00:00:00 ### again\n"
            count = len(buffer) // len(line)
            buffer[: count * len(line)] = line * count
            return count * len(line)

    stats = ParseStats()
    records = parse_stream(io.BufferedReader(Endless()), FILE_DATE, stats)

    first = [next(records) for _ in range(1000)]
    assert len(first) == 1000


def test_utf8_byte_order_mark_is_removed():
    records, stats = parse_bytes(codecs.BOM_UTF8 + b"1 a 01/01 00:00:00 ### text\n")

    assert len(records) == 1
    assert stats.unparsed_lines == 0
