"""Uploads that cannot be parsed as they are: ids out of range, failures, stalls, re-uploads."""

import bz2
import gzip
import io
import warnings
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.models import AuditLog
from apps.logs import services
from apps.logs.ingest import UploadRejected, UploadRequest, parse_log_file, store_upload
from apps.logs.matching import MatcherSet
from apps.logs.models import LogEvent, LogFile
from apps.logs.services import parses_inline, upload_logs
from tests.factories import CommCellFactory, UserFactory
from tests.logs.conftest import fixture_bytes

pytestmark = pytest.mark.django_db

COLLECTED = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
TOO_LARGE = 99_999_999_999_999_999_999
HUGE_JOB_LINE = (
    f"4312  1a2b  12/02 03:00:11 {TOO_LARGE} 21-2-21-0 PruneAf  812  Pruned AfId "
    "[1] of job 7 completely.\n"
).encode()
HUGE_STORE_LINE = (
    f"4312  1a2b  12/02 03:00:12 ### {TOO_LARGE}-2-21-0 PruneAf  812  Pruned AfId "
    "[2] of job 8 completely.\n"
).encode()


@pytest.fixture
def commcell():
    return CommCellFactory(name="cc-failures")


@pytest.fixture
def upload_request(commcell):
    return UploadRequest(
        commcell=commcell,
        media_agent_name="ma-fail-01",
        time_zone="UTC",
        user=UserFactory(username="loader", role="admin"),
        file_date=COLLECTED,
    )


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def form(commcell, *files, **extra) -> dict:
    data = {
        "commcell": commcell.pk,
        "media_agent_name": "ma-fail-01",
        "time_zone": "UTC",
        "file_date": "2026-01-05T12:00",
        "files": list(files),
    }
    data.update(extra)
    return data


# Ids too large for a 64-bit column -------------------------------------------------


def test_out_of_range_ids_stored_empty(log_storage, upload_request):
    (stored,) = store_upload(
        upload("SIDBPrune.log", HUGE_JOB_LINE + HUGE_STORE_LINE), upload_request
    )

    log_file = parse_log_file(stored.pk)

    assert log_file.status == LogFile.Status.PARSED
    events = list(LogEvent.objects.filter(log_file=log_file).order_by("line_number"))
    assert len(events) == 2
    assert events[0].job_id is None
    assert events[0].store_cv_id == 21
    assert events[1].store_cv_id is None
    assert (
        "2 lines had a job or store id above 9223372036854775807, so their events "
        "are stored without that id."
    ) in log_file.warnings


def test_one_out_of_range_id_warning(log_storage, upload_request):
    (stored,) = store_upload(upload("SIDBPrune.log", HUGE_JOB_LINE), upload_request)

    log_file = parse_log_file(stored.pk)

    assert (
        "1 line had a job or store id above 9223372036854775807, so its event is "
        "stored without that id."
    ) in log_file.warnings


def test_api_upload_out_of_range_id(admin_role_client, commcell, log_storage):
    response = admin_role_client.post(
        "/api/log-files/upload/",
        {"commcell": commcell.pk, "files": [upload("SIDBPrune.log", HUGE_JOB_LINE)]},
    )

    assert response.status_code == 201
    (log_file,) = response.json()["log_files"]
    assert log_file["parse_status"] == "parsed"
    assert log_file["matched_lines"] == 1


def test_unexpected_error_marks_file_failed(log_storage, upload_request, monkeypatch):
    def broken(self, log_type, record):
        raise RuntimeError("matcher exploded")

    monkeypatch.setattr(MatcherSet, "match", broken)
    (stored,) = store_upload(
        upload("CVMA.log", fixture_bytes("CVMA.log")), upload_request
    )

    log_file = parse_log_file(stored.pk)

    assert log_file.status == LogFile.Status.FAILED
    assert "matcher exploded" in log_file.error
    assert "Parse again" in log_file.error


def test_file_list_stops_polling_after_failure(viewer_client, commcell):
    LogFile.objects.create(
        commcell=commcell,
        original_name="CVMA.log",
        log_type="CVMA",
        sha256="f" * 64,
        size=10,
        origin=LogFile.Origin.UPLOAD,
        stored_path="/nonexistent",
        file_date=COLLECTED,
        status=LogFile.Status.FAILED,
        error="broken",
    )

    response = viewer_client.get("/logs/")

    assert response.status_code == 200
    assert b"log-file-poll" not in response.content


# Where the parse runs --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "inline"),
    [
        ("CVMA.log", True),
        ("CVMA.log.gz", False),
        ("CVMA.log.bz2", False),
    ],
)
def test_only_small_plain_files_parse_inline(commcell, name, inline):
    log_file = LogFile(original_name=name, size=1000)

    assert parses_inline(log_file) is inline


def test_zip_member_parses_in_worker():
    log_file = LogFile(original_name="logs.zip", archive_member="CVMA.log", size=10)

    assert parses_inline(log_file) is False


