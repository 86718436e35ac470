"""GET /V4/Plan/BackupDestination/{copyId}/Jobs: shapes, paging, filters and dates."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.commserve_sim.conftest import api_client, key_paths, load_sample

pytestmark = pytest.mark.simulator

DAY = 86400
DATA_STATUSES = {
    "Completed",
    "Completed w/ one or more errors",
    "Completed w/ one or more warnings",
}
ALL_TIME = {"view": "custom", "startTime": 0}
EASTERN = "(UTC-05:00) Eastern Time (US & Canada)"


def path(copy_id: int) -> str:
    return f"V4/Plan/BackupDestination/{copy_id}/Jobs"


def read_all(client, copy_id: int, page_size: int = 300, **params) -> list[dict]:
    """Every row of a copy's list, read page by page with the limit/offset headers."""
    rows: list[dict] = []
    while True:
        response = client.get(
            path(copy_id),
            params={**ALL_TIME, **params},
            headers={"limit": str(page_size), "offset": str(len(rows))},
        )
        assert response.status_code == 200, response.text
        page = response.json()["jobs"]
        if not page:
            return rows
        rows += page


def policy_jobs(client, policy_name: str) -> list[dict]:
    """Backup jobs of one storage policy from GET /Job."""
    response = client.get("Job", params={"jobFilter": ""}, headers={"limit": "5000"})
    summaries = [row["jobSummary"] for row in response.json()["jobs"]]
    return [
        job
        for job in summaries
        if job.get("storagePolicy", {}).get("storagePolicyName") == policy_name
    ]


def test_copy_jobs_have_sample_keys(sim_api):
    response = sim_api.get(path(1001), params=ALL_TIME)

    sample = load_sample("v4_plan_backupdestination_jobs_GET.json")
    assert response.status_code == 200
    assert key_paths(sample) - key_paths(response.json()) == set()
    assert response.json()["totalRecordsWithoutPaging"] > 0


def test_copy_job_pages_join_to_list(sim_api):
    whole = sim_api.get(path(1001), params=ALL_TIME, headers={"limit": "5000"})
    total = whole.json()["totalRecordsWithoutPaging"]

    rows = read_all(sim_api, 1001, page_size=37)

    ids = [row["jobId"] for row in rows]
    assert len(rows) == total
    assert ids == sorted(set(ids))
    assert rows == whole.json()["jobs"]


def test_copy_job_page_past_end_empty(sim_api):
    total = sim_api.get(path(1001), params=ALL_TIME).json()["totalRecordsWithoutPaging"]

    response = sim_api.get(path(1001), params=ALL_TIME, headers={"offset": str(total)})

    assert response.json() == {"totalRecordsWithoutPaging": total, "jobs": []}


@pytest.mark.parametrize(
    ("params", "headers", "named"),
    [
        ({"view": "lastYear"}, {}, "view='lastYear'"),
        ({"view": "custom"}, {}, "startTime"),
        ({"view": "custom", "startTime": "soon"}, {}, "startTime='soon'"),
        ({**ALL_TIME, "agedData": "3"}, {}, "agedData=3"),
        ({**ALL_TIME, "copyState": "2"}, {}, "copyState=2"),
        (ALL_TIME, {"limit": "ten"}, "limit"),
        (ALL_TIME, {"offset": "-1"}, "offset"),
    ],
)
def test_copy_jobs_bad_query_rejected(sim_api, params, headers, named):
    response = sim_api.get(path(1001), params=params, headers=headers)

    assert response.status_code == 400
    assert named in response.json()["errorMessage"]


def test_unknown_copy_not_found(sim_api):
    response = sim_api.get(path(999999), params=ALL_TIME)

    assert response.status_code == 404
    assert "999999" in response.json()["errorMessage"]


def test_copy_jobs_need_token(commserve_sim):
    with api_client(commserve_sim) as anonymous:
        response = anonymous.get(path(1001), params=ALL_TIME)

    assert response.status_code == 401


def test_view_windows(commserve_sim, sim_api):
    now = sim_api.get(commserve_sim.control_url + "/clock").json()["now"]
    now -= now % 60

    default = sim_api.get(path(1001), headers={"limit": "5000"}).json()["jobs"]
    week = sim_api.get(
        path(1001), params={"view": "lastWeek"}, headers={"limit": "5000"}
    ).json()["jobs"]

    assert default
    assert all(now - DAY <= row["startTime"] <= now for row in default)
    assert all(now - 7 * DAY <= row["startTime"] <= now for row in week)
    assert len(week) > len(default)


