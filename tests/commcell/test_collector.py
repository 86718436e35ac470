"""Collections against the running CommServe simulator (small preset, seed 7)."""

import socket
from datetime import timedelta

import pytest

from apps.commcell import services
from apps.commcell.collector import run_collection
from apps.commcell.models import (
    Client,
    CommCell,
    Job,
    Plan,
    StoragePolicy,
    StoragePolicyCopy,
    SyncRun,
)
from apps.pruning.models import DDBPartition, DDBStore
from apps.retention.models import RetentionRule
from apps.storage.models import MediaAgent, StoragePool
from tests.factories import ClientFactory, CommCellFactory

pytestmark = [pytest.mark.django_db, pytest.mark.simulator]

JOB_FILTER = "Backup,SYNTHFULL"
INVENTORY = {
    "clients": Client,
    "storage_policies": StoragePolicy,
    "plans": Plan,
    "copies": StoragePolicyCopy,
    "storage_pools": StoragePool,
    "media_agents": MediaAgent,
    "ddb_stores": DDBStore,
}
REMOVABLE = [*INVENTORY.values()]


@pytest.fixture(autouse=True)
def fast_retries(settings):
    # Fault storms retry twice with a short backoff, so each test stays quick.
    settings.CVANALYTICS_CLIENT_MAX_RETRIES = 2
    settings.CVANALYTICS_CLIENT_BACKOFF_SECONDS = 0.01


def sim_commcell(simulator, **overrides) -> CommCell:
    values = {
        "name": "sim",
        "base_url": simulator.base_url,
        "username": simulator.username,
        "secret": simulator.password,
        **overrides,
    }
    return CommCellFactory(**values)


def collect(commcell: CommCell) -> SyncRun:
    run = services.start_sync(commcell, trigger="manual")
    return run_collection(run.pk)


def stored_counts(commcell: CommCell) -> dict[str, int]:
    counts = {
        key: model.objects.filter(commcell=commcell).count()
        for key, model in INVENTORY.items()
    }
    counts["jobs"] = Job.objects.filter(commcell=commcell).count()
    counts["ddb_partitions"] = DDBPartition.objects.filter(
        store__commcell=commcell
    ).count()
    counts["retention_rules"] = RetentionRule.objects.filter(commcell=commcell).count()
    return counts


def removed_count(commcell: CommCell) -> int:
    return sum(
        model.objects.filter(commcell=commcell, removed_at__isnull=False).count()
        for model in REMOVABLE
    )


def expected_jobs(simulator, run: SyncRun) -> int:
    lookback = int((run.job_window_end - run.job_window_start).total_seconds())
    return simulator.expected_jobs(lookback_seconds=lookback, job_filter=JOB_FILTER)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def baseline(sim_faults):
    """A CommCell with one complete collection, and the counts it stored."""
    commcell = sim_commcell(sim_faults, initial_job_days=7)
    run = collect(commcell)
    assert run.status == SyncRun.Status.SUCCEEDED
    return commcell, stored_counts(commcell)


def test_collection_stores_simulator_counts(commserve_sim):
    commcell = sim_commcell(commserve_sim)

    run = collect(commcell)

    counts = stored_counts(commcell)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.errors == []
    assert counts["clients"] == commserve_sim.clients
    assert counts["storage_policies"] == commserve_sim.policies
    assert counts["plans"] == commserve_sim.plans
    assert counts["copies"] == commserve_sim.copies
    assert counts["storage_pools"] == commserve_sim.pools
    assert counts["media_agents"] == commserve_sim.media_agents
    assert counts["ddb_stores"] == commserve_sim.ddb_stores
    assert counts["ddb_partitions"] == commserve_sim.summary["ddb_partitions"]
    assert counts["retention_rules"] == commserve_sim.copies
    assert counts["jobs"] == expected_jobs(commserve_sim, run)


def test_collection_records_counts_and_progress(commserve_sim):
    commcell = sim_commcell(commserve_sim)

    run = collect(commcell)

    jobs = Job.objects.filter(commcell=commcell).count()
    assert run.counts["clients"] == commserve_sim.clients
    assert run.counts["jobs"] == jobs
    assert run.progress["jobs"] == {"done": jobs, "total": jobs}
    assert run.progress["copies"]["done"] == commserve_sim.policies
    assert run.current_step == ""
    assert run.started_at is not None
    assert run.finished_at is not None


def test_collection_updates_commserve_info(commserve_sim):
    commcell = sim_commcell(commserve_sim)

    collect(commcell)

    commcell.refresh_from_db()
    assert commcell.commserve_name == commserve_sim.summary["commcell"]
    assert commcell.commserve_version != ""


def test_collection_links_jobs(commserve_sim):
    commcell = sim_commcell(commserve_sim)

    collect(commcell)

    jobs = Job.objects.filter(commcell=commcell)
    assert jobs.filter(client__isnull=True).count() == 0
    assert jobs.filter(storage_policy__isnull=True).count() == 0
    assert jobs.filter(plan__isnull=True).count() == 0
    assert (
        Plan.objects.filter(commcell=commcell, storage_policy__isnull=True).count() == 0
    )


