"""The look-up of the latest earlier run whose step recorded no error."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.commcell.collector.history import SEARCH_RUNS, latest_run_without_step_error
from apps.commcell.models import SyncRun
from tests.factories import CommCellFactory, SyncRunFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def run_at(commcell, hours: int, **fields) -> SyncRun:
    return SyncRunFactory(
        commcell=commcell, started_at=START + timedelta(hours=hours), **fields
    )


def latest(commcell, current: SyncRun, step: str = "jobs", **filters):
    return latest_run_without_step_error(
        commcell, current, step, newest_by="started_at", **filters
    )


def test_latest_run_skips_run_with_error_in_step():
    commcell = CommCellFactory()
    clean = run_at(commcell, 1)
    run_at(commcell, 2, errors=[{"step": "jobs", "message": "timed out"}])
    current = run_at(commcell, 3, status=SyncRun.Status.RUNNING)

    assert latest(commcell, current) == clean


def test_latest_run_partial_other_step_error():
    commcell = CommCellFactory()
    run_at(commcell, 1)
    partial = run_at(
        commcell,
        2,
        status=SyncRun.Status.PARTIAL,
        errors=[{"step": "copies", "message": "policy failed"}],
    )
    current = run_at(commcell, 3, status=SyncRun.Status.RUNNING)

    assert latest(commcell, current) == partial


def test_latest_run_skips_unrelated_runs():
    commcell = CommCellFactory()
    clean = run_at(commcell, 1)
    run_at(commcell, 2, status=SyncRun.Status.FAILED)
    run_at(CommCellFactory(), 3)
    current = run_at(commcell, 4)

    assert latest(commcell, current) == clean


def test_latest_run_applies_extra_filter():
    commcell = CommCellFactory()
    read = run_at(commcell, 1, counts={"copy_jobs_copies": 3})
    run_at(commcell, 2, counts={})
    current = run_at(commcell, 3, status=SyncRun.Status.RUNNING)

    found = latest(commcell, current, "copy_jobs", counts__has_key="copy_jobs_copies")

    assert found == read


def test_latest_run_orders_by_given_field():
    commcell = CommCellFactory()
    later_window = run_at(commcell, 1, job_window_end=START + timedelta(days=2))
    run_at(commcell, 2, job_window_end=START + timedelta(days=1))
    current = run_at(commcell, 3, status=SyncRun.Status.RUNNING)

    found = latest_run_without_step_error(
        commcell, current, "jobs", newest_by="job_window_end"
    )

    assert found == later_window


def test_latest_run_searches_limited_number_of_runs():
    commcell = CommCellFactory()
    run_at(commcell, 0)
    for hour in range(1, SEARCH_RUNS + 1):
        run_at(commcell, hour, errors=[{"step": "jobs", "message": "failed"}])
    current = run_at(commcell, SEARCH_RUNS + 1, status=SyncRun.Status.RUNNING)

    assert latest(commcell, current) is None
