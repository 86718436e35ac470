"""Inventory steps on records the simulator does not produce, from a stub client."""

import pytest

from apps.commcell.collector import inventory
from apps.commcell.collector.context import Progress, StepContext
from apps.commcell.cvclient.records import ClientRecord, PlanRecord
from apps.commcell.models import Client, Plan, SyncRun
from tests.factories import CommCellFactory, PlanFactory, StoragePolicyFactory

pytestmark = pytest.mark.django_db


class StubClient:
    """Returns fixed records, standing in for a CommServe in one step."""

    def __init__(self, clients=(), plans=()) -> None:
        self.clients = list(clients)
        self.plans = list(plans)

    def list_clients(self) -> list[ClientRecord]:
        return self.clients

    def get_client(self, cv_id: int) -> ClientRecord:
        return next(record for record in self.clients if record.cv_id == cv_id)

    def list_plans(self) -> list[PlanRecord]:
        return self.plans


def context(commcell, client) -> StepContext:
    run = SyncRun.objects.create(commcell=commcell, status=SyncRun.Status.RUNNING)
    return StepContext(
        client=client, commcell=commcell, run=run, progress=Progress(run)
    )


def test_plan_without_policy_keeps_stored_link():
    commcell = CommCellFactory()
    policy = StoragePolicyFactory(commcell=commcell)
    plan = PlanFactory(commcell=commcell, cv_id=101, storage_policy=policy)
    client = StubClient(plans=[PlanRecord(cv_id=101, name="Gold")])

    inventory.collect_plans(context(commcell, client))

    plan.refresh_from_db()
    assert plan.storage_policy == policy
    assert plan.name == "Gold"


def test_plan_policy_resolved_from_policy_list():
    commcell = CommCellFactory()
    policy = StoragePolicyFactory(commcell=commcell, cv_id=501)
    ctx = context(commcell, StubClient(plans=[PlanRecord(cv_id=101, name="Gold")]))
    ctx.carry["policy_of_plan"] = {101: 501}

    inventory.collect_plans(ctx)

    assert Plan.objects.get(commcell=commcell, cv_id=101).storage_policy == policy


def test_clients_duplicate_ids_stored_once():
    commcell = CommCellFactory()
    client = StubClient(
        clients=[ClientRecord(cv_id=7, name="old"), ClientRecord(cv_id=7, name="new")]
    )

    written = inventory.collect_clients(context(commcell, client))

    assert written == 1
    assert Client.objects.get(commcell=commcell, cv_id=7).name == "new"


def test_clients_hostile_names_cleaned():
    commcell = CommCellFactory()
    client = StubClient(
        clients=[
            ClientRecord(cv_id=1, name="fs\x0001", host_name="h" * 400),
            ClientRecord(cv_id=2, name='<img src=x onerror="alert(1)">'),
        ]
    )

    inventory.collect_clients(context(commcell, client))

    stored = {row.cv_id: row for row in Client.objects.filter(commcell=commcell)}
    assert stored[1].name == "fs01"
    assert len(stored[1].host_name) == 300
    assert stored[2].name == '<img src=x onerror="alert(1)">'


def test_clients_extra_record_fields_ignored():
    commcell = CommCellFactory()
    client = StubClient(
        clients=[ClientRecord(cv_id=1, name="fs01", os_name="Linux", version="11.36")]
    )

    written = inventory.collect_clients(context(commcell, client))

    assert written == 1
    assert Client.objects.get(commcell=commcell).name == "fs01"


def test_step_records_progress():
    commcell = CommCellFactory()
    ctx = context(commcell, StubClient(clients=[ClientRecord(cv_id=1, name="a")]))

    inventory.collect_clients(ctx)

    ctx.run.refresh_from_db()
    assert ctx.run.progress["clients"] == {"done": 1, "total": 1}
