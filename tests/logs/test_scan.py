import gzip
import os
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django_celery_beat.models import PeriodicTask

from apps.logs import tasks
from apps.logs.models import LogEvent, LogFile, LogSource
from apps.logs.scan import scan_source
from tests.factories import CommCellFactory
from tests.logs.conftest import fixture_bytes

pytestmark = pytest.mark.django_db

FIRST = (
    b"3304 44c 09/10 08:00:00 ### Deleted directory [E:\\mp\\CV_MAGNETIC\\V_1]\n"
    b"3304 44c 09/10 08:00:01 ### Deleted directory [E:\\mp\\CV_MAGNETIC\\V_2]\n"
)
MORE = b"3304 44c 09/10 08:00:02 ### Deleted directory [E:\\mp\\CV_MAGNETIC\\V_3]\n"
NEWER = b"3304 44c 09/10 09:00:00 ### Deleted directory [E:\\mp\\CV_MAGNETIC\\V_9]\n"


@pytest.fixture
def folder(tmp_path, settings) -> Path:
    settings.CVANALYTICS_LOG_SOURCE_ROOTS = [str(tmp_path)]
    path = tmp_path / "ma07"
    path.mkdir()
    return path


@pytest.fixture
def source(folder):
    return LogSource.objects.create(
        name="ma07",
        commcell=CommCellFactory(name="cc-scan"),
        path=str(folder),
        media_agent_name="mediaagent07",
    )


def volume_ids(log_type: str = "CVMA") -> list[int]:
    events = LogEvent.objects.filter(log_type=log_type).order_by("occurred_at")
    return [event.counts["volume_id"] for event in events]


def test_scan_reads_new_files(source, folder):
    (folder / "CVMA.log").write_bytes(FIRST)
    (folder / "SIDBPrune.log").write_bytes(fixture_bytes("SIDBPrune.log"))

    result = scan_source(source)

    assert result.log_files == 2
    assert volume_ids() == [1, 2]
    assert LogEvent.objects.filter(log_type="SIDBPrune").count() == 4
    assert LogFile.objects.filter(origin="folder", status="parsed").count() == 2


def test_scan_twice_reads_nothing_new(source, folder):
    (folder / "CVMA.log").write_bytes(FIRST)
    scan_source(source)

    result = scan_source(source)

    assert result.log_files == 0
    assert volume_ids() == [1, 2]


def test_scan_reads_only_grown_part(source, folder):
    log = folder / "CVMA.log"
    log.write_bytes(FIRST)
    scan_source(source)

    log.write_bytes(FIRST + MORE)
    scan_source(source)

    assert volume_ids() == [1, 2, 3]
    grown = LogFile.objects.order_by("pk").last()
    assert grown.start_offset == len(FIRST)
    assert grown.first_line_number == 3
    assert grown.events.get().line_number == 3


def test_scan_leaves_unfinished_line(source, folder):
    log = folder / "CVMA.log"
    log.write_bytes(FIRST + MORE[:20])
    scan_source(source)

    log.write_bytes(FIRST + MORE)
    scan_source(source)

    assert volume_ids() == [1, 2, 3]


def test_scan_rolled_over_file_not_read_twice(source, folder):
    log = folder / "CVMA.log"
    log.write_bytes(FIRST)
    scan_source(source)

    # The MediaAgent renames the full log and starts a new one.
    os.rename(log, folder / "CVMA_1.log")
    with open(folder / "CVMA_1.log", "ab") as rolled:
        rolled.write(MORE)
    (folder / "CVMA.log").write_bytes(NEWER)
    scan_source(source)

    assert volume_ids() == [1, 2, 3, 9]
    rolled_file = LogFile.objects.get(original_name="CVMA_1.log")
    assert rolled_file.start_offset == len(FIRST)


def test_scan_rolled_over_by_timestamp_name(source, folder):
    log = folder / "CVMA.log"
    log.write_bytes(FIRST)
    scan_source(source)

    os.rename(log, folder / "CVMA_2026_09_10_08_30_00.log")
    scan_source(source)

    assert volume_ids() == [1, 2]


def test_scan_skips_symlink_out_of_folder(source, folder, tmp_path):
    outside = tmp_path / "secret.log"
    outside.write_bytes(FIRST)
    (folder / "CVMA.log").symlink_to(outside)

    result = scan_source(source)

    assert result.files_seen == 0
    assert LogFile.objects.count() == 0


