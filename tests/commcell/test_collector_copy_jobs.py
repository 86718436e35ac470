"""The jobs-on-copies and CommServe time zone steps, collected from the running simulator."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from apps.commcell import services
from apps.commcell.collector.copy_jobs import COPIES_READ
from apps.commcell.collector.runner import run_collection
from apps.commcell.models import CommCell, JobOnCopy, StoragePolicyCopy, SyncRun
from tests.commcell.test_collector import collect, sim_commcell

pytestmark = [pytest.mark.django_db, pytest.mark.simulator]

EASTERN = "(UTC-05:00) Eastern Time (US & Canada)"


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.CVANALYTICS_CLIENT_MAX_RETRIES = 1
    settings.CVANALYTICS_CLIENT_BACKOFF_SECONDS = 0.01


def listed(simulator, copy_id: int, aged_data: int = 0) -> dict[int, dict]:
    """Rows of one copy's job list, read with plain HTTP."""
    token = simulator.login()
    found = {}
    offset = 0
    while True:
        response = simulator.http.get(
            f"{simulator.base_url}/V4/Plan/BackupDestination/{copy_id}/Jobs",
            params={"view": "custom", "startTime": 0, "agedData": aged_data},
            headers={
                "Authtoken": token,
                "Accept": "application/json",
                "limit": "500",
                "offset": str(offset),
            },
        )
        response.raise_for_status()
        rows = response.json()["jobs"]
        for row in rows:
            found[row["jobId"]] = row
        if not rows:
            return found
        offset += len(rows)


def stored(copy: StoragePolicyCopy) -> dict[int, JobOnCopy]:
    return {row.job_id: row for row in JobOnCopy.objects.filter(copy=copy)}


def add_row(
    commcell: CommCell, copy: StoragePolicyCopy, job_id: int, is_aged: bool = False
) -> None:
    JobOnCopy.objects.create(
        commcell=commcell,
        copy=copy,
        job_id=job_id,
        is_aged=is_aged,
        collected_at=timezone.now() - timedelta(days=2),
    )


@pytest.fixture
def collected(sim_faults):
    """A CommCell with one complete collection of the simulator."""
    commcell = sim_commcell(sim_faults, initial_job_days=7)
    run = collect(commcell)
    assert run.status == SyncRun.Status.SUCCEEDED
    return commcell, run


def test_copy_jobs_match_listing(commserve_sim, collected):
    commcell, run = collected

    copies = StoragePolicyCopy.objects.filter(commcell=commcell)
    total = 0
    for copy in copies:
        expected = listed(commserve_sim, copy.cv_id)
        rows = stored(copy)
        assert set(rows) == set(expected), copy
        total += len(rows)
    assert total > 1000
    assert run.counts["copy_jobs"] == total
    assert run.counts[COPIES_READ] == copies.count()
    assert run.progress["copy_jobs"] == {
        "done": copies.count(),
        "total": copies.count(),
    }


def test_copy_jobs_store_values(commserve_sim, collected):
    commcell, _ = collected
    rows = JobOnCopy.objects.filter(commcell=commcell)

    assert rows.filter(retained_by=JobOnCopy.RetainedBy.EXTENDED).exists()
    assert rows.filter(retained_by=JobOnCopy.RetainedBy.USER).exists()
    assert rows.filter(retain_infinite=True).exists()
    assert rows.filter(copied_time__isnull=True).exists()
    assert rows.filter(is_aged=True).count() == 0

    copy = StoragePolicyCopy.objects.get(commcell=commcell, cv_id=1002)
    expected = listed(commserve_sim, 1002)
    for job_id, row in stored(copy).items():
        source = expected[job_id]
        until = source["retainUntil"]
        assert row.retain_infinite == (until == -1)
        if until > 0:
            assert row.retain_until == datetime.fromtimestamp(until, tz=UTC)
        else:
            assert row.retain_until is None
        assert row.retained_by == source["retainedBy"]
        assert row.retained_by_text == source["strRetainedBy"]
        assert row.retention_reason == source["retentionReason"]
        copied = source["copiedTime"]
        assert row.copied_time == (
            datetime.fromtimestamp(copied, tz=UTC) if copied else None
        )
        assert row.required_by_jobs == source["requiredByJobs"]


