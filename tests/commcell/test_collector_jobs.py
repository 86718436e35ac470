"""The job step's writers, links and window, without a CommServe."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection

from apps.commcell.collector import job_writers, jobs
from apps.commcell.cvclient.records import JobRecord
from apps.commcell.models import Job, SyncRun
from tests.factories import (
    ClientFactory,
    CommCellFactory,
    PlanFactory,
    StoragePolicyFactory,
    SyncRunFactory,
)

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 1, 22, 0, tzinfo=UTC)
# The SQLite upsert statement is also valid PostgreSQL, so it runs here too.
WRITERS = [
    job_writers.PostgresJobWriter,
    job_writers.BulkCreateJobWriter,
    job_writers.SqliteJobWriter,
]


def record(job_id: int, **overrides) -> JobRecord:
    values = {
        "job_id": job_id,
        "job_type": "Backup",
        "level": "incremental",
        "level_name": "Incremental",
        "status": "Completed",
        "outcome": "completed",
        "start_time": START + timedelta(minutes=job_id),
        "end_time": START + timedelta(minutes=job_id, seconds=90),
        "client_cv_id": 10_001,
        "client_name": "fs01",
        "storage_policy_name": "SP-Gold",
        "subclient_name": "default",
        "app_type": "File System",
        "application_bytes": 1_000_000,
        "media_bytes": 400_000,
        "percent_savings": 60.0,
    }
    values.update(overrides)
    return JobRecord(**values)


def write(writer_class, commcell, records) -> int:
    links = jobs.JobLinks.load(commcell)
    writer = writer_class()
    for item in records:
        writer.add(links.row(commcell.pk, item))
    writer.finish()
    writer.close()
    return writer.written


@pytest.fixture
def commcell():
    commcell = CommCellFactory()
    ClientFactory(commcell=commcell, cv_id=10_001, name="fs01")
    policy = StoragePolicyFactory(commcell=commcell, name="SP-Gold")
    PlanFactory(commcell=commcell, name="Gold", storage_policy=policy)
    return commcell


@pytest.mark.parametrize("writer_class", WRITERS)
def test_writer_inserts_jobs_with_links(commcell, writer_class):
    written = write(writer_class, commcell, [record(1), record(2)])

    job = Job.objects.get(commcell=commcell, job_id=1)
    assert written == 2
    assert Job.objects.filter(commcell=commcell).count() == 2
    assert job.client.name == "fs01"
    assert job.storage_policy.name == "SP-Gold"
    assert job.plan.name == "Gold"
    assert job.media_bytes == 400_000
    assert job.start_time == START + timedelta(minutes=1)


@pytest.mark.parametrize("writer_class", WRITERS)
def test_writer_updates_existing_job(commcell, writer_class):
    write(writer_class, commcell, [record(1, status="Running", outcome="running")])

    write(writer_class, commcell, [record(1)])

    job = Job.objects.get(commcell=commcell, job_id=1)
    assert Job.objects.filter(commcell=commcell).count() == 1
    assert job.status == "Completed"
    assert job.outcome == Job.Outcome.COMPLETED


@pytest.mark.parametrize("writer_class", WRITERS)
def test_writer_keeps_last_duplicate_in_buffer(commcell, writer_class):
    written = write(
        writer_class,
        commcell,
        [record(1, status="Running", outcome="running"), record(1)],
    )

    assert written == 1
    assert Job.objects.get(commcell=commcell, job_id=1).status == "Completed"


@pytest.mark.parametrize("writer_class", WRITERS)
def test_writer_flushes_in_batches(commcell, writer_class, monkeypatch):
    monkeypatch.setattr(job_writers, "FLUSH_ROWS", 3)

    written = write(writer_class, commcell, [record(n) for n in range(1, 8)])

    assert written == 7
    assert Job.objects.filter(commcell=commcell).count() == 7


@pytest.mark.parametrize("writer_class", WRITERS)
def test_writer_cleans_hostile_text(commcell, writer_class):
    long_name = "x" * 400
    write(
        writer_class,
        commcell,
        [
            record(
                1, client_name="fs\x0001", subclient_name=long_name, client_cv_id=None
            )
        ],
    )

    job = Job.objects.get(commcell=commcell, job_id=1)
    assert job.client_name == "fs01"
    assert job.client.name == "fs01"
    assert len(job.subclient_name) == 300


def test_postgres_writer_skips_unchanged_rows(commcell):
    write(job_writers.PostgresJobWriter, commcell, [record(1), record(2)])
    versions = _row_versions(commcell)

    write(
        job_writers.PostgresJobWriter, commcell, [record(1), record(2, status="Failed")]
    )

    after = _row_versions(commcell)
    assert after[1] == versions[1]
    assert after[2] != versions[2]


def _row_versions(commcell) -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT job_id, xmin::text FROM commcell_job WHERE commcell_id = %s",
            [commcell.pk],
        )
        return dict(cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_background_writer_writes_all_batches(monkeypatch):
    monkeypatch.setattr(job_writers, "FLUSH_ROWS", 3)
    commcell = CommCellFactory()

    writer = job_writers.job_writer()
    written = write(lambda: writer, commcell, [record(n) for n in range(1, 9)])

    assert isinstance(writer, job_writers.BackgroundJobWriter)
    assert written == 8
    assert Job.objects.filter(commcell=commcell).count() == 8


@pytest.mark.django_db(transaction=True)
def test_background_writer_raises_write_error(monkeypatch):
    monkeypatch.setattr(job_writers, "FLUSH_ROWS", 2)
    commcell = CommCellFactory()
    links = jobs.JobLinks.load(commcell)
    writer = job_writers.job_writer()

    # A job of a CommCell that does not exist violates the foreign key.
    with pytest.raises(IntegrityError):
        for number in range(1, 6):
            writer.add(links.row(999_999, record(number)))
        writer.finish()
    writer.close()

    assert Job.objects.count() == 0


def test_writer_inside_transaction_is_synchronous():
    writer = job_writers.job_writer()

    assert isinstance(writer, job_writers.PostgresJobWriter)


def test_links_unknown_values_become_other(commcell):
    links = jobs.JobLinks.load(commcell)

    row = links.row(commcell.pk, record(1, level="weird", outcome="odd"))

    assert row[job_writers.JOB_FIELDS.index("level")] == Job.Level.OTHER
    assert row[job_writers.JOB_FIELDS.index("outcome")] == Job.Outcome.OTHER


def test_links_match_policy_name_case_insensitively(commcell):
    links = jobs.JobLinks.load(commcell)

    row = links.row(commcell.pk, record(1, storage_policy_name="sp-gold"))

    assert row[job_writers.JOB_FIELDS.index("storage_policy")] is not None


def test_links_leave_plan_empty_for_shared_policy(commcell):
    policy = StoragePolicyFactory(commcell=commcell, name="SP-Shared")
    PlanFactory(commcell=commcell, storage_policy=policy)
    PlanFactory(commcell=commcell, storage_policy=policy)
    links = jobs.JobLinks.load(commcell)

    row = links.row(commcell.pk, record(1, storage_policy_name="SP-Shared"))

    assert row[job_writers.JOB_FIELDS.index("storage_policy")] == policy.pk
    assert row[job_writers.JOB_FIELDS.index("plan")] is None


def test_links_unknown_client_stays_empty(commcell):
    links = jobs.JobLinks.load(commcell)

    row = links.row(commcell.pk, record(1, client_cv_id=5, client_name="gone"))

    assert row[job_writers.JOB_FIELDS.index("client")] is None
    assert row[job_writers.JOB_FIELDS.index("client_name")] == "gone"


def test_window_first_run_reads_initial_days():
    commcell = CommCellFactory(initial_job_days=10)
    run = SyncRunFactory(
        commcell=commcell, status=SyncRun.Status.RUNNING, started_at=START
    )

    start, end = jobs.job_window(commcell, run)

    assert end == START
    assert start == START - timedelta(days=10)


def test_window_starts_before_previous_end():
    commcell = CommCellFactory(job_overlap_hours=6)
    SyncRunFactory(
        commcell=commcell,
        status=SyncRun.Status.SUCCEEDED,
        job_window_end=START - timedelta(hours=1),
    )
    run = SyncRunFactory(
        commcell=commcell, status=SyncRun.Status.RUNNING, started_at=START
    )

    start, _ = jobs.job_window(commcell, run)

    assert start == START - timedelta(hours=7)


def test_window_uses_partial_run_with_complete_jobs():
    commcell = CommCellFactory(job_overlap_hours=0)
    SyncRunFactory(
        commcell=commcell,
        status=SyncRun.Status.PARTIAL,
        job_window_end=START - timedelta(hours=2),
        errors=[{"step": "storage_pools", "message": "Storage pools failed."}],
    )
    run = SyncRunFactory(
        commcell=commcell, status=SyncRun.Status.RUNNING, started_at=START
    )

    start, _ = jobs.job_window(commcell, run)

    assert start == START - timedelta(hours=2)


@pytest.mark.parametrize(
    ("status", "errors"),
    [
        (SyncRun.Status.PARTIAL, [{"step": "jobs", "message": "Jobs failed."}]),
        (SyncRun.Status.FAILED, []),
    ],
    ids=["jobs-step-failed", "run-failed"],
)
def test_window_ignores_incomplete_job_step(status, errors):
    commcell = CommCellFactory(job_overlap_hours=0, initial_job_days=10)
    SyncRunFactory(
        commcell=commcell,
        status=status,
        job_window_end=START - timedelta(hours=2),
        errors=errors,
    )
    run = SyncRunFactory(
        commcell=commcell, status=SyncRun.Status.RUNNING, started_at=START
    )

    start, _ = jobs.job_window(commcell, run)

    assert start == START - timedelta(days=10)