def test_scan_skips_subfolders(source, folder):
    (folder / "old").mkdir()
    (folder / "old" / "CVMA.log").write_bytes(FIRST)

    result = scan_source(source)

    assert result.files_seen == 0


def test_scan_compressed_version_once(source, folder):
    (folder / "CVMA_3.log.gz").write_bytes(gzip.compress(FIRST))

    scan_source(source)
    scan_source(source)

    assert volume_ids() == [1, 2]


def test_scan_missing_folder_recorded(source, folder):
    folder.rmdir()

    result = scan_source(source)

    source.refresh_from_db()
    assert "does not exist" in result.error
    assert source.last_scan_error == result.error


def test_scan_task_reads_enabled_sources(source, folder):
    (folder / "CVMA.log").write_bytes(FIRST)
    disabled = LogSource.objects.create(
        name="off", commcell=source.commcell, path=str(folder), enabled=False
    )

    assert tasks.scan_log_sources() == 1
    assert not LogFile.objects.filter(log_source=disabled).exists()


def test_scan_schedule_created_by_migration():
    task = PeriodicTask.objects.get(name="Scan log folders")

    assert task.task == "apps.logs.tasks.scan_log_sources"
    assert task.interval.every == 15
    assert task.interval.period == "minutes"


def test_source_path_must_exist(source, tmp_path):
    source.path = str(tmp_path / "missing")

    with pytest.raises(ValidationError, match="does not exist"):
        source.full_clean()


def test_source_path_must_be_folder(source, tmp_path):
    file_path = tmp_path / "file.log"
    file_path.write_bytes(b"x")
    source.path = str(file_path)

    with pytest.raises(ValidationError, match="is not a folder"):
        source.full_clean()


def test_source_path_must_be_absolute(source):
    source.path = "relative/logs"

    with pytest.raises(ValidationError, match="not an absolute path"):
        source.full_clean()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any folder")
def test_source_path_must_be_readable(source, folder):
    folder.chmod(0o000)
    try:
        with pytest.raises(ValidationError, match="not readable"):
            source.full_clean()
    finally:
        folder.chmod(0o755)


def test_scan_one_source_task(source, folder):
    (folder / "CVMA.log").write_bytes(FIRST)

    assert tasks.scan_log_source(source.pk) == 1
    assert tasks.scan_log_source(source.pk + 1000) is None


def test_admin_scan_action_sends_task(admin_role_user, client, source):
    admin_role_user.is_staff = True
    admin_role_user.save()
    client.force_login(admin_role_user)

    response = client.post(
        "/admin/logs/logsource/",
        {"action": "scan_now", "_selected_action": [source.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 folder scan sent" in response.content.decode()


def test_source_path_inside_allowed_root(source, folder, settings):
    settings.CVANALYTICS_LOG_SOURCE_ROOTS = [str(folder.parent)]

    source.full_clean()


def test_source_path_outside_allowed_root(source, tmp_path, settings):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    settings.CVANALYTICS_LOG_SOURCE_ROOTS = [str(allowed)]

    with pytest.raises(ValidationError, match="outside the log folders"):
        source.full_clean()


def test_source_symlink_out_of_root_rejected(source, folder, tmp_path, settings):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "link").symlink_to(folder)
    settings.CVANALYTICS_LOG_SOURCE_ROOTS = [str(allowed)]
    source.path = str(allowed / "link")

    with pytest.raises(ValidationError, match="outside the log folders"):
        source.full_clean()


def test_source_refused_when_no_root_is_set(source, settings):
    settings.CVANALYTICS_LOG_SOURCE_ROOTS = []

    with pytest.raises(ValidationError, match="CVANALYTICS_LOG_SOURCE_ROOTS is empty"):
        source.full_clean()


def test_scan_refused_when_no_root_is_set(source, folder, settings):
    (folder / "CVMA.log").write_bytes(FIRST)
    settings.CVANALYTICS_LOG_SOURCE_ROOTS = []

    result = scan_source(source)

    assert "CVANALYTICS_LOG_SOURCE_ROOTS is empty" in result.error
    assert LogFile.objects.count() == 0


def test_scan_checks_allowed_root(source, folder, tmp_path, settings):
    (folder / "CVMA.log").write_bytes(FIRST)
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    settings.CVANALYTICS_LOG_SOURCE_ROOTS = [str(allowed)]

    result = scan_source(source)

    assert "outside the log folders" in result.error
    assert LogFile.objects.count() == 0