def test_fulls_only_copy_lists_fulls(commserve_sim, collected):
    commcell, _ = collected
    # VM-Silver's "Monthly" copy copies fulls and synthetic fulls only.
    copy = StoragePolicyCopy.objects.get(
        commcell=commcell, name="Monthly", storage_policy__name="VM-Silver"
    )

    levels = {row["jobType"] for row in listed(commserve_sim, copy.cv_id).values()}

    assert levels == {"Synthetic Full"}
    assert len(stored(copy)) > 0


def test_interval_skips_recent_read(commserve_sim, collected):
    commcell, first = collected
    copy = StoragePolicyCopy.objects.filter(commcell=commcell).first()
    add_row(commcell, copy, 1)

    second = collect(commcell)

    assert second.status == SyncRun.Status.SUCCEEDED
    assert second.counts["copy_jobs"] == 0
    assert COPIES_READ not in second.counts
    assert JobOnCopy.objects.filter(copy=copy, job_id=1).exists()


def test_interval_zero_reads_every_time(commserve_sim, collected):
    commcell, _ = collected
    CommCell.objects.filter(pk=commcell.pk).update(copy_jobs_interval_hours=0)
    commcell.refresh_from_db()

    second = collect(commcell)

    assert (
        second.counts["copy_jobs"]
        == JobOnCopy.objects.filter(commcell=commcell).count()
    )
    assert second.counts[COPIES_READ] > 0


def test_interval_passed_reads_again(commserve_sim, collected):
    commcell, first = collected
    SyncRun.objects.filter(pk=first.pk).update(
        started_at=timezone.now() - timedelta(hours=25)
    )

    second = collect(commcell)

    assert second.counts["copy_jobs"] > 0
    assert second.counts[COPIES_READ] > 0


def test_unlisted_rows_deleted(commserve_sim, collected):
    commcell, _ = collected
    CommCell.objects.filter(pk=commcell.pk).update(copy_jobs_interval_hours=0)
    copy = StoragePolicyCopy.objects.get(commcell=commcell, cv_id=1002)
    add_row(commcell, copy, 1)
    before = stored(copy)

    run = collect(commcell)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert not JobOnCopy.objects.filter(copy=copy, job_id=1).exists()
    assert set(stored(copy)) == set(before) - {1}


def test_aged_row_kept(commserve_sim, collected):
    commcell, _ = collected
    CommCell.objects.filter(pk=commcell.pk).update(copy_jobs_interval_hours=0)
    copy = StoragePolicyCopy.objects.get(commcell=commcell, cv_id=1002)
    add_row(commcell, copy, 1, is_aged=True)

    run = collect(commcell)

    row = JobOnCopy.objects.get(copy=copy, job_id=1)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert row.is_aged is True
    assert row.collected_at < run.started_at


def test_stored_row_gets_aged_flag(commserve_sim, collected):
    commcell, _ = collected
    CommCell.objects.filter(pk=commcell.pk).update(copy_jobs_interval_hours=0)
    copy = StoragePolicyCopy.objects.get(commcell=commcell, cv_id=1001)
    aged = listed(commserve_sim, copy.cv_id, aged_data=1)
    assert aged
    job_id = max(aged)
    add_row(commcell, copy, job_id)

    run = collect(commcell)

    row = JobOnCopy.objects.get(copy=copy, job_id=job_id)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert row.is_aged is True
    assert row.retain_until == datetime.fromtimestamp(
        aged[job_id]["retainUntil"], tz=UTC
    )