def test_primary_lists_policy_jobs(commserve_sim, sim_api):
    now = sim_api.get(commserve_sim.control_url + "/clock").json()["now"]
    jobs = policy_jobs(sim_api, "Server-Gold")

    rows = read_all(sim_api, 1001, agedData=2)

    # The copy list is computed as of the start of the current minute.
    expected = {
        job["jobId"]
        for job in jobs
        if job["status"] in DATA_STATUSES and 0 < job["jobEndTime"] <= now - now % 60
    }
    assert {row["jobId"] for row in rows} == expected
    assert len(expected) > 100


def test_fulls_only_copy_lists_fulls(sim_api):
    # Legacy-Monthly's "Vault" (copy 1021) copies fulls only; its primary is 1019.
    vault = read_all(sim_api, 1021, agedData=2)
    primary = read_all(sim_api, 1019, agedData=2)

    fulls = {row["jobId"] for row in primary if row["jobType"] == "Full"}
    assert {row["jobType"] for row in vault} == {"Full"}
    assert {row["jobId"] for row in vault} == fulls


def test_aged_data_filters_split_list(sim_api):
    both = read_all(sim_api, 1001, agedData=2)
    unaged = read_all(sim_api, 1001, agedData=0)
    aged = read_all(sim_api, 1001, agedData=1)

    assert aged
    assert unaged
    assert all(row["isAged"] for row in aged)
    assert not any(row["isAged"] for row in unaged)
    assert sorted(r["jobId"] for r in aged + unaged) == [r["jobId"] for r in both]


def test_secondary_waits_for_aux_copy(sim_api):
    rows = read_all(sim_api, 1002)
    waiting = read_all(sim_api, 1002, copyState=4)
    available = read_all(sim_api, 1002, copyState=1)

    assert waiting
    assert all(row["copiedTime"] == 0 for row in waiting)
    assert all(row["copiedTime"] > row["endTime"] for row in available)
    assert len(waiting) + len(available) == len(rows)
    assert read_all(sim_api, 1002, copyState=8) == []


def test_primary_copied_at_end(sim_api):
    rows = read_all(sim_api, 1001)

    assert all(row["copiedTime"] == row["endTime"] for row in rows)


def month(moment: int) -> tuple[int, int]:
    date = datetime.fromtimestamp(moment, tz=UTC)
    return date.year, date.month


def test_extended_retention_on_fulls(sim_api):
    # Copy 1016 (VM-Silver "Monthly") copies synthetic fulls and keeps the last
    # full of each month for 90 days.
    rows = read_all(sim_api, 1016, agedData=2)

    extended = [row for row in rows if row["retainedBy"] == 2]
    assert extended
    for row in rows:
        later = [
            other
            for other in rows
            if other["server"]["id"] == row["server"]["id"]
            and other["startTime"] > row["startTime"]
        ]
        if not later:
            # The newest full's cycle is open: basic retention without a date.
            assert (row["retainedBy"], row["retainUntil"]) == (1, 0), row
            continue
        last_of_month = month(later[0]["startTime"]) != month(row["startTime"])
        assert (row["retainedBy"] == 2) == last_of_month, row
    for row in extended:
        assert row["strRetainedBy"] == "Extended Retention"
        assert row["retainUntil"] == row["startTime"] + 90 * DAY
    assert read_all(sim_api, 1016, copyState=16, agedData=2) == extended


def test_basic_date_follows_cycle_rule(sim_api):
    # Copy 1001: 30 days and 1 cycle; every client runs a weekly full.
    rows = read_all(sim_api, 1001, agedData=2)
    by_client: dict[int, list[dict]] = {}
    for row in rows:
        by_client.setdefault(row["server"]["id"], []).append(row)

    checked = 0
    for jobs in by_client.values():
        fulls = [row["startTime"] for row in jobs if row["jobType"] == "Full"]
        for row in jobs:
            if row["retainedBy"] != 1 or "newer cycles" in row["retentionReason"]:
                continue
            next_full = next(start for start in fulls if start > row["startTime"])
            expected = max(next_full, next_full - DAY + 30 * DAY)
            assert row["retainUntil"] - expected in (0, 5 * DAY), row
            checked += 1
    assert checked > 50


def test_full_lists_jobs_that_need_it(sim_api):
    rows = read_all(sim_api, 1001, agedData=2)

    checked = 0
    for row in rows:
        if row["jobType"] != "Full":
            continue
        later = [
            other
            for other in rows
            if other["server"]["id"] == row["server"]["id"]
            and other["startTime"] > row["startTime"]
        ]
        cycle = []
        for other in later:
            if other["jobType"] == "Full":
                break
            cycle.append(str(other["jobId"]))
        assert row["requiredByJobs"] == ",".join(cycle)
        checked += bool(cycle)
    assert checked > 10


