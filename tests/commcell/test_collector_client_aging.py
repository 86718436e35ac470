"""The client's data aging flag (activity type 16), collected from the simulator.

In the small preset, client16 is the only client with data aging disabled.
"""

import pytest

from apps.commcell.models import Client, CommCell, SyncRun
from tests.commcell.test_collector import collect, sim_commcell

pytestmark = [pytest.mark.django_db, pytest.mark.simulator]


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.CVANALYTICS_CLIENT_MAX_RETRIES = 2
    settings.CVANALYTICS_CLIENT_BACKOFF_SECONDS = 0.01


@pytest.fixture
def collected(sim_faults):
    """A CommCell with one complete collection of the seed-7 simulator.

    Every collection reads the copies' job lists and so every client's detail.
    """
    commcell = sim_commcell(sim_faults, initial_job_days=7, copy_jobs_interval_hours=0)
    run = collect(commcell)
    assert run.status == SyncRun.Status.SUCCEEDED
    return commcell


def test_client_aging_flag_stored(collected, commserve_sim):
    clients = Client.objects.filter(commcell=collected)
    disabled = list(clients.filter(data_aging_enabled=False).values_list("name"))

    assert disabled == [("client16",)]
    assert clients.filter(data_aging_enabled=True).count() == commserve_sim.clients - 1


def test_client_aging_flag_updated(collected):
    client = Client.objects.get(commcell=collected, name="client16")
    Client.objects.filter(commcell=collected).update(data_aging_enabled=False)

    run = collect(collected)

    disabled = Client.objects.filter(commcell=collected, data_aging_enabled=False)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert list(disabled.values_list("pk", flat=True)) == [client.pk]


def test_failed_client_detail_keeps_flag(collected, sim_faults):
    client = Client.objects.get(commcell=collected, name="client16")
    sim_faults.set_fault("error_500", path=f"/Client/{client.cv_id}")

    run = collect(collected)

    messages = [error["message"] for error in run.errors if error["step"] == "clients"]
    client.refresh_from_db()
    assert run.status == SyncRun.Status.PARTIAL
    assert len(messages) == 1
    assert f"Client client16 (id {client.cv_id})" in messages[0]
    assert "stored data aging flag is kept" in messages[0]
    assert not client.data_aging_enabled
    assert client.removed_at is None


def test_client_details_stop_after_server_errors(collected, sim_faults, commserve_sim):
    sim_faults.set_fault("error_500", path="/Client/")
    sim_faults.reset_stats()

    run = collect(collected)

    messages = [error["message"] for error in run.errors if error["step"] == "clients"]
    detail_requests = client_detail_requests(sim_faults)
    assert run.status == SyncRun.Status.PARTIAL
    assert len(messages) == 4
    assert f"{commserve_sim.clients - 3} more client details" in messages[-1]
    assert detail_requests < 3 * 3 + 5
    assert (
        Client.objects.get(commcell=collected, name="client16").data_aging_enabled
        is False
    )


def client_detail_requests(simulator) -> int:
    return sum(
        sum(statuses.values())
        for path, statuses in simulator.stats()["requests"].items()
        if path.startswith("GET ") and "/Client/" in path
    )


def test_details_read_with_copy_job_lists(collected, sim_faults):
    CommCell.objects.filter(pk=collected.pk).update(copy_jobs_interval_hours=24)
    Client.objects.filter(commcell=collected, name="client16").delete()
    Client.objects.filter(commcell=collected, name="client15").update(
        data_aging_enabled=False
    )
    sim_faults.reset_stats()

    run = collect(collected)

    clients = Client.objects.filter(commcell=collected)
    assert run.status == SyncRun.Status.SUCCEEDED
    # The new client16, and the CommServe's own client for its time zone.
    assert client_detail_requests(sim_faults) == 2
    assert clients.get(name="client16").data_aging_enabled is False
    assert clients.get(name="client15").data_aging_enabled is False
