"""The job selection of each copy, collected from the simulator."""

import pytest

from apps.commcell.models import (
    Job,
    JobOnCopy,
    JobSelection,
    StoragePolicyCopy,
    SyncRun,
)
from tests.commcell.test_collector import collect, sim_commcell

pytestmark = [pytest.mark.django_db, pytest.mark.simulator]

SCENARIO = """
name: cs-select
media_agents:
  - name: ma01
pools:
  - name: Disk
    type: disk
    media_agents: [ma01]
plans:
  - name: Gold
    cadence: weekly_full
    copies:
      - name: Primary
        pool: Disk
        days: 14
        cycles: 2
      - name: Mirror
        pool: Disk
        days: 30
      - name: Vault
        pool: Disk
        days: 90
        selection: fulls
      - name: Weekly
        pool: Disk
        days: 90
        selection: fulls
        selective_rule: 4
      - name: Odd
        pool: Disk
        days: 90
        selective_rule: 1048576
      - name: Broken
        pool: Disk
        days: 90
        selective_rule: weekly
clients:
  - name: fs
    plan: Gold
    count: 2
jobs:
  generate:
    history_days: 14
"""


@pytest.fixture
def scenario_sim(simulator_factory, tmp_path):
    path = tmp_path / "select.yaml"
    path.write_text(SCENARIO)
    return simulator_factory("--scenario", str(path), "--freeze-clock")


def copies_by_name(commcell) -> dict[str, StoragePolicyCopy]:
    return {
        copy.name: copy for copy in StoragePolicyCopy.objects.filter(commcell=commcell)
    }


def test_preset_copies_store_selection(sim_faults):
    commcell = sim_commcell(sim_faults, initial_job_days=7)

    run = collect(commcell)

    assert run.status == SyncRun.Status.SUCCEEDED
    copies = StoragePolicyCopy.objects.filter(commcell=commcell)
    fulls = [copy for copy in copies if copy.job_selection == JobSelection.ALL_FULLS]
    others = {copy.job_selection for copy in copies if copy not in fulls}
    assert {copy.name for copy in fulls} == {"Monthly", "Vault"}
    assert all(copy.copy_precedence > 1 for copy in fulls)
    assert others == {JobSelection.ALL_JOBS}


def test_fulls_copies_list_fulls_only(sim_faults):
    commcell = sim_commcell(sim_faults, initial_job_days=7)

    collect(commcell)

    listed = JobOnCopy.objects.filter(
        copy__commcell=commcell, copy__job_selection=JobSelection.ALL_FULLS
    ).values_list("job_id", flat=True)
    levels = set(
        Job.objects.filter(commcell=commcell, job_id__in=listed).values_list(
            "level", flat=True
        )
    )
    assert levels
    assert levels <= {Job.Level.FULL, Job.Level.SYNTHETIC_FULL}


def test_scenario_selections_stored(scenario_sim):
    commcell = sim_commcell(scenario_sim, initial_job_days=7)

    collect(commcell)

    copies = copies_by_name(commcell)
    assert copies["Primary"].job_selection == JobSelection.ALL_JOBS
    assert copies["Mirror"].job_selection == JobSelection.ALL_JOBS
    assert copies["Vault"].job_selection == JobSelection.ALL_FULLS
    assert copies["Weekly"].job_selection_label == "weekly fulls"
    assert copies["Odd"].job_selection == 1048576
    assert copies["Odd"].job_selection_label == "selection code 1048576"


def test_invalid_selection_names_copy_and_value(scenario_sim):
    commcell = sim_commcell(scenario_sim, initial_job_days=7)

    run = collect(commcell)

    messages = [error["message"] for error in run.errors if error["step"] == "copies"]
    assert run.status == SyncRun.Status.PARTIAL
    assert len(messages) == 1
    assert "Storage policy copy Broken (id " in messages[0]
    assert 'selectiveCopyRules.selectiveRule "weekly" is invalid' in messages[0]
    assert copies_by_name(commcell)["Broken"].job_selection is None


def test_invalid_selection_keeps_stored_one(scenario_sim):
    commcell = sim_commcell(scenario_sim, initial_job_days=7)
    collect(commcell)
    StoragePolicyCopy.objects.filter(commcell=commcell, name="Broken").update(
        job_selection=JobSelection.MONTHLY_FULLS
    )

    run = collect(commcell)

    copies = copies_by_name(commcell)
    assert run.status == SyncRun.Status.PARTIAL
    assert copies["Broken"].job_selection == JobSelection.MONTHLY_FULLS
    assert copies["Broken"].retention_rule.retention_days == 90