def test_open_cycle_has_no_date(sim_api):
    rows = read_all(sim_api, 1001)

    newest = max(rows, key=lambda row: row["startTime"])
    assert newest["retainUntil"] == 0
    assert newest["strRetainedBy"] == "Basic Retention"
    assert newest["isAged"] is False


def test_manual_and_infinite_retention(sim_api):
    rows = []
    for copy_id in (1001, 1003, 1005, 1007, 1009):
        rows += read_all(sim_api, copy_id, agedData=2)

    user = [row for row in rows if row["retainedBy"] == 4]
    assert user
    assert all(row["strRetainedBy"] == "User" for row in user)
    assert [row for row in user if row["retainUntil"] == -1]
    assert [row for row in user if row["retainUntil"] > row["startTime"]]


def test_aging_disabled_copy_keeps_forever(sim_api):
    # Archive-Forever's secondary (copy 1008) has data aging disabled.
    rows = read_all(sim_api, 1008, agedData=2)

    assert rows
    assert {row["retainUntil"] for row in rows} == {-1}
    assert not any(row["isAged"] for row in rows)


def test_copy_list_is_repeatable(sim_api):
    assert read_all(sim_api, 1002, agedData=2) == read_all(sim_api, 1002, agedData=2)


def scenario(tmp_path, **top) -> str:
    text = """
media_agents: [{name: ma1}]
pools: [{name: P1, type: disk, media_agents: [ma1]}]
plans:
  - name: Gold
    copies:
      - {name: Primary, pool: P1, days: 14, cycles: 1}
      - {name: Fulls, pool: P1, days: 60, cycles: 1, selection: fulls}
clients: [{name: fs, plan: Gold, count: 20, failure_percent: 0}]
"""
    for key, value in top.items():
        text += f"{key}: {value}\n"
    file = tmp_path / "scenario.yaml"
    file.write_text(text)
    return str(file)


def test_mismatch_knob_moves_dates(simulator_factory, tmp_path):
    exact = simulator_factory(
        "--scenario", scenario(tmp_path, retention_mismatch_per_mille=0),
        "--freeze-clock", "--now", "2026-11-20T12:00:00Z",
    )  # fmt: skip
    moved = simulator_factory(
        "--scenario", scenario(tmp_path, retention_mismatch_per_mille=1000),
        "--freeze-clock", "--now", "2026-11-20T12:00:00Z",
    )  # fmt: skip

    with (
        api_client(exact, exact.login()) as left,
        api_client(moved, moved.login()) as right,
    ):
        first = read_all(left, 1001, agedData=2)
        second = read_all(right, 1001, agedData=2)

    assert [row["jobId"] for row in first] == [row["jobId"] for row in second]
    dated = 0
    for before, after in zip(first, second, strict=True):
        if before["retainedBy"] == 1 and before["retainUntil"] > 0:
            assert after["retainUntil"] - before["retainUntil"] == 5 * DAY
            dated += 1
        elif before["retainedBy"] != 1:
            assert after["retainUntil"] == before["retainUntil"]
    assert dated > 100


def test_scenario_fulls_selection_and_zone(simulator_factory, tmp_path):
    simulator = simulator_factory(
        "--scenario", scenario(tmp_path, time_zone=f"'{EASTERN}'"), "--freeze-clock"
    )

    with api_client(simulator, simulator.login()) as client:
        fulls = read_all(client, 1002, agedData=2)
        zone = client.get("Client/2").json()["clientProperties"][0]["client"]
        commserv = client.get("CommServ").json()

    assert {row["jobType"] for row in fulls} == {"Full"}
    assert zone["TimeZone"]["TimeZoneName"] == EASTERN
    assert commserv["csTimeZone"]["TimeZoneName"] == EASTERN


def test_time_zone_option(simulator_factory):
    simulator = simulator_factory("--preset", "small", "--time-zone", EASTERN)

    with api_client(simulator, simulator.login()) as client:
        zone = client.get("Client/2").json()["clientProperties"][0]["client"]

    assert zone["TimeZone"]["TimeZoneName"] == EASTERN
    assert zone["clientEntity"]["clientName"] == "cs01"


def test_default_time_zone(sim_api):
    zone = sim_api.get("Client/2").json()["clientProperties"][0]["client"]

    assert zone["TimeZone"]["TimeZoneName"] == "(UTC) Coordinated Universal Time"


def test_bad_selection_rejected(simulator_factory, tmp_path):
    good = scenario(tmp_path)
    file = tmp_path / "bad.yaml"
    text = Path(good).read_text()
    file.write_text(text.replace("selection: fulls", "selection: weekly"))

    with pytest.raises(RuntimeError, match="selection"):
        simulator_factory("--scenario", str(file))
