from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from apps.core.models import AuditLog
from apps.logs.models import LogEvent, LogFile
from tests.factories import CommCellFactory, LogEventFactory, LogFileFactory
from tests.logs.conftest import fixture_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def commcell():
    return CommCellFactory(name="cc-upload")


def upload_form(commcell, *files, **extra):
    data = {
        "commcell": commcell.pk,
        "media_agent_name": "mediaagent07",
        "time_zone": "UTC",
        "file_date": "2026-01-05T12:00",
        "files": list(files),
    }
    data.update(extra)
    return data


def log_upload(name: str, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else fixture_bytes(name))


def test_upload_page_as_admin(admin_role_client):
    response = admin_role_client.get("/logs/upload")

    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content


def test_upload_page_rejects_viewer(viewer_client, commcell, log_storage):
    page = viewer_client.get("/logs/upload")
    post = viewer_client.post(
        "/logs/upload", upload_form(commcell, log_upload("CVMA.log"))
    )

    assert page.status_code == 403
    assert post.status_code == 403
    assert LogFile.objects.count() == 0


def test_upload_stores_parses_and_audits(admin_role_client, commcell, log_storage):
    response = admin_role_client.post(
        "/logs/upload",
        upload_form(commcell, log_upload("CVMA.log"), log_upload("SIDBPrune.log")),
    )

    assert response.status_code == 302
    assert response["Location"] == "/logs/"
    files = LogFile.objects.order_by("pk")
    assert [log_file.log_type for log_file in files] == ["CVMA", "SIDBPrune"]
    assert all(log_file.status == LogFile.Status.PARSED for log_file in files)
    assert LogEvent.objects.count() == 8
    audit = AuditLog.objects.filter(action="logs.upload")
    assert audit.count() == 2
    assert audit.first().actor_name == "boss"


def test_upload_uses_collected_date_for_year(admin_role_client, commcell, log_storage):
    admin_role_client.post(
        "/logs/upload", upload_form(commcell, log_upload("SIDBPrune.log"))
    )

    event = LogEvent.objects.order_by("occurred_at").first()
    assert event.occurred_at == datetime(2025, 12, 30, 23, 58, 1, tzinfo=UTC)


def test_upload_duplicate_shows_earlier(admin_role_client, commcell, log_storage):
    admin_role_client.post(
        "/logs/upload", upload_form(commcell, log_upload("CVMA.log"))
    )

    response = admin_role_client.post(
        "/logs/upload", upload_form(commcell, log_upload("CVMA.log"))
    )

    assert response.status_code == 400
    assert "same content" in response.content.decode()
    assert LogFile.objects.count() == 1
    assert AuditLog.objects.filter(action="logs.upload_rejected").count() == 1


def test_upload_bad_time_zone(admin_role_client, commcell, log_storage):
    response = admin_role_client.post(
        "/logs/upload",
        upload_form(commcell, log_upload("CVMA.log"), time_zone="Mars/Base"),
    )

    assert response.status_code == 400
    assert "Mars/Base" in response.content.decode()
    assert LogFile.objects.count() == 0


def test_upload_large_file_queued(
    admin_role_client,
    commcell,
    log_storage,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.CVANALYTICS_LOG_INLINE_PARSE_BYTES = 10
    from apps.logs import tasks

    with django_capture_on_commit_callbacks(execute=True):
        admin_role_client.post(
            "/logs/upload", upload_form(commcell, log_upload("CVMA.log"))
        )
    log_file = LogFile.objects.get()

    assert log_file.status == LogFile.Status.QUEUED
    assert tasks.parse_log_file(log_file.pk) == LogFile.Status.PARSED
    assert log_file.events.count() == 4


def test_file_list_shows_counts(viewer_client):
    LogFileFactory(
        original_name="CVMA_3.log",
        total_lines=120,
        matched_lines=7,
        unparsed_lines=2,
        unparsed_line_numbers=[1, 5],
    )

    response = viewer_client.get("/logs/")
    text = response.content.decode()

    assert response.status_code == 200
    assert "CVMA_3.log" in text
    assert "lines 1, 5" in text


def test_file_list_rejects_no_role(no_role_client):
    assert no_role_client.get("/logs/").status_code == 403


@pytest.fixture
def events():
    log_file = LogFileFactory()
    return [
        LogEventFactory(
            log_file=log_file,
            code="sidbprune.af_pruned",
            category="logical_prune",
            store_cv_id=4101,
            job_id=55120,
            media_agent_name="ma01",
            occurred_at=datetime(2026, 11, 1, 3, 0, tzinfo=UTC),
        ),
        LogEventFactory(
            log_file=log_file,
            code="storage.permission_denied",
            category="error",
            severity="high",
            store_cv_id=None,
            media_agent_name="ma02",
            log_type="CVMA",
            occurred_at=datetime(2026, 11, 3, 3, 0, tzinfo=UTC),
        ),
    ]


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("", ["storage.permission_denied", "sidbprune.af_pruned"]),
        ("category=error", ["storage.permission_denied"]),
        ("log_type=CVMA", ["storage.permission_denied"]),
        ("media_agent_name=MA01", ["sidbprune.af_pruned"]),
        ("store=4101", ["sidbprune.af_pruned"]),
        ("job_id=55120", ["sidbprune.af_pruned"]),
        ("since=2026-11-02T00:00", ["storage.permission_denied"]),
        ("until=2026-11-02T00:00", ["sidbprune.af_pruned"]),
    ],
)
def test_event_list_filters(viewer_client, events, query, codes):
    response = viewer_client.get(f"/logs/events/?{query}")

    assert response.status_code == 200
    found = [event.code for event in response.context["page_obj"]]
    assert found == codes