def test_failing_copy_keeps_rows(sim_faults, collected):
    commcell, _ = collected
    CommCell.objects.filter(pk=commcell.pk).update(copy_jobs_interval_hours=0)
    broken = StoragePolicyCopy.objects.get(commcell=commcell, cv_id=1003)
    other = StoragePolicyCopy.objects.get(commcell=commcell, cv_id=1004)
    add_row(commcell, broken, 1)
    add_row(commcell, other, 1)
    kept = set(stored(broken))
    sim_faults.set_fault("error_500", path="/V4/Plan/BackupDestination/1003/Jobs")

    run = collect(commcell)

    assert run.status == SyncRun.Status.PARTIAL
    messages = [e["message"] for e in run.errors if e["step"] == "copy_jobs"]
    assert len(messages) == 1
    assert "copy id 1003" in messages[0]
    assert "HTTP 500" in messages[0]
    assert set(stored(broken)) == kept
    assert not JobOnCopy.objects.filter(copy=other, job_id=1).exists()
    assert run.counts[COPIES_READ] == run.progress["copy_jobs"]["total"] - 1


def test_malformed_copy_page_keeps_rows(sim_faults, collected):
    commcell, _ = collected
    CommCell.objects.filter(pk=commcell.pk).update(copy_jobs_interval_hours=0)
    broken = StoragePolicyCopy.objects.get(commcell=commcell, cv_id=1005)
    kept = set(stored(broken))
    sim_faults.set_fault("malformed_json", path="/V4/Plan/BackupDestination/1005/Jobs")

    run = collect(commcell)

    messages = [e["message"] for e in run.errors if e["step"] == "copy_jobs"]
    assert run.status == SyncRun.Status.PARTIAL
    assert len(messages) == 1
    assert "copy id 1005" in messages[0]
    assert "not JSON" in messages[0]
    assert set(stored(broken)) == kept


def test_partial_read_is_not_complete(sim_faults, collected):
    commcell, first = collected
    sim_faults.set_fault("error_500", path="/V4/Plan/BackupDestination/1003/Jobs")
    CommCell.objects.filter(pk=commcell.pk).update(copy_jobs_interval_hours=0)
    failed = collect(commcell)
    sim_faults.clear_faults()
    CommCell.objects.filter(pk=commcell.pk).update(copy_jobs_interval_hours=24)
    SyncRun.objects.filter(pk=first.pk).update(
        started_at=timezone.now() - timedelta(hours=25)
    )

    again = collect(commcell)

    assert failed.status == SyncRun.Status.PARTIAL
    assert again.counts[COPIES_READ] > 0


def test_time_zone_stored(simulator_factory):
    simulator = simulator_factory(
        "--preset", "small", "--seed", "7", "--freeze-clock", "--time-zone", EASTERN
    )
    commcell = sim_commcell(simulator, initial_job_days=2)

    run = collect(commcell)

    commcell.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert commcell.commserve_time_zone == EASTERN
    assert run.counts["time_zone"] == 1
    assert run.warnings == []


def test_time_zone_failure_is_warning(sim_faults):
    commcell = sim_commcell(sim_faults, initial_job_days=2)
    CommCell.objects.filter(pk=commcell.pk).update(commserve_time_zone=EASTERN)

    def break_after_clients(step, count, errors) -> None:
        # The clients step reads GET /Client/2 too, so the fault starts after it.
        if step.key == "clients":
            sim_faults.set_fault("error_500", path="/Client/2")

    queued = services.start_sync(commcell, trigger="manual")
    run = run_collection(queued.pk, observer=break_after_clients)

    commcell.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.errors == []
    assert len(run.warnings) == 1
    assert run.warnings[0]["step"] == "time_zone"
    assert "HTTP 500" in run.warnings[0]["message"]
    assert EASTERN in run.warnings[0]["message"]
    assert commcell.commserve_time_zone == EASTERN
    assert "time_zone" not in run.counts


def test_skipped_read_shown_on_run_page(commserve_sim, collected, admin_role_client):
    commcell, first = collected

    second = collect(commcell)
    response = admin_role_client.get(f"/sync-runs/{second.pk}/")

    body = response.content.decode()
    next_read = datetime.fromisoformat(
        second.progress["copy_jobs"]["skipped_until"]
    ).astimezone(UTC)
    assert next_read == first.started_at + timedelta(hours=24)
    assert "skipped: read less than 24 hours ago, next read after" in body
    assert next_read.strftime("%Y-%m-%d %H:%M") in body