def test_collection_links_partitions_to_media_agents(commserve_sim):
    commcell = sim_commcell(commserve_sim)

    collect(commcell)

    partitions = DDBPartition.objects.filter(store__commcell=commcell)
    assert partitions.exists()
    assert partitions.filter(media_agent__isnull=True).count() == 0


def test_collection_keeps_hostile_names_as_text(commserve_sim):
    commcell = sim_commcell(commserve_sim)

    collect(commcell)

    names = set(Plan.objects.filter(commcell=commcell).values_list("name", flat=True))
    assert '<b>Finance</b> "Gold"' in names


def test_second_collection_is_idempotent(commserve_sim):
    commcell = sim_commcell(commserve_sim)
    first = collect(commcell)
    first_counts = stored_counts(commcell)
    first_job_ids = set(
        Job.objects.filter(commcell=commcell).values_list("pk", flat=True)
    )

    second = collect(commcell)

    assert second.status == SyncRun.Status.SUCCEEDED
    assert stored_counts(commcell) == first_counts
    assert set(Job.objects.filter(commcell=commcell).values_list("pk", flat=True)) == (
        first_job_ids
    )
    assert removed_count(commcell) == 0
    assert second.job_window_start == first.job_window_end - timedelta(
        hours=commcell.job_overlap_hours
    )


def test_first_collection_reads_initial_days(commserve_sim):
    commcell = sim_commcell(commserve_sim, initial_job_days=30)

    run = collect(commcell)

    assert run.job_window_end == run.started_at
    assert run.job_window_start == run.started_at - timedelta(days=30)
    assert run.counts["jobs"] == expected_jobs(commserve_sim, run)


def test_collection_marks_missing_objects_removed(commserve_sim):
    commcell = sim_commcell(commserve_sim)
    stray = ClientFactory(commcell=commcell, cv_id=987_654, name="decommissioned")

    run = collect(commcell)

    stray.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert stray.removed_at is not None
    assert run.counts["removed"] == 1
    assert removed_count(commcell) == 1


def test_collection_clears_removed_when_object_returns(commserve_sim):
    commcell = sim_commcell(commserve_sim)
    collect(commcell)
    client = Client.objects.filter(commcell=commcell).first()
    Client.objects.filter(pk=client.pk).update(removed_at=client.last_seen_at)

    collect(commcell)

    client.refresh_from_db()
    assert client.removed_at is None


def test_partial_collection_marks_nothing_removed(sim_faults):
    commcell = sim_commcell(sim_faults)
    stray = ClientFactory(commcell=commcell, cv_id=987_654, name="decommissioned")
    sim_faults.set_fault("error_500", path="/StoragePool")

    run = collect(commcell)

    stray.refresh_from_db()
    assert run.status == SyncRun.Status.PARTIAL
    assert stray.removed_at is None


def test_collection_of_non_queued_run_does_nothing(commserve_sim):
    commcell = sim_commcell(commserve_sim)
    run = collect(commcell)

    again = run_collection(run.pk)

    assert again.status == SyncRun.Status.SUCCEEDED
    assert again.finished_at == run.finished_at


# Fault tests: each fault ends the run as failed or partial, and the data of the
# earlier run stays as it was.


def test_wrong_password_fails_run(baseline, sim_faults):
    commcell, before = baseline
    sim_faults.set_fault("wrong_password")

    run = collect(commcell)

    assert run.status == SyncRun.Status.FAILED
    assert run.errors[0]["step"] == "login"
    assert "Login failed" in run.errors[0]["message"]
    assert stored_counts(commcell) == before
    assert removed_count(commcell) == 0


def test_missing_secret_fails_run(commserve_sim):
    commcell = sim_commcell(commserve_sim, secret="")

    run = collect(commcell)

    assert run.status == SyncRun.Status.FAILED
    assert "no password or token stored" in run.errors[0]["message"]


def test_unreachable_commserve_fails_run(baseline):
    commcell, before = baseline
    CommCell.objects.filter(pk=commcell.pk).update(
        base_url=f"http://127.0.0.1:{closed_port()}/webconsole/api"
    )

    run = collect(commcell)

    message = run.errors[0]["message"]
    assert run.status == SyncRun.Status.FAILED
    assert "could not connect" in message
    assert "127.0.0.1" in message
    assert stored_counts(commcell) == before
    assert removed_count(commcell) == 0


def test_self_signed_tls_fails_then_ca_bundle_works(simulator_factory):
    simulator = simulator_factory(
        "--preset", "small", "--seed", "7", "--freeze-clock", "--tls-self-signed"
    )
    commcell = sim_commcell(simulator, ca_bundle=str(simulator.certificate))
    good = collect(commcell)
    before = stored_counts(commcell)
    CommCell.objects.filter(pk=commcell.pk).update(ca_bundle="")

    run = collect(commcell)

    assert good.status == SyncRun.Status.SUCCEEDED
    assert run.status == SyncRun.Status.FAILED
    assert "certificate failed verification" in run.errors[0]["message"]
    assert stored_counts(commcell) == before
    assert removed_count(commcell) == 0