def test_event_list_htmx_fragment(viewer_client, events):
    response = viewer_client.get("/logs/events/?category=error", HTTP_HX_REQUEST="true")
    text = response.content.decode()

    assert response.status_code == 200
    assert "<form" not in text
    assert "storage.permission_denied" in text


def test_event_list_invalid_range(viewer_client, events):
    response = viewer_client.get(
        "/logs/events/?since=2026-11-05T00:00&until=2026-11-01T00:00"
    )
    text = response.content.decode()

    assert "swap the two values" in text
    assert list(response.context["page_obj"]) == []


def test_api_upload_as_admin(admin_role_client, commcell, log_storage):
    response = admin_role_client.post(
        "/api/log-files/upload/",
        {
            "commcell": commcell.pk,
            "media_agent_name": "ma07",
            "files": [log_upload("CVMA.log")],
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["errors"] == []
    assert body["log_files"][0]["matched_lines"] == 4


def test_api_upload_rejects_viewer(viewer_user, commcell, log_storage):
    from django.test import Client

    token = Token.objects.create(user=viewer_user)
    response = Client().post(
        "/api/log-files/upload/",
        {"commcell": commcell.pk, "files": [log_upload("CVMA.log")]},
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )

    assert response.status_code == 403
    assert LogFile.objects.count() == 0


def test_api_upload_rejection_reported(admin_role_client, commcell, log_storage):
    response = admin_role_client.post(
        "/api/log-files/upload/",
        {
            "commcell": commcell.pk,
            "files": [log_upload("CVMA.log", bytes(range(256)) * 40)],
        },
    )

    assert response.status_code == 400
    assert "binary" in response.json()["errors"][0]


@pytest.mark.parametrize("value", ["99999999999999999999", "0", "abc"])
def test_api_upload_unknown_commcell_named(admin_role_client, log_storage, value):
    response = admin_role_client.post(
        "/api/log-files/upload/",
        {"commcell": value, "files": [log_upload("CVMA.log")]},
    )

    assert response.status_code == 400
    message = response.json()["commcell"][0]
    assert f'No CommCell has the id "{value}".' in message
    assert "/api/commcells/" in message
    assert LogFile.objects.count() == 0


def test_api_events_filter(viewer_client, events):
    response = viewer_client.get("/api/log-events/?category=logical_prune")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [event["code"] for event in results] == ["sidbprune.af_pruned"]
    assert results[0]["store_cv_id"] == 4101


def test_api_files_list(viewer_client, events):
    response = viewer_client.get("/api/log-files/")

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_api_matcher_invalid_regex(admin_role_client):
    response = admin_role_client.post(
        "/api/log-matchers/",
        {
            "code": "custom.broken",
            "kind": "regex",
            "pattern": "Pruned (AfId",
            "category": "info",
            "severity": "info",
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "Pruned (AfId" in response.json()["pattern"][0]


def test_api_matcher_create_by_admin_only(admin_role_client, viewer_client):
    body = {
        "code": "custom.ddb_slow",
        "kind": "literal",
        "pattern": "QI time high",
        "category": "ddb_state",
        "severity": "medium",
    }

    created = admin_role_client.post(
        "/api/log-matchers/", body, content_type="application/json"
    )
    rejected = viewer_client.post(
        "/api/log-matchers/",
        {**body, "code": "custom.other"},
        content_type="application/json",
    )

    assert created.status_code == 201
    assert rejected.status_code == 403


def test_api_built_in_matcher_not_deleted(admin_role_client):
    from apps.logs.models import LogMatcher

    matcher = LogMatcher.objects.get(code="cvma.volume_deleted")

    response = admin_role_client.delete(f"/api/log-matchers/{matcher.pk}/")

    assert response.status_code == 400
    assert LogMatcher.objects.filter(pk=matcher.pk).exists()


def test_event_list_one_file(viewer_client, events):
    other = LogEventFactory(code="cvma.volume_deleted")

    response = viewer_client.get(f"/logs/events/?log_file={other.log_file_id}")
    text = response.content.decode()

    assert [event.code for event in response.context["page_obj"]] == [
        "cvma.volume_deleted"
    ]
    assert "Only events of" in text
    assert str(other.log_file) in text


def test_file_list_polls_while_parsing(viewer_client):
    LogFileFactory(status="parsing", size=1000, bytes_read=250)

    page = viewer_client.get("/logs/")
    fragment = viewer_client.get("/logs/", HTTP_HX_REQUEST="true")

    assert 'id="log-file-poll"' in page.content.decode()
    assert "Parsing (25%)" in page.content.decode()
    assert "<h1" not in fragment.content.decode()
    assert 'id="log-file-poll"' in fragment.content.decode()


def test_file_list_stops_polling_when_parsed(viewer_client):
    LogFileFactory(status="parsed")

    response = viewer_client.get("/logs/", HTTP_HX_REQUEST="true")

    assert 'id="log-file-poll"' not in response.content.decode()


def test_api_files_filter_by_parse_status(viewer_client):
    LogFileFactory(status="parsed")
    LogFileFactory(status="failed")

    response = viewer_client.get("/api/log-files/?parse_status=failed")

    assert response.status_code == 200
    assert [row["parse_status"] for row in response.json()["results"]] == ["failed"]