def test_small_archive_upload_is_queued_not_parsed(
    log_storage, upload_request, django_capture_on_commit_callbacks
):
    data = gzip.compress(fixture_bytes("CVMA.log"))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcome = upload_logs([upload("CVMA.log.gz", data)], upload_request)

    (log_file,) = outcome.stored
    assert log_file.status == LogFile.Status.QUEUED
    assert log_file.events.count() == 0
    assert len(callbacks) == 1


# Uploading again -------------------------------------------------------------------


def _store(upload_request, name="CVMA.log", data=None) -> LogFile:
    (log_file,) = store_upload(
        upload(name, data if data is not None else fixture_bytes("CVMA.log")),
        upload_request,
    )
    return log_file


@pytest.mark.parametrize("status", [LogFile.Status.FAILED, LogFile.Status.PARTIAL])
def test_failed_file_can_be_uploaded_again(log_storage, upload_request, status):
    earlier = _store(upload_request)
    LogFile.objects.filter(pk=earlier.pk).update(status=status, error="stopped")

    again = _store(upload_request)

    assert not LogFile.objects.filter(pk=earlier.pk).exists()
    assert list(LogFile.objects.values_list("pk", flat=True)) == [again.pk]


def test_stalled_file_can_be_uploaded_again(log_storage, upload_request):
    earlier = _store(upload_request)
    LogFile.objects.filter(pk=earlier.pk).update(
        status=LogFile.Status.PARSING,
        progress_at=datetime.now(UTC) - timedelta(hours=2),
    )

    again = _store(upload_request)

    assert LogFile.objects.get().pk == again.pk


def test_running_parse_refuses_upload_again(log_storage, upload_request):
    earlier = _store(upload_request)
    LogFile.objects.filter(pk=earlier.pk).update(
        status=LogFile.Status.PARSING, progress_at=datetime.now(UTC)
    )

    with pytest.raises(UploadRejected, match="parsing now"):
        _store(upload_request)


def test_parsed_file_refuses_upload_again(log_storage, upload_request):
    earlier = _store(upload_request)
    parse_log_file(earlier.pk)

    with pytest.raises(UploadRejected, match="already stored"):
        _store(upload_request)


def test_admin_parses_failed_file_again(
    admin_role_user, client, log_storage, upload_request
):
    admin_role_user.is_staff = True
    admin_role_user.save()
    client.force_login(admin_role_user)
    failed = _store(upload_request)
    LogFile.objects.filter(pk=failed.pk).update(status=LogFile.Status.FAILED)
    parsed = _store(upload_request, "SIDBPrune.log", fixture_bytes("SIDBPrune.log"))
    parse_log_file(parsed.pk)

    response = client.post(
        "/admin/logs/logfile/",
        {"action": "parse_again", "_selected_action": [failed.pk, parsed.pk]},
        follow=True,
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "1 log file sent" in text
    assert "only failed, partly parsed or stalled files" in text
    failed.refresh_from_db()
    parsed.refresh_from_db()
    assert failed.status == LogFile.Status.QUEUED
    assert parsed.status == LogFile.Status.PARSED
    audit = AuditLog.objects.get(action="logs.parse_again")
    assert audit.object_id == str(failed.pk)
    assert audit.before["status"] == "failed"


def test_parse_again_runs_the_parse(log_storage, upload_request, monkeypatch):
    failed = _store(upload_request)
    LogFile.objects.filter(pk=failed.pk).update(status=LogFile.Status.FAILED)
    failed.refresh_from_db()
    sent = []
    monkeypatch.setattr(services, "queue_parse", sent.append)

    assert services.parse_again(failed, upload_request.user)
    assert failed.is_stalled() is False


# Reporting failures ----------------------------------------------------------------


def test_page_reports_file_that_fails_to_read(
    admin_role_client, commcell, log_storage, monkeypatch
):
    def broken(self, log_type, record):
        raise RuntimeError("matcher exploded")

    monkeypatch.setattr(MatcherSet, "match", broken)

    response = admin_role_client.post(
        "/logs/upload", form(commcell, upload("CVMA.log", fixture_bytes("CVMA.log")))
    )

    text = response.content.decode()
    assert response.status_code == 400
    assert "could not be read" in text
    assert "matcher exploded" in text


def test_api_reports_file_that_fails_to_read(
    admin_role_client, commcell, log_storage, monkeypatch
):
    def broken(self, log_type, record):
        raise RuntimeError("matcher exploded")

    monkeypatch.setattr(MatcherSet, "match", broken)

    response = admin_role_client.post(
        "/api/log-files/upload/",
        {
            "commcell": commcell.pk,
            "files": [upload("CVMA.log", fixture_bytes("CVMA.log"))],
        },
    )

    body = response.json()
    assert response.status_code == 400
    assert body["failed"][0]["name"] == "CVMA.log"
    assert "matcher exploded" in body["failed"][0]["error"]


def test_truncated_bz2_rejected_at_upload(log_storage, upload_request):
    data = bz2.compress(fixture_bytes("CVMA.log") * 50)[:40]

    with pytest.raises(UploadRejected, match="ends early or is damaged"):
        store_upload(upload("CVMA.log.bz2", data), upload_request)

    assert LogFile.objects.count() == 0


def test_zip_with_binary_member_rejected_at_upload(log_storage, upload_request):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("CVMA.log", bytes(range(256)) * 40)

    with pytest.raises(UploadRejected, match="CVMA.log"):
        store_upload(upload("bundle.zip", buffer.getvalue()), upload_request)


# Collected at ----------------------------------------------------------------------


def test_api_refuses_collected_date_in_future(admin_role_client, commcell, log_storage):
    response = admin_role_client.post(
        "/api/log-files/upload/",
        {
            "commcell": commcell.pk,
            "file_date": "2030-01-01T00:00:00",
            "files": [upload("CVMA.log", fixture_bytes("CVMA.log"))],
        },
    )

    assert response.status_code == 400
    assert "2030-01-01 00:00" in response.json()["file_date"][0]
    assert "future" in response.json()["file_date"][0]
    assert LogFile.objects.count() == 0


def test_page_and_api_read_collected_date_alike(
    admin_role_client, commcell, log_storage
):
    admin_role_client.post(
        "/logs/upload",
        form(
            commcell,
            upload("CVMA.log", fixture_bytes("CVMA.log")),
            time_zone="Pacific/Auckland",
            file_date="2026-01-01T05:00",
        ),
    )
    admin_role_client.post(
        "/api/log-files/upload/",
        {
            "commcell": commcell.pk,
            "time_zone": "Pacific/Auckland",
            "file_date": "2026-01-01T05:00",
            "files": [upload("SIDBPrune.log", fixture_bytes("SIDBPrune.log"))],
        },
    )

    dates = {f.log_type: f.file_date for f in LogFile.objects.all()}
    assert dates["CVMA"] == dates["SIDBPrune"]
    assert dates["CVMA"] == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)


