"""The data aging step and the DDB statistics, collected from the running simulator."""

import pytest

from apps.commcell.models import SyncRun
from apps.pruning.models import DataAgingRun, DDBStore
from tests.commcell.test_collector import collect, sim_commcell

pytestmark = [pytest.mark.django_db, pytest.mark.simulator]


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.CVANALYTICS_CLIENT_MAX_RETRIES = 1
    settings.CVANALYTICS_CLIENT_BACKOFF_SECONDS = 0.01


def listed_aging_jobs(simulator, run: SyncRun) -> dict[int, dict]:
    """Data Aging rows of GET /Job over the run's window, read with plain HTTP."""
    token = simulator.login()
    lookback = int((run.job_window_end - run.job_window_start).total_seconds()) + 60
    found = {}
    offset = 0
    while True:
        response = simulator.http.get(
            f"{simulator.base_url}/Job",
            params={"completedJobLookupTime": lookback, "jobFilter": ""},
            headers={
                "Authtoken": token,
                "Accept": "application/json",
                "limit": "1000",
                "offset": str(offset),
            },
        )
        response.raise_for_status()
        rows = response.json()["jobs"]
        for row in rows:
            summary = row["jobSummary"]
            if summary["jobType"] == "Data Aging":
                found[summary["jobId"]] = summary
        if not rows:
            return found
        offset += len(rows)


def test_collection_stores_data_aging_runs(commserve_sim):
    commcell = sim_commcell(commserve_sim, initial_job_days=7)

    run = collect(commcell)

    expected = listed_aging_jobs(commserve_sim, run)
    stored = {r.job_id: r for r in DataAgingRun.objects.filter(commcell=commcell)}
    assert run.status == SyncRun.Status.SUCCEEDED
    assert "aging_jobs" in run.counts
    assert len(expected) >= 6
    assert set(stored) == set(expected)
    assert run.counts["aging_jobs"] == len(expected)
    for job_id, summary in expected.items():
        assert stored[job_id].status == summary["status"]
        assert int(stored[job_id].start_time.timestamp()) == summary["jobStartTime"]
        assert stored[job_id].jobs_aged == summary.get("totalNumOfFiles")


def test_second_collection_upserts_aging_runs(commserve_sim):
    commcell = sim_commcell(commserve_sim, initial_job_days=7)
    collect(commcell)
    first = DataAgingRun.objects.filter(commcell=commcell).count()

    run = collect(commcell)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert DataAgingRun.objects.filter(commcell=commcell).count() == first
    assert (
        DataAgingRun.objects.filter(commcell=commcell)
        .values("job_id")
        .distinct()
        .count()
        == first
    )


def test_failing_job_list_makes_run_partial(sim_faults):
    commcell = sim_commcell(sim_faults, initial_job_days=2)
    sim_faults.set_fault("error_500", path="/Job")

    run = collect(commcell)

    steps = [error["step"] for error in run.errors]
    assert run.status == SyncRun.Status.PARTIAL
    assert "aging_jobs" in steps
    assert "aging_jobs" not in run.counts
    assert DataAgingRun.objects.filter(commcell=commcell).count() == 0


def ddb_information(simulator, store_cv_id: int) -> list[dict]:
    token = simulator.login()
    response = simulator.http.get(
        f"{simulator.base_url}/DDBInformation/{store_cv_id}",
        headers={"Authtoken": token, "Accept": "application/json"},
    )
    response.raise_for_status()
    return response.json()["SubStoreList"]


def test_collection_stores_ddb_statistics(commserve_sim):
    commcell = sim_commcell(commserve_sim, initial_job_days=1)

    collect(commcell)

    stores = list(DDBStore.objects.filter(commcell=commcell))
    assert stores
    for store in stores:
        partitions = ddb_information(commserve_sim, store.cv_id)
        offline = sum(1 for row in partitions if row["offlineReason"] != 0)
        assert store.partitions_offline == offline
        assert store.last_backup_at is not None
        if all("pendingDeletes" in row for row in partitions):
            expected = sum(row["pendingDeletes"] for row in partitions)
            assert store.pending_deletes == expected
        else:
            # The field is missing, so the count is unknown rather than 0.
            assert store.pending_deletes is None
