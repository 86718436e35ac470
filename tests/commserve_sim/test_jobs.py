"""GET /Job: paging, filters, categories, job by id and determinism by seed."""

import pytest

from tests.commserve_sim.conftest import api_client

pytestmark = pytest.mark.simulator

NINETY_DAYS = 90 * 86400
STATUSES = {
    "Completed",
    "Completed w/ one or more errors",
    "Completed w/ one or more warnings",
    "Failed",
    "Killed",
    "Running",
}


def _page(client, offset, limit, **params):
    headers = {"limit": str(limit), "offset": str(offset)}
    response = client.get("Job", params=params, headers=headers)
    assert response.status_code == 200
    return response.json()


def _all_jobs(client, limit, **params):
    jobs, offset, total = [], 0, None
    while True:
        body = _page(client, offset, limit, **params)
        total = body["totalRecordsWithoutPaging"]
        rows = [row["jobSummary"] for row in body["jobs"]]
        if not rows:
            return jobs, total
        jobs.extend(rows)
        offset += len(rows)


def test_paging_is_complete_and_ascending(sim_api, commserve_sim):
    jobs, total = _all_jobs(sim_api, 700, jobFilter="Backup,SYNTHFULL")
    ids = [job["jobId"] for job in jobs]
    starts = [job["jobStartTime"] for job in jobs]

    assert total == commserve_sim.expected_jobs(job_filter="Backup,SYNTHFULL")
    assert len(ids) == total
    assert all(a < b for a, b in zip(ids, ids[1:], strict=False))
    assert starts == sorted(starts)


def test_paging_pages_do_not_overlap(sim_api):
    first = _page(sim_api, 0, 100)["jobs"]
    second = _page(sim_api, 100, 100)["jobs"]
    combined = _page(sim_api, 0, 200)["jobs"]

    assert first + second == combined


def test_paging_is_stable_between_calls(sim_api):
    assert _page(sim_api, 1234, 50) == _page(sim_api, 1234, 50)


def test_small_preset_has_thousands_of_jobs(commserve_sim):
    jobs = commserve_sim.expected_jobs(lookback_seconds=NINETY_DAYS)

    assert 2000 < jobs < 10000


def test_default_limit_is_100(sim_api):
    response = sim_api.get("Job")

    assert len(response.json()["jobs"]) == 100


def test_offset_past_end_returns_empty_page(sim_api):
    body = _page(sim_api, 10**7, 100)

    assert body["jobs"] == []
    assert body["totalRecordsWithoutPaging"] > 0


def test_lookback_window_limits_jobs(sim_api, commserve_sim):
    body = _page(sim_api, 0, 5000, completedJobLookupTime=86400)
    now = commserve_sim.fetch_summary()["now"]
    starts = [row["jobSummary"]["jobStartTime"] for row in body["jobs"]]

    assert 0 < len(starts) < 200
    assert min(starts) >= now - 86400
    assert body["totalRecordsWithoutPaging"] == commserve_sim.expected_jobs(86400)


def test_default_filter_is_backup_only(sim_api):
    jobs, _ = _all_jobs(sim_api, 5000)
    types = {job["jobType"] for job in jobs}

    assert types == {"Backup"}


def test_synthfull_filter_returns_synthetic_fulls(sim_api):
    jobs, total = _all_jobs(sim_api, 5000, jobFilter="SYNTHFULL")

    assert total > 0
    assert {job["jobType"] for job in jobs} == {"Synthetic Full"}
    assert {job["backupLevelName"] for job in jobs} == {"Synthetic Full"}


def test_empty_filter_includes_data_aging(sim_api):
    jobs, _ = _all_jobs(sim_api, 5000, jobFilter="")
    types = {job["jobType"] for job in jobs}

    assert types == {"Backup", "Synthetic Full", "Data Aging"}


def test_numeric_filter_matches_names(sim_api):
    by_name = _page(sim_api, 0, 10, jobFilter="Backup,SYNTHFULL")
    by_code = _page(sim_api, 0, 10, jobFilter="4,14")

    assert by_name == by_code