# Smaller -----------------------------------------------------------------------------


def test_zip_duplicate_member_names(log_storage, upload_request):
    first = (
        b"3304 44c 09/10 08:00:01 ### Deleted directory [E:\\mp\\CV_MAGNETIC\\V_11]\n"
    )
    second = (
        b"3304 44c 09/10 08:00:02 ### Deleted directory [E:\\mp\\CV_MAGNETIC\\V_12]\n"
    )
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(buffer, "w") as bundle:
            bundle.writestr("CVMA.log", first)
            bundle.writestr("CVMA.log", second)

    stored = store_upload(upload("dup.zip", buffer.getvalue()), upload_request)
    parsed = [parse_log_file(log_file.pk) for log_file in stored]

    assert [log_file.archive_member for log_file in parsed] == [
        "CVMA.log",
        "CVMA.log (2)",
    ]
    assert [log_file.log_type for log_file in parsed] == ["CVMA", "CVMA"]
    volumes = [
        [event.counts["volume_id"] for event in log_file.events.all()]
        for log_file in parsed
    ]
    assert volumes == [[11], [12]]


def test_one_long_line_warning_is_singular(log_storage, upload_request):
    line = b"3304 44c 09/10 08:00:01 ### " + b"x" * 70_000 + b"\n"

    log_file = parse_log_file(_store(upload_request, data=line).pk)

    assert any(w.startswith("1 line was longer") for w in log_file.warnings)


def test_lines_out_of_order_give_earliest_to_latest(log_storage, upload_request):
    data = (
        b"3304 44c 09/10 09:00:00 ### Deleted directory [E:\\mp\\CV_MAGNETIC\\V_1]\n"
        b"3304 44c 09/10 08:00:00 ### Deleted directory [E:\\mp\\CV_MAGNETIC\\V_2]\n"
    )

    log_file = parse_log_file(_store(upload_request, data=data).pk)

    assert log_file.first_event_at < log_file.last_event_at
    assert log_file.first_event_at.hour == 8
    assert any("dated before the line above" in w for w in log_file.warnings)


def test_events_api_media_agent_filters(viewer_client, commcell):
    from tests.factories import LogEventFactory, LogFileFactory, MediaAgentFactory

    agent = MediaAgentFactory(commcell=commcell, name="ma-id-01")
    log_file = LogFileFactory(commcell=commcell)
    LogEventFactory(log_file=log_file, media_agent=agent, media_agent_name="ma-id-01")
    LogEventFactory(log_file=log_file, media_agent=None, media_agent_name="other")

    by_id = viewer_client.get(f"/api/log-events/?media_agent={agent.pk}").json()
    by_name = viewer_client.get("/api/log-events/?media_agent_name=MA-ID-01").json()

    assert [event["media_agent"] for event in by_id["results"]] == [agent.pk]
    assert [event["media_agent_name"] for event in by_name["results"]] == ["ma-id-01"]


def test_viewer_sees_no_upload_button(viewer_client, admin_role_client):
    assert b"Upload logs" not in viewer_client.get("/logs/").content
    assert b"Upload logs" in admin_role_client.get("/logs/").content
