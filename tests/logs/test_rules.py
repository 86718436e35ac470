"""Error events of the logs become findings through the `logs.errors` analyzer."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.core import analysis
from apps.core.findings import registered_analyzers
from apps.core.models import Finding
from apps.logs.rules import log_error_findings
from tests.factories import (
    CommCellFactory,
    DDBStoreFactory,
    LogEventFactory,
    LogFileFactory,
    MediaAgentFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def commcell():
    return CommCellFactory(name="cc-rules")


@pytest.fixture
def log_file(commcell):
    return LogFileFactory(commcell=commcell, log_type="CVMA")


def error(log_file, code, hours_ago, severity="high", category="error", **fields):
    return LogEventFactory(
        log_file=log_file,
        commcell=log_file.commcell,
        code=code,
        category=category,
        severity=severity,
        log_type=fields.pop("log_type", "CVMA"),
        occurred_at=NOW - timedelta(hours=hours_ago),
        store_cv_id=fields.pop("store_cv_id", None),
        **fields,
    )


def by_code(commcell, now=NOW) -> dict:
    return {finding.code: finding for finding in log_error_findings(commcell, now)}


def test_analyzer_is_registered():
    assert registered_analyzers()["logs.errors"] is log_error_findings


def test_permission_denied_on_media_agent(commcell, log_file):
    agent = MediaAgentFactory(commcell=commcell, name="ma04")
    for hours in (30, 20, 2):
        error(
            log_file,
            "storage.permission_denied",
            hours,
            media_agent=agent,
            media_agent_name="ma04",
            message=f"OpenFile failed ErrNo.13.(Permission denied) at {hours}",
        )

    finding = by_code(commcell)["logs.storage.permission_denied"]

    assert finding.severity == "high"
    assert finding.subject_type == "media_agent"
    assert finding.subject_id == agent.pk
    assert finding.title.startswith("MediaAgent ma04 cannot read or delete")
    assert "3 times" in finding.title
    assert finding.evidence["events"] == 3
    assert finding.evidence["first_seen"] == (NOW - timedelta(hours=30)).isoformat()
    assert finding.evidence["last_seen"] == (NOW - timedelta(hours=2)).isoformat()
    assert finding.evidence["example"].endswith("at 2")
    assert "rights on the mount path" in finding.recommendation


def test_ddb_offline_is_critical_per_store(commcell, log_file):
    store = DDBStoreFactory(commcell=commcell, cv_id=21, name="HSXPool01_21")
    error(
        log_file,
        "sidbengine.ddb_offline",
        5,
        severity="critical",
        category="ddb_state",
        ddb_store=store,
        store_cv_id=21,
        media_agent_name="ma06",
    )

    finding = by_code(commcell)["logs.sidbengine.ddb_offline"]

    assert finding.severity == "critical"
    assert finding.subject_type == "ddb_store"
    assert finding.subject_id == store.pk
    assert "HSXPool01_21 on MediaAgent ma06" in finding.title
    assert finding.evidence["store_ids"] == [21]


def test_mount_path_per_media_agent(commcell, log_file):
    ma02 = MediaAgentFactory(commcell=commcell, name="ma02")
    ma06 = MediaAgentFactory(commcell=commcell, name="ma06")
    error(log_file, "storage.mount_path_inaccessible", 3, media_agent=ma02)
    error(log_file, "storage.mount_path_inaccessible", 4, media_agent=ma06)

    findings = [
        finding
        for finding in log_error_findings(commcell, NOW)
        if finding.code == "logs.storage.mount_path_inaccessible"
    ]

    assert sorted(finding.subject_id for finding in findings) == [ma02.pk, ma06.pk]
    assert {finding.severity for finding in findings} == {"high"}


def test_unresolved_media_agent_falls_back_to_commcell(commcell, log_file):
    error(
        log_file,
        "mmprune.data_aging_failed",
        1,
        media_agent_name="cs01",
        log_type="MediaManagerPrune",
    )

    finding = by_code(commcell)["logs.mmprune.data_aging_failed"]

    assert finding.subject_type == "commcell"
    assert finding.subject_id is None
    assert finding.title == (
        "CommServe cs01 reported a failed data aging job, so no prune requests "
        "were sent (once at 2026-12-04 11:00 UTC)"
    )
    assert "data aging" in finding.recommendation
    assert finding.severity == "high"


def test_unknown_error_worded_from_description(commcell, log_file):
    agent = MediaAgentFactory(commcell=commcell, name="ma03")
    error(log_file, "sidbengine.resync_failed", 2, media_agent=agent)
    error(log_file, "sidbengine.resync_failed", 2, media_agent=agent)

    finding = by_code(commcell)["logs.sidbengine.resync_failed"]

    assert finding.title.startswith("MediaAgent ma03 logged an error: the DDB ")
    assert "sidbengine.resync_failed" not in finding.title
    assert finding.title.endswith("(2 times at 2026-12-04 10:00 UTC)")


def test_error_without_description_names_matcher(commcell, log_file):
    error(log_file, "custom.disk_error", 1, media_agent_name="ma09")

    finding = by_code(commcell)["logs.custom.disk_error"]

    assert finding.title.startswith(
        'MediaAgent ma09 logged errors that the log matcher "custom.disk_error" finds'
    )


def test_old_and_informational_events_ignored(commcell, log_file):
    error(log_file, "storage.permission_denied", 24 * 8)
    error(log_file, "cvma.volume_deleted", 1, severity="info", category="volume_delete")

    assert by_code(commcell) == {}


def test_other_commcell_not_reported(commcell, log_file):
    other_file = LogFileFactory(commcell=CommCellFactory(name="cc-other"))
    error(other_file, "storage.permission_denied", 1)

    assert by_code(commcell) == {}


def test_analysis_stores_log_findings(commcell, log_file):
    agent = MediaAgentFactory(commcell=commcell, name="ma04")
    error(log_file, "storage.permission_denied", 1, media_agent=agent)

    analysis.run_analysis(
        commcell, now=NOW, analyzers={"logs.errors": log_error_findings}
    )

    stored = Finding.objects.get(code="logs.storage.permission_denied")
    assert stored.subject_type == "media_agent"
    assert stored.severity == "high"