def test_server_error_storm_ends_partial(baseline, sim_faults):
    commcell, before = baseline
    sim_faults.set_fault("error_500", path="/StoragePool")

    run = collect(commcell)

    steps = [error["step"] for error in run.errors]
    assert run.status == SyncRun.Status.PARTIAL
    assert steps == ["storage_pools"]
    assert "HTTP 500" in run.errors[0]["message"]
    assert "/StoragePool" in run.errors[0]["message"]
    assert "jobs" in run.counts
    assert stored_counts(commcell) == before
    assert removed_count(commcell) == 0


def test_short_server_error_burst_is_retried(baseline, sim_faults):
    commcell, before = baseline
    sim_faults.set_fault("error_500", path="/Client", count=2)

    run = collect(commcell)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert stored_counts(commcell) == before


def test_rate_limit_storm_ends_partial(baseline, sim_faults):
    commcell, before = baseline
    sim_faults.set_fault("rate_limit_429", path="/Client")

    run = collect(commcell)

    assert run.status == SyncRun.Status.PARTIAL
    assert [error["step"] for error in run.errors] == ["clients"]
    assert "429" in run.errors[0]["message"]
    assert stored_counts(commcell) == before
    assert removed_count(commcell) == 0


def test_expired_token_is_renewed(baseline, sim_faults):
    commcell, before = baseline
    sim_faults.reset_stats()
    sim_faults.set_fault("expire_tokens", after_requests=5)

    run = collect(commcell)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert sim_faults.stats()["renewals"]["ok"] >= 1
    assert stored_counts(commcell) == before


def test_malformed_json_ends_partial(baseline, sim_faults):
    commcell, before = baseline
    sim_faults.set_fault("malformed_json", path="/V2/Plan")

    run = collect(commcell)

    assert run.status == SyncRun.Status.PARTIAL
    assert [error["step"] for error in run.errors] == ["plans"]
    assert "not JSON" in run.errors[0]["message"]
    assert stored_counts(commcell) == before
    assert removed_count(commcell) == 0


@pytest.mark.parametrize("fault", ["repeat_page", "truncate_pages"])
def test_job_paging_fault_ends_partial(baseline, sim_faults, fault):
    commcell, before = baseline
    # Later runs read two days of jobs, so small pages make the fault hit a later page.
    CommCell.objects.filter(pk=commcell.pk).update(page_size=20)
    sim_faults.set_fault(fault, from_offset=40)

    run = collect(commcell)

    assert run.status == SyncRun.Status.PARTIAL
    # The data aging step pages through the same job list, so the fault hits it too.
    assert [error["step"] for error in run.errors] == ["jobs", "aging_jobs"]
    assert "GET" in run.errors[0]["message"]
    assert stored_counts(commcell) == before
    assert removed_count(commcell) == 0


def test_failed_job_step_keeps_previous_window(baseline, sim_faults):
    commcell, _ = baseline
    first = SyncRun.objects.get(commcell=commcell)
    CommCell.objects.filter(pk=commcell.pk).update(page_size=20)
    sim_faults.set_fault("repeat_page", from_offset=20)
    second = collect(commcell)
    sim_faults.clear_faults()

    third = collect(commcell)

    assert second.status == SyncRun.Status.PARTIAL
    assert third.job_window_start == first.job_window_end - timedelta(
        hours=commcell.job_overlap_hours
    )


def test_one_failing_copy_list_keeps_other_copies(baseline, sim_faults):
    commcell, before = baseline
    policy = StoragePolicy.objects.filter(
        commcell=commcell, copies__isnull=False
    ).first()
    sim_faults.set_fault("error_500", path=f"/V2/StoragePolicy/{policy.cv_id}")

    run = collect(commcell)

    assert run.status == SyncRun.Status.PARTIAL
    assert [error["step"] for error in run.errors] == ["copies"]
    assert (
        f"Storage policy {policy.name} (id {policy.cv_id})" in run.errors[0]["message"]
    )
    assert run.counts["copies"] == before["copies"] - policy.copies.count()
    assert stored_counts(commcell) == before
    assert policy.copies.filter(last_seen_at__gte=run.started_at).count() == 0
    assert removed_count(commcell) == 0


def test_complete_collection_deletes_stale_partitions(baseline, sim_faults):
    commcell, before = baseline
    store = DDBStore.objects.filter(commcell=commcell).first()
    DDBPartition.objects.create(store=store, cv_id=999_999, path="/old/ddb")

    run = collect(commcell)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert not DDBPartition.objects.filter(cv_id=999_999).exists()
    assert stored_counts(commcell) == before


def test_partial_collection_keeps_stale_partitions(baseline, sim_faults):
    commcell, _ = baseline
    store = DDBStore.objects.filter(commcell=commcell).first()
    DDBPartition.objects.create(store=store, cv_id=999_999, path="/old/ddb")
    sim_faults.set_fault("error_500", path="/StoragePool")

    run = collect(commcell)

    assert run.status == SyncRun.Status.PARTIAL
    assert DDBPartition.objects.filter(cv_id=999_999).exists()
