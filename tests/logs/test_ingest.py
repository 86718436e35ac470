import bz2
import gzip
import io
import os
import zipfile
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.logs import ingest
from apps.logs.ingest import UploadRejected, UploadRequest, parse_log_file, store_upload
from apps.logs.models import LogEvent, LogFile
from tests.factories import (
    CommCellFactory,
    DDBStoreFactory,
    MediaAgentFactory,
    UserFactory,
)
from tests.logs.conftest import fixture_bytes

pytestmark = pytest.mark.django_db

COLLECTED = datetime(2027, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def commcell():
    return CommCellFactory(name="cc-logs")


@pytest.fixture
def upload_request(commcell):
    return UploadRequest(
        commcell=commcell,
        media_agent_name="mediaagent07",
        time_zone="UTC",
        user=UserFactory(username="uploader", role="admin"),
        file_date=COLLECTED,
    )


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def store_and_parse(name: str, data: bytes, request: UploadRequest) -> list[LogFile]:
    stored = store_upload(upload(name, data), request)
    return [parse_log_file(log_file.pk) for log_file in stored]


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


def test_upload_parses_events(log_storage, upload_request):
    (log_file,) = store_and_parse(
        "SIDBEngine.log", fixture_bytes("SIDBEngine.log"), upload_request
    )

    assert log_file.status == LogFile.Status.PARSED
    assert log_file.log_type == "SIDBEngine"
    assert log_file.total_lines == 10
    assert log_file.matched_lines == 8
    assert log_file.unparsed_lines == 0
    assert log_file.events.count() == 8
    assert log_file.first_event_at == datetime(2026, 3, 14, 2, 0, 1, tzinfo=UTC)


def test_upload_event_fields(log_storage, upload_request):
    store = DDBStoreFactory(commcell=upload_request.commcell, cv_id=4101)
    agent = MediaAgentFactory(commcell=upload_request.commcell, name="MediaAgent07")

    store_and_parse("SIDBEngine.log", fixture_bytes("SIDBEngine.log"), upload_request)
    marked = LogEvent.objects.get(code="sidbengine.mark_sweep_marked")
    requested = LogEvent.objects.get(code="sidbengine.engine_requested")

    assert marked.category == "mark_and_sweep"
    assert marked.counts == {"total": 5120334, "valid": 5011200, "invalid": 109134}
    assert marked.store_cv_id == 4101
    assert marked.ddb_store == store
    assert marked.media_agent == agent
    assert marked.media_agent_name == "mediaagent07"
    assert marked.line_number == 2
    assert requested.job_id == 612377


def test_store_of_other_commcell_not_linked(log_storage, upload_request):
    DDBStoreFactory(cv_id=4101)

    store_and_parse("SIDBPrune.log", fixture_bytes("SIDBPrune.log"), upload_request)

    event = LogEvent.objects.filter(store_cv_id=4101).first()
    assert event is not None
    assert event.ddb_store is None


@pytest.mark.parametrize(
    ("fixture", "codes"),
    [
        (
            "SIDBPrune.log",
            ["sidbprune.af_pruned", "sidbprune.chunk_finalized"] * 2,
        ),
        (
            "SIDBPhysicalDeletes.log",
            ["physicaldeletes.hole_drilled"] * 2,
        ),
        (
            "CVMA.log",
            [
                "cvma.chunk_folder_deleted",
                "cvma.volume_deleted",
                "storage.mount_path_inaccessible",
                "storage.permission_denied",
            ],
        ),
        ("MediaManagerPrune.log", ["mmprune.magnetic_submitted"]),
        (
            "MediaManager.log",
            ["mediamanager.ddb_prune_requested", "mediamanager.pruning_start_stop"],
        ),
        (
            "CloudFileAccess.log",
            ["cloud.chunk_object_removed"] * 2 + ["cloud.object_removed"],
        ),
        ("clBackup.log", ["storage.permission_denied"]),
    ],
)
def test_matchers_per_log_type(log_storage, upload_request, fixture, codes):
    (log_file,) = store_and_parse(fixture, fixture_bytes(fixture), upload_request)

    found = list(log_file.events.order_by("line_number").values_list("code", flat=True))
    assert found == codes


def test_unknown_log_type_counted(log_storage, upload_request):
    (log_file,) = store_and_parse(
        "clBackup.log", fixture_bytes("clBackup.log"), upload_request
    )

    assert log_file.log_type == "clBackup"
    assert log_file.log_type_known is False
    assert log_file.total_lines == 4


def test_unparsed_line_numbers_stored(log_storage, upload_request):
    (log_file,) = store_and_parse("CVMA.log", fixture_bytes("CVMA.log"), upload_request)

    assert log_file.unparsed_lines == 2
    assert log_file.unparsed_line_numbers == [1, 5]


def test_disabled_matcher_is_skipped(log_storage, upload_request):
    from apps.logs.models import LogMatcher

    LogMatcher.objects.filter(code="cvma.volume_deleted").update(enabled=False)

    (log_file,) = store_and_parse("CVMA.log", fixture_bytes("CVMA.log"), upload_request)

    assert not log_file.events.filter(code="cvma.volume_deleted").exists()


def test_zip_bundle_gives_file_per_member(log_storage, upload_request):
    data = zip_bytes(
        {
            "ma07/SIDBPrune.log": fixture_bytes("SIDBPrune.log"),
            "ma07/CVMA_1.log": fixture_bytes("CVMA.log"),
        }
    )

    files = store_and_parse("bundle.zip", data, upload_request)

    assert [log_file.log_type for log_file in files] == ["SIDBPrune", "CVMA"]
    assert [log_file.archive_member for log_file in files] == [
        "ma07/SIDBPrune.log",
        "ma07/CVMA_1.log",
    ]
    assert all(log_file.status == LogFile.Status.PARSED for log_file in files)
    assert files[0].events.count() == 4
    assert files[1].events.count() == 4


def test_gzip_and_bzip2_uploads(log_storage, upload_request):
    raw = fixture_bytes("SIDBPrune.log")

    (gz,) = store_and_parse("SIDBPrune_2.log.gz", gzip.compress(raw), upload_request)
    (bz,) = store_and_parse("SIDBPrune.log.1.bz2", bz2.compress(raw), upload_request)

    assert gz.status == LogFile.Status.PARSED
    assert gz.events.count() == 4
    assert bz.status == LogFile.Status.PARSED
    assert bz.events.count() == 4


def test_duplicate_upload_rejected(log_storage, upload_request):
    data = fixture_bytes("CVMA.log")
    (first,) = store_upload(upload("CVMA.log", data), upload_request)

    with pytest.raises(UploadRejected) as caught:
        store_upload(upload("CVMA_copy.log", data), upload_request)

    message = str(caught.value)
    assert '"CVMA.log"' in message
    assert f"log file {first.pk}" in message
    assert "uploader" in message
    assert LogFile.objects.count() == 1


def test_same_file_other_commcell_accepted(log_storage, upload_request):
    data = fixture_bytes("CVMA.log")
    store_upload(upload("CVMA.log", data), upload_request)
    other = UploadRequest(
        commcell=CommCellFactory(name="cc-other"),
        media_agent_name="",
        time_zone="UTC",
        user=upload_request.user,
    )

    stored = store_upload(upload("CVMA.log", data), other)

    assert len(stored) == 1


def test_upload_over_size_limit_rejected(log_storage, upload_request, settings):
    settings.CVANALYTICS_LOG_UPLOAD_MAX_BYTES = 100

    with pytest.raises(UploadRejected, match="maximum is 100 bytes"):
        store_upload(upload("CVMA.log", fixture_bytes("CVMA.log")), upload_request)

    assert LogFile.objects.count() == 0
    assert not log_storage.exists() or list(log_storage.iterdir()) == []


def test_binary_upload_rejected(log_storage, upload_request):
    data = bytes(range(256)) * 64

    with pytest.raises(UploadRejected, match="binary"):
        store_upload(upload("SIDBPrune.log", data), upload_request)

    assert LogFile.objects.count() == 0
    assert [path.name for path in log_storage.iterdir()] == []


def test_zip_ratio_bomb_rejected(log_storage, upload_request):
    data = zip_bytes({"SIDBPrune.log": b"\n" * (20 * 1024 * 1024)})

    with pytest.raises(UploadRejected, match="decompression bomb"):
        store_upload(upload("bomb.zip", data), upload_request)

    assert LogFile.objects.count() == 0


def test_zip_total_size_cap(log_storage, upload_request, settings):
    settings.CVANALYTICS_LOG_MAX_DECOMPRESSED_BYTES = 1000
    data = zip_bytes({"SIDBPrune.log": fixture_bytes("SIDBPrune.log") * 10})

    with pytest.raises(UploadRejected, match="more than 1000 bytes"):
        store_upload(upload("big.zip", data), upload_request)


def test_zip_member_count_cap(log_storage, upload_request, settings):
    settings.CVANALYTICS_LOG_MAX_ARCHIVE_MEMBERS = 3
    data = zip_bytes({f"CVMA_{number}.log": b"x\n" for number in range(4)})

    with pytest.raises(UploadRejected, match="4 files; at most 3"):
        store_upload(upload("many.zip", data), upload_request)


def test_nested_archive_rejected(log_storage, upload_request):
    inner = zip_bytes({"CVMA.log": fixture_bytes("CVMA.log")})
    data = zip_bytes({"inner.zip": inner})

    with pytest.raises(UploadRejected, match="archives inside archives"):
        store_upload(upload("outer.zip", data), upload_request)


# About 3 KB of text that does not compress, so the first 64 KiB pass the ratio
# cap, then 30 MiB of line ends that push the whole file far past it.
BOMB_TEXT = (
    b"1 a 01/01 00:00:00 ### x\n"
    + b"".join(os.urandom(16).hex().encode() + b"\n" for _ in range(100))
    + b"\n" * (30 * 1024 * 1024)
)


@pytest.mark.parametrize(
    ("name", "compress"),
    [("CVMA.log.gz", gzip.compress), ("CVMA.log.bz2", bz2.compress)],
)
def test_bomb_past_sniff_rejected_at_upload(
    log_storage, upload_request, name, compress
):
    data = compress(BOMB_TEXT)

    with pytest.raises(UploadRejected, match="decompression bomb") as raised:
        store_upload(upload(name, data), upload_request)

    assert f'"{name}"' in str(raised.value)
    assert not LogFile.objects.exists()
    assert [path.name for path in log_storage.iterdir()] == []


def test_gzip_total_cap_at_upload(log_storage, upload_request, settings):
    settings.CVANALYTICS_LOG_MAX_DECOMPRESSED_BYTES = 100 * 1024
    lines = [os.urandom(32).hex().encode() + b"\n" for _ in range(3000)]
    data = gzip.compress(b"".join(lines))

    with pytest.raises(UploadRejected, match="more than 102400 bytes"):
        store_upload(upload("SIDBPrune.log.gz", data), upload_request)


def test_zip_member_bomb_rejected(log_storage, upload_request):
    honest = os.urandom(3 * 1024 * 1024).hex().encode()
    bomb = b"\n" * (20 * 1024 * 1024)
    data = zip_bytes({"CVMA_1.log": honest, "CVMA_2.log": bomb})

    with pytest.raises(UploadRejected, match='member "CVMA_2.log"'):
        store_upload(upload("bundle.zip", data), upload_request)

    assert not LogFile.objects.exists()


def test_gzip_bomb_stops_reading(log_storage, upload_request, settings):
    data = gzip.compress(BOMB_TEXT)
    settings.CVANALYTICS_LOG_MAX_COMPRESSION_RATIO = 100_000
    (stored,) = store_upload(upload("CVMA.log.gz", data), upload_request)
    settings.CVANALYTICS_LOG_MAX_COMPRESSION_RATIO = 200

    log_file = parse_log_file(stored.pk)

    assert log_file.status == LogFile.Status.PARTIAL
    assert "decompression bomb" in log_file.error


def test_gzip_inside_gzip_rejected_at_upload(log_storage, upload_request):
    data = gzip.compress(gzip.compress(fixture_bytes("CVMA.log")))

    with pytest.raises(UploadRejected, match="archives inside archives"):
        store_upload(upload("CVMA.log.gz", data), upload_request)

    assert not LogFile.objects.exists()


def test_truncated_gzip_keeps_events_read(log_storage, upload_request):
    lines = b"".join(
        b"3304 44c 09/10 08:%02d:%02d ### Deleted directory [E:\\mp\\CV_MAGNETIC\\V_%d]\n"
        % (number // 60 % 60, number % 60, number)
        for number in range(20000)
    )
    data = gzip.compress(lines)
    cut = data[: len(data) // 2]

    (log_file,) = store_and_parse("CVMA.log.gz", cut, upload_request)

    assert log_file.status == LogFile.Status.PARTIAL
    assert "ends early" in log_file.error
    assert 0 < log_file.events.count() < 20000
    assert log_file.events.count() == log_file.matched_lines


def test_damaged_zip_rejected(log_storage, upload_request):
    data = zip_bytes({"CVMA.log": fixture_bytes("CVMA.log")})

    with pytest.raises(UploadRejected, match="damaged or truncated"):
        store_upload(upload("cut.zip", data[:40]), upload_request)


def test_truncated_plain_file_warned(log_storage, upload_request):
    data = fixture_bytes("SIDBPrune.log").rstrip(b"\n")[:-20]

    (log_file,) = store_and_parse("SIDBPrune.log", data, upload_request)

    assert log_file.status == LogFile.Status.PARSED
    assert any("may be truncated" in warning for warning in log_file.warnings)


def test_mis_encoded_lines_counted(log_storage, upload_request):
    data = fixture_bytes("CVMA.log").replace(b"mp02", b"mp\xe902")

    (log_file,) = store_and_parse("CVMA.log", data, upload_request)

    assert log_file.undecodable_lines == 1
    assert log_file.events.filter(message__contains="mp\ufffd02").count() == 1
    assert any("not valid UTF-8" in warning for warning in log_file.warnings)


def test_enormous_line_warned(log_storage, upload_request):
    data = (
        b"1 a 01/01 00:00:00 ### " + b"y" * 300_000 + b"\n" + fixture_bytes("CVMA.log")
    )

    (log_file,) = store_and_parse("CVMA.log", data, upload_request)

    assert log_file.long_lines == 1
    assert log_file.total_lines == 7
    assert log_file.events.count() == 4


def test_reparse_replaces_events(log_storage, upload_request):
    (log_file,) = store_and_parse("CVMA.log", fixture_bytes("CVMA.log"), upload_request)

    parse_log_file(log_file.pk)

    assert log_file.events.count() == 4


def test_missing_stored_file_fails_cleanly(log_storage, upload_request):
    (log_file,) = store_upload(
        upload("CVMA.log", fixture_bytes("CVMA.log")), upload_request
    )
    other = LogEvent.objects.count()
    ingest.Path(log_file.stored_path).unlink()

    parsed = parse_log_file(log_file.pk)

    assert parsed.status == LogFile.Status.FAILED
    assert "No such file" in parsed.error
    assert LogEvent.objects.count() == other


def test_time_zone_applied(log_storage, upload_request):
    request = UploadRequest(
        commcell=upload_request.commcell,
        media_agent_name="",
        time_zone="Europe/Berlin",
        user=upload_request.user,
        file_date=COLLECTED,
    )

    store_and_parse("SIDBEngine.log", fixture_bytes("SIDBEngine.log"), request)

    event = LogEvent.objects.get(code="sidbengine.mark_sweep_started")
    assert event.occurred_at == datetime(2026, 3, 14, 1, 0, 1, tzinfo=UTC)


def test_events_inserted_in_batches(log_storage, upload_request, monkeypatch):
    monkeypatch.setattr(ingest, "EVENT_BATCH_SIZE", 2)
    monkeypatch.setattr(ingest, "PROGRESS_EVERY_LINES", 3)

    (log_file,) = store_and_parse(
        "SIDBEngine.log", fixture_bytes("SIDBEngine.log"), upload_request
    )

    assert log_file.events.count() == 8
    assert log_file.bytes_read == log_file.size


def test_progress_moves_during_parse(log_storage, upload_request, monkeypatch):
    lines = [
        f"1 a 01/01 00:{number // 60 % 60:02d}:{number % 60:02d} ### line {number} "
        f"{os.urandom(8).hex()}\n".encode()
        for number in range(60_000)
    ]
    (stored,) = store_upload(
        upload("CVMA.log.gz", gzip.compress(b"".join(lines))), upload_request
    )
    seen = []
    report = ingest._FileParser._report_progress

    def record_progress(parser, lines_read):
        report(parser, lines_read)
        row = LogFile.objects.get(pk=stored.pk)
        seen.append((row.total_lines, row.progress_percent))

    monkeypatch.setattr(ingest._FileParser, "_report_progress", record_progress)

    log_file = parse_log_file(stored.pk)

    assert log_file.status == LogFile.Status.PARSED
    assert [lines for lines, _percent in seen] == [20_000, 40_000, 60_000]
    percents = [percent for _lines, percent in seen]
    assert 0 < percents[0] < percents[1] < 100


def test_invalid_stored_matcher_skipped(log_storage, upload_request):
    from apps.logs.models import LogMatcher

    LogMatcher.objects.filter(code="cvma.volume_deleted").update(pattern="Deleted (")

    (log_file,) = store_and_parse("CVMA.log", fixture_bytes("CVMA.log"), upload_request)

    assert log_file.status == LogFile.Status.PARSED
    assert log_file.events.count() == 3


SIMULATOR_SHAPED = {
    "SIDBPrune.log": (
        b"2210  1f    11/20 12:00:00 1500002 7001-2-7301-0 LogicalPrune     812  "
        b"Pruned AfId [66120] of store [7001] completely. Records [420]\n",
        "sidbprune.af_pruned",
        {"afid": 66120, "records": 420},
    ),
    "SIDBPhysicalDeletes.log": (
        b"2210  1f    11/20 12:00:00 ### 7001-3-7301-0 H 99120 3 65536\n",
        "physicaldeletes.hole_drilled",
        {"chunk_id": 99120, "sfile": 3},
    ),
    "SIDBEngine.log": (
        b"2210  1f    11/20 12:00:00 ### 7001-0-7301-0 PruneStats      2210  "
        b"Pending delete records [81234]. Pruned in last hour [5000].\n",
        "sidbengine.pending_deletes",
        {"pending_deletes": 81234},
    ),
    "MediaManagerPrune.log": (
        b"2210  1f    11/20 12:00:00 1500002 Prune request for SIDB store [7001] "
        b"sent to MediaAgent [ma03]. Records [420]\n",
        "mmprune.ddb_prune_sent",
        {"records": 420},
    ),
}


@pytest.mark.parametrize("name", sorted(SIMULATOR_SHAPED))
def test_simulator_shaped_lines(log_storage, upload_request, name):
    data, code, counts = SIMULATOR_SHAPED[name]

    (log_file,) = store_and_parse(name, data, upload_request)
    event = log_file.events.get()

    assert event.code == code
    assert event.counts == counts
    assert event.store_cv_id == 7001
