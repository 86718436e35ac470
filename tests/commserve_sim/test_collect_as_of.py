"""`manage.py collect NAME --as-of`: validation, and replays against a simulator."""

from __future__ import annotations

import io
import socket
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from apps.commcell.models import SyncRun
from apps.storage.models import StoragePoolSnapshot
from tests.factories import CommCellFactory

pytestmark = [pytest.mark.django_db, pytest.mark.simulator]


def collect(*args: str) -> str:
    out = io.StringIO()
    call_command("collect", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def iso(moment) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def simulator(simulator_factory):
    return simulator_factory("--preset", "small", "--seed", "7", "--freeze-clock")


def sim_commcell(simulator):
    return CommCellFactory(
        name="replay",
        base_url=simulator.base_url,
        username=simulator.username,
        secret=simulator.password,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-15T12:00:00", "has no time zone"),
        ("last tuesday", "is not an ISO 8601 time"),
        ("2999-01-01T00:00:00Z", "is in the future"),
    ],
)
def test_invalid_as_of_is_refused_naming_the_value(value, expected):
    commcell = CommCellFactory(base_url="http://127.0.0.1:9/webconsole/api")

    with pytest.raises(CommandError, match=expected) as error:
        collect(commcell.name, "--as-of", value)

    assert repr(value) in str(error.value)
    assert not SyncRun.objects.exists()


def test_as_of_rejects_remote_commcell():
    commcell = CommCellFactory()  # https://csNN.example.invalid/webconsole/api
    past = iso(timezone.now() - timedelta(days=1))

    with pytest.raises(CommandError, match="not a loopback host"):
        collect(commcell.name, "--as-of", past)

    assert not SyncRun.objects.exists()


def test_as_of_needs_one_commcell_name():
    CommCellFactory(base_url="http://127.0.0.1:9/webconsole/api")
    past = iso(timezone.now() - timedelta(days=1))

    with pytest.raises(CommandError, match="give its name"):
        collect("--all", "--as-of", past)


def test_as_of_without_simulator():
    port = closed_port()
    commcell = CommCellFactory(base_url=f"http://127.0.0.1:{port}/webconsole/api")
    past = iso(timezone.now() - timedelta(days=1))

    with pytest.raises(CommandError, match="could not be set"):
        collect(commcell.name, "--as-of", past)

    assert not SyncRun.objects.exists()


def test_replayed_runs_stamped(simulator):
    commcell = sim_commcell(simulator)
    now = timezone.now().replace(microsecond=0)
    first, second = now - timedelta(days=10), now - timedelta(days=3)

    output = collect(commcell.name, "--as-of", iso(first), "--as-of", iso(second))

    runs = list(SyncRun.objects.filter(commcell=commcell).order_by("pk"))
    assert [run.status for run in runs] == [SyncRun.Status.SUCCEEDED] * 2
    assert [run.as_of for run in runs] == [first, second]
    assert [run.history_time for run in runs] == [first, second]
    assert output.count("simulator clock set to") == 2
    clock = simulator.http.get(f"{simulator.control_url}/clock").json()["now"]
    assert clock == int(second.timestamp())

    snapshots = StoragePoolSnapshot.objects.filter(
        commcell=commcell, pool__name="HSXPool01"
    ).order_by("collected_at")
    assert [snapshot.collected_at for snapshot in snapshots] == [first, second]
    assert snapshots[1].free_space_mb < snapshots[0].free_space_mb