def test_levels_and_statuses(sim_api):
    jobs, _ = _all_jobs(sim_api, 5000, jobFilter="Backup,SYNTHFULL")
    levels = {job["backupLevelName"] for job in jobs}
    statuses = {job["status"] for job in jobs}

    assert levels == {"Full", "Incremental", "Differential", "Synthetic Full"}
    assert statuses == STATUSES


def test_failures_are_a_few_percent(sim_api):
    jobs, _ = _all_jobs(sim_api, 5000)
    failed = sum(1 for job in jobs if job["status"] in ("Failed", "Killed"))

    assert 0.01 < failed / len(jobs) < 0.12


def test_running_jobs_have_no_end_time(sim_api, commserve_sim):
    jobs, total = _all_jobs(sim_api, 5000, jobCategory="Active")

    assert total == commserve_sim.expected_jobs(category="Active")
    assert len(jobs) >= 1
    for job in jobs:
        assert job["status"] == "Running"
        assert job["jobEndTime"] == 0


def test_categories_partition_the_list(sim_api):
    _, everything = _all_jobs(sim_api, 5000, jobCategory="All")
    finished, finished_total = _all_jobs(sim_api, 5000, jobCategory="Finished")
    _, active_total = _all_jobs(sim_api, 5000, jobCategory="Active")

    assert finished_total + active_total == everything
    assert len(finished) == finished_total
    assert all(job["status"] != "Running" for job in finished)


def test_incremental_forever_client_has_no_full(sim_api):
    jobs, _ = _all_jobs(sim_api, 5000)
    levels = {
        job["backupLevelName"] for job in jobs if job["subclient"]["clientId"] == 10011
    }

    assert levels == {"Incremental"}


def test_client_with_failing_fulls(sim_api):
    jobs, _ = _all_jobs(sim_api, 5000)
    fulls = [
        job
        for job in jobs
        if job["subclient"]["clientId"] == 10013 and job["backupLevelName"] == "Full"
    ]
    failed = [job for job in fulls if job["status"] == "Failed"]

    assert len(failed) >= len(fulls) // 2


@pytest.mark.parametrize(
    ("params", "headers", "word"),
    [
        ({"completedJobLookupTime": "soon"}, {}, "completedJobLookupTime"),
        ({"jobCategory": "Sometimes"}, {}, "jobCategory"),
        ({}, {"limit": "ten"}, "limit"),
        ({}, {"offset": "-1"}, "offset"),
    ],
)
def test_invalid_job_query_returns_400(sim_api, params, headers, word):
    response = sim_api.get("Job", params=params, headers=headers)

    assert response.status_code == 400
    assert word in response.json()["errorMessage"]


def _first_pages(simulator):
    with api_client(simulator, simulator.login()) as client:
        jobs = _page(client, 0, 300, jobFilter="")
        plans = client.get("V2/Plan").json()
    return jobs, plans


def test_same_seed_gives_same_environment(simulator_factory):
    fixed = ("--preset", "small", "--now", "2026-03-01T12:00:00Z")
    first_sim = simulator_factory(*fixed, "--seed", "11")
    second_sim = simulator_factory(*fixed, "--seed", "11")

    assert _first_pages(first_sim) == _first_pages(second_sim)


def test_other_seed_gives_other_jobs(simulator_factory):
    fixed = ("--preset", "small", "--now", "2026-03-01T12:00:00Z")
    first_sim = simulator_factory(*fixed, "--seed", "11")
    second_sim = simulator_factory(*fixed, "--seed", "12")

    assert _first_pages(first_sim)[0] != _first_pages(second_sim)[0]


def test_job_ids_survive_a_later_restart(simulator_factory):
    early = simulator_factory("--preset", "small", "--now", "2026-03-01T12:00:00Z")
    later = simulator_factory("--preset", "small", "--now", "2026-03-04T12:00:00Z")
    with api_client(early, early.login()) as client:
        job = _page(client, 500, 1)["jobs"][0]["jobSummary"]

    with api_client(later, later.login()) as client:
        again = client.get(f"Job/{job['jobId']}").json()["jobs"][0]["jobSummary"]

    assert again == job


def test_clock_advance_adds_new_jobs(simulator_factory):
    simulator = simulator_factory("--preset", "small", "--freeze-clock")
    before = simulator.expected_jobs(job_filter="")

    simulator.advance_clock(86400)

    assert simulator.expected_jobs(job_filter="") > before
