import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_celery_beat.models import PeriodicTask

from apps.commcell.models import CommCell, SyncRun
from apps.commcell.schedule import periodic_task_name
from apps.core.models import AuditLog
from tests.factories import CommCellFactory, SyncRunFactory

pytestmark = pytest.mark.django_db

URL = "https://cs-prod.example.invalid/webconsole/api"


def add_commcell(*args: str) -> str:
    out = io.StringIO()
    call_command("add_commcell", *args, stdout=out)
    return out.getvalue()


def test_add_commcell_creates_with_password(monkeypatch):
    monkeypatch.setenv("CS_PASSWORD", "from-the-env")

    output = add_commcell(
        "cs-prod", "--url", URL, "--username", "svc", "--password-env", "CS_PASSWORD"
    )

    commcell = CommCell.objects.get(name="cs-prod")
    assert "Created CommCell cs-prod" in output
    assert commcell.secret == "from-the-env"
    assert commcell.auth_type == CommCell.AuthType.PASSWORD
    assert commcell.verify_tls is True
    assert commcell.collection_interval_minutes == 60


def test_add_commcell_token_and_options(monkeypatch, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not checked here")
    monkeypatch.setenv("CS_TOKEN", "QSDK 1234")

    add_commcell(
        "cs-prod",
        "--url",
        URL,
        "--token-env",
        "CS_TOKEN",
        "--no-verify-tls",
        "--ca-bundle",
        str(bundle),
        "--interval",
        "15",
    )

    commcell = CommCell.objects.get(name="cs-prod")
    assert commcell.auth_type == CommCell.AuthType.TOKEN
    assert commcell.secret == "QSDK 1234"
    assert commcell.verify_tls is False
    assert commcell.ca_bundle == str(bundle)
    assert commcell.collection_interval_minutes == 15


def test_add_commcell_updates_existing(monkeypatch):
    monkeypatch.setenv("CS_PASSWORD", "first")
    add_commcell(
        "cs-prod", "--url", URL, "--username", "svc", "--password-env", "CS_PASSWORD"
    )
    monkeypatch.setenv("CS_PASSWORD", "second")

    output = add_commcell(
        "cs-prod", "--url", URL, "--username", "svc2", "--password-env", "CS_PASSWORD"
    )

    commcell = CommCell.objects.get(name="cs-prod")
    assert "Updated CommCell cs-prod" in output
    assert CommCell.objects.count() == 1
    assert commcell.username == "svc2"
    assert commcell.secret == "second"


def test_add_commcell_audits_without_secret(monkeypatch):
    monkeypatch.setenv("CS_PASSWORD", "audit-me-not")

    add_commcell(
        "cs-prod", "--url", URL, "--username", "svc", "--password-env", "CS_PASSWORD"
    )

    entry = AuditLog.objects.get(action="commcell.create")
    assert entry.actor_name == "system"
    assert entry.after["secret"] == "changed"
    assert "audit-me-not" not in str(entry.after)


def test_add_commcell_syncs_schedule(monkeypatch):
    monkeypatch.setenv("CS_PASSWORD", "pw")

    add_commcell(
        "cs-prod",
        "--url",
        URL,
        "--username",
        "svc",
        "--password-env",
        "CS_PASSWORD",
        "--interval",
        "20",
    )

    commcell = CommCell.objects.get(name="cs-prod")
    task = PeriodicTask.objects.get(name=periodic_task_name(commcell))
    assert task.interval.every == 20
    assert task.enabled is True


def test_add_commcell_empty_env_rejected(monkeypatch):
    monkeypatch.delenv("CS_PASSWORD", raising=False)

    with pytest.raises(CommandError, match="CS_PASSWORD is empty or unset"):
        add_commcell(
            "cs-prod",
            "--url",
            URL,
            "--username",
            "svc",
            "--password-env",
            "CS_PASSWORD",
        )

    assert not CommCell.objects.exists()


def test_add_commcell_rejects_plain_http(monkeypatch):
    monkeypatch.setenv("CS_PASSWORD", "pw")

    with pytest.raises(CommandError, match="plain http"):
        add_commcell(
            "cs-prod",
            "--url",
            "http://cs-prod.example.invalid/webconsole/api",
            "--username",
            "svc",
            "--password-env",
            "CS_PASSWORD",
        )

    assert not CommCell.objects.exists()


def test_add_commcell_requires_secret_option():
    with pytest.raises(CommandError, match="--password-env --token-env"):
        add_commcell("cs-prod", "--url", URL, "--username", "svc")


def test_add_commcell_missing_ca_bundle(monkeypatch):
    monkeypatch.setenv("CS_PASSWORD", "pw")

    with pytest.raises(CommandError, match="does not exist"):
        add_commcell(
            "cs-prod",
            "--url",
            URL,
            "--username",
            "svc",
            "--password-env",
            "CS_PASSWORD",
            "--ca-bundle",
            "/nonexistent/ca.pem",
        )


def test_collect_unknown_commcell():
    with pytest.raises(CommandError, match="'nope' not found"):
        call_command("collect", "nope")


def test_collect_needs_name_or_all():
    with pytest.raises(CommandError, match="Give the name of a CommCell, or --all"):
        call_command("collect")


def sim_commcell(simulator, name: str = "sim", **overrides) -> CommCell:
    values = {
        "name": name,
        "base_url": simulator.base_url,
        "username": simulator.username,
        "secret": simulator.password,
        "initial_job_days": 7,
        **overrides,
    }
    return CommCellFactory(**values)


@pytest.mark.simulator
def test_collect_prints_steps_and_outcome(commserve_sim):
    sim_commcell(commserve_sim)
    out = io.StringIO()

    call_command("collect", "sim", stdout=out)

    output = out.getvalue()
    assert f"Clients: {commserve_sim.clients} stored" in output
    assert "Jobs:" in output
    assert "succeeded" in output
    assert SyncRun.objects.get().trigger == "command"


@pytest.mark.simulator
def test_collect_failed_run_exits_nonzero(commserve_sim):
    sim_commcell(commserve_sim, secret="wrong-password")
    out = io.StringIO()

    with pytest.raises(CommandError, match="Collection failed for: sim"):
        call_command("collect", "sim", stdout=out)

    assert "failed" in out.getvalue()
    assert "rejected" in out.getvalue()
    assert SyncRun.objects.get().status == SyncRun.Status.FAILED


@pytest.mark.simulator
def test_collect_all_enabled(commserve_sim):
    sim_commcell(commserve_sim, name="first")
    sim_commcell(commserve_sim, name="second")
    sim_commcell(commserve_sim, name="off", enabled=False)

    call_command("collect", "--all", stdout=io.StringIO())

    collected = set(SyncRun.objects.values_list("commcell__name", flat=True))
    assert collected == {"first", "second"}


def test_collect_active_run_exits_nonzero():
    commcell = CommCellFactory(name="busy")
    SyncRunFactory(commcell=commcell, status=SyncRun.Status.RUNNING)
    err = io.StringIO()

    with pytest.raises(CommandError, match="busy"):
        call_command("collect", "busy", stdout=io.StringIO(), stderr=err)

    assert "already has run" in err.getvalue()
