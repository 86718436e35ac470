"""Collections that must stop early: another CommServe, bad settings, a down endpoint."""

import pytest
from cryptography.fernet import Fernet

from apps.commcell import services
from apps.commcell.collector import run_collection
from apps.commcell.models import CommCell, StoragePolicy, SyncRun
from tests.commcell.test_collector import (
    collect,
    removed_count,
    sim_commcell,
    stored_counts,
)

pytestmark = [pytest.mark.django_db, pytest.mark.simulator]

SCENARIO = "commserve_sim/scenarios/example.yaml"


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.CVANALYTICS_CLIENT_MAX_RETRIES = 2
    settings.CVANALYTICS_CLIENT_BACKOFF_SECONDS = 0.01


@pytest.fixture
def collected(sim_faults):
    """A CommCell with one complete collection of the seed-7 simulator (cs01)."""
    commcell = sim_commcell(sim_faults, initial_job_days=7)
    run = collect(commcell)
    assert run.status == SyncRun.Status.SUCCEEDED
    return commcell


@pytest.fixture
def other_commserve(simulator_factory):
    """A second simulator, loaded from the example scenario (CommServe cs-lab)."""
    return simulator_factory("--scenario", SCENARIO, "--freeze-clock")


def test_first_collection_stores_commserve_identity(collected):
    collected.refresh_from_db()

    assert collected.commserve_identity_name == "cs01"
    assert collected.commserve_cv_id == 2


def test_repointed_commcell_fails_before_writing(collected, other_commserve):
    before = stored_counts(collected)
    CommCell.objects.filter(pk=collected.pk).update(base_url=other_commserve.base_url)

    run = collect(collected)

    collected.refresh_from_db()
    message = run.errors[0]["message"]
    assert run.status == SyncRun.Status.FAILED
    assert [error["step"] for error in run.errors] == ["commserve"]
    assert '"cs-lab" (commCellId 2)' in message
    assert '"cs01" (commCellId 2)' in message
    assert "add a new CommCell" in message
    assert "Forget the CommServe identity" in message
    assert stored_counts(collected) == before
    assert removed_count(collected) == 0
    assert collected.commserve_name == "cs01"


def test_cleared_identity_allows_other_commserve(collected, other_commserve):
    CommCell.objects.filter(pk=collected.pk).update(
        base_url=other_commserve.base_url,
        commserve_identity_name="",
        commserve_cv_id=None,
    )

    run = collect(CommCell.objects.get(pk=collected.pk))

    collected.refresh_from_db()
    assert run.status != SyncRun.Status.FAILED
    assert collected.commserve_identity_name == "cs-lab"


def test_unreadable_commserve_info_fails_run(collected, sim_faults):
    before = stored_counts(collected)
    sim_faults.set_fault("error_500", path="/CommServ")

    run = collect(collected)

    assert run.status == SyncRun.Status.FAILED
    assert [error["step"] for error in run.errors] == ["commserve"]
    assert "before storing anything" in run.errors[0]["message"]
    assert stored_counts(collected) == before


def test_copies_step_stops_after_server_errors(collected, sim_faults):
    before = stored_counts(collected)
    policies = StoragePolicy.objects.filter(
        commcell=collected, removed_at__isnull=True
    ).count()
    sim_faults.set_fault("error_500", path="/V2/StoragePolicy/")
    sim_faults.reset_stats()

    run = collect(collected)

    messages = [error["message"] for error in run.errors if error["step"] == "copies"]
    assert run.status == SyncRun.Status.PARTIAL
    assert len(messages) == 4
    assert f"{policies - 3} more storage policies were skipped" in messages[-1]
    assert "stored copies are unchanged" in messages[-1]
    assert stored_counts(collected) == before
    assert removed_count(collected) == 0


def test_bad_ca_bundle_is_settings_error(commserve_sim):
    commcell = sim_commcell(commserve_sim, ca_bundle="/nonexistent/ca.pem")
    CommCell.objects.filter(pk=commcell.pk).update(
        base_url=commserve_sim.base_url.replace("http://", "https://")
    )

    run = collect(commcell)

    message = run.errors[0]["message"]
    assert run.status == SyncRun.Status.FAILED
    assert run.errors[0]["step"] == "settings"
    assert message.startswith("The CommCell settings are invalid: ")
    assert "/nonexistent/ca.pem" in message
    assert "Login failed" not in message


def test_bad_url_is_settings_error(commserve_sim):
    commcell = sim_commcell(commserve_sim)
    CommCell.objects.filter(pk=commcell.pk).update(base_url="ftp://127.0.0.1/api")

    run = collect(commcell)

    message = run.errors[0]["message"]
    assert run.errors[0]["step"] == "settings"
    assert message.startswith("The CommCell settings are invalid: ")
    assert ".." not in message


def test_undecryptable_secret_is_settings_error(commserve_sim, settings):
    commcell = sim_commcell(commserve_sim)
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    run = collect(commcell)

    message = run.errors[0]["message"]
    assert run.status == SyncRun.Status.FAILED
    assert message.startswith("The CommCell settings are invalid: ")
    assert "cannot be decrypted" in message


def test_invalid_fernet_key_is_settings_error(commserve_sim, settings):
    commcell = sim_commcell(commserve_sim)
    settings.ENCRYPTION_KEYS = ["not-a-fernet-key"]

    run = collect(commcell)

    message = run.errors[0]["message"]
    assert run.status == SyncRun.Status.FAILED
    assert run.errors[0]["step"] == "settings"
    assert "CVANALYTICS_ENCRYPTION_KEYS" in message
    assert "Login failed" not in message
    assert ".." not in message


def test_run_failed_meanwhile_keeps_failed(commserve_sim):
    commcell = sim_commcell(commserve_sim, initial_job_days=1)
    run = services.start_sync(commcell, trigger="manual")

    def fail_after_first_step(step, count, errors):
        if step.key == "commserve":
            services.fail_run(SyncRun.objects.get(pk=run.pk), "stopped by an admin")

    finished = run_collection(run.pk, observer=fail_after_first_step)

    assert finished.status == SyncRun.Status.FAILED
    assert finished.errors[-1]["message"] == "stopped by an admin"
