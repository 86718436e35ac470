"""Behaviour every inventory endpoint shares: filters, removed rows, roles, paging."""

from collections.abc import Callable

import pytest
from django.utils import timezone

from apps.commcell.models import CommCell
from tests.api.helpers import HOSTILE_NAME, get_json, names
from tests.factories import (
    ClientFactory,
    CommCellFactory,
    DDBPartitionFactory,
    DDBStoreFactory,
    MediaAgentFactory,
    PlanFactory,
    RetentionRuleFactory,
    StoragePolicyCopyFactory,
    StoragePolicyFactory,
    StoragePoolFactory,
)

pytestmark = pytest.mark.django_db


def make_copy(commcell: CommCell, name: str):
    return StoragePolicyCopyFactory(
        commcell=commcell,
        name=name,
        storage_policy=StoragePolicyFactory(commcell=commcell, name=f"SP {name}"),
    )


def make_plan(commcell: CommCell, name: str):
    return PlanFactory(commcell=commcell, name=name)


def make_ddb_store(commcell: CommCell, name: str):
    store = DDBStoreFactory(commcell=commcell, name=name)
    DDBPartitionFactory(store=store, media_agent=MediaAgentFactory(commcell=commcell))
    return store


def simple(factory) -> Callable:
    return lambda commcell, name: factory(commcell=commcell, name=name)


# (URL, function that creates one row with a given CommCell and name)
ENDPOINTS = [
    ("/api/clients/", simple(ClientFactory)),
    ("/api/plans/", make_plan),
    ("/api/storage-policies/", simple(StoragePolicyFactory)),
    ("/api/storage-policy-copies/", make_copy),
    ("/api/storage-pools/", simple(StoragePoolFactory)),
    ("/api/media-agents/", simple(MediaAgentFactory)),
    ("/api/ddb-stores/", make_ddb_store),
]

endpoints = pytest.mark.parametrize(
    ("url", "make"), ENDPOINTS, ids=[url for url, _ in ENDPOINTS]
)


@endpoints
def test_inventory_hides_removed_rows(viewer_client, url, make):
    commcell = CommCellFactory()
    make(commcell, "kept")
    removed = make(commcell, "removed")
    type(removed).objects.filter(pk=removed.pk).update(removed_at=timezone.now())

    payload = get_json(viewer_client, url)

    assert names(payload) == ["kept"]


@endpoints
def test_inventory_include_removed(viewer_client, url, make):
    commcell = CommCellFactory()
    make(commcell, "kept")
    removed = make(commcell, "removed")
    type(removed).objects.filter(pk=removed.pk).update(removed_at=timezone.now())

    payload = get_json(viewer_client, url, include_removed="true", ordering="name")

    assert names(payload) == ["kept", "removed"]
    assert payload["results"][0]["removed_at"] is None
    assert payload["results"][1]["removed_at"] is not None


@endpoints
def test_inventory_include_removed_rejects_word(viewer_client, url, make):
    response = viewer_client.get(url, {"include_removed": "yes"})

    assert response.status_code == 400
    assert "'yes'" in response.json()["include_removed"][0]


@endpoints
def test_inventory_filters_by_commcell(viewer_client, url, make):
    first = CommCellFactory()
    second = CommCellFactory()
    make(first, "in-first")
    make(second, "in-second")

    payload = get_json(viewer_client, url, commcell=second.pk)

    assert names(payload) == ["in-second"]
    assert payload["results"][0]["commcell_name"] == second.name


@endpoints
def test_inventory_filters_by_commcell_name(viewer_client, url, make):
    make(CommCellFactory(name="alpha"), "in-alpha")
    make(CommCellFactory(name="beta"), "in-beta")

    payload = get_json(viewer_client, url, commcell_name="BETA")

    assert names(payload) == ["in-beta"]


@endpoints
def test_inventory_rejects_bad_commcell_id(viewer_client, url, make):
    response = viewer_client.get(url, {"commcell": "cs01"})

    assert response.status_code == 400
    assert "commcell" in response.json()


@endpoints
def test_inventory_filters_by_name(viewer_client, url, make):
    commcell = CommCellFactory()
    make(commcell, "Alpha")
    make(commcell, "Alphabet")

    exact = get_json(viewer_client, url, name="alpha")
    partial = get_json(viewer_client, url, name_contains="PHA", ordering="name")

    assert names(exact) == ["Alpha"]
    assert names(partial) == ["Alpha", "Alphabet"]


@endpoints
def test_inventory_hostile_name_is_plain_json(viewer_client, url, make):
    make(CommCellFactory(), HOSTILE_NAME)

    response = viewer_client.get(url, {"name": HOSTILE_NAME})

    assert response["Content-Type"] == "application/json"
    assert names(response.json()) == [HOSTILE_NAME]


@endpoints
def test_inventory_paginates(viewer_client, url, make):
    commcell = CommCellFactory()
    for number in range(5):
        make(commcell, f"row{number}")

    first = get_json(viewer_client, url, page_size=2, ordering="name")
    last = get_json(viewer_client, url, page_size=2, ordering="name", page=3)

    assert first["count"] == 5
    assert names(first) == ["row0", "row1"]
    assert names(last) == ["row4"]
    assert last["next"] is None


@endpoints
def test_inventory_orders_descending(viewer_client, url, make):
    commcell = CommCellFactory()
    make(commcell, "a")
    make(commcell, "b")

    payload = get_json(viewer_client, url, ordering="-name")

    assert names(payload) == ["b", "a"]


@endpoints
def test_inventory_query_count(viewer_client, url, make, django_assert_max_num_queries):
    for number in range(3):
        commcell = CommCellFactory()
        for row in range(5):
            make(commcell, f"row{number}-{row}")

    # Session, user, role groups, COUNT, page, and one prefetch for DDB partitions.
    with django_assert_max_num_queries(6):
        response = viewer_client.get(url)

    assert len(response.json()["results"]) == 15


@endpoints
def test_inventory_detail(viewer_client, url, make):
    row = make(CommCellFactory(), "one")

    payload = get_json(viewer_client, f"{url}{row.pk}/")

    assert payload["name"] == "one"


@endpoints
def test_inventory_rejects_viewer_write(viewer_client, url, make):
    response = viewer_client.post(url, {"name": "x"}, content_type="application/json")

    assert response.status_code == 403


@endpoints
def test_inventory_read_only_for_admin(admin_role_client, url, make):
    row = make(CommCellFactory(), "one")

    created = admin_role_client.post(url, {"name": "x"})
    deleted = admin_role_client.delete(f"{url}{row.pk}/")

    assert created.status_code == 405
    assert deleted.status_code == 405


@endpoints
def test_inventory_admin_reads(admin_role_client, url, make):
    make(CommCellFactory(), "one")

    assert admin_role_client.get(url).status_code == 200


@endpoints
def test_inventory_rejects_no_role(no_role_client, url, make):
    assert no_role_client.get(url).status_code == 403


@endpoints
def test_inventory_rejects_anonymous(anonymous_client, url, make):
    assert anonymous_client.get(url).status_code == 401


def test_plan_shows_storage_policy(viewer_client):
    plan = PlanFactory(name="Gold")

    row = get_json(viewer_client, "/api/plans/")["results"][0]

    assert row["storage_policy"] == plan.storage_policy_id
    assert row["storage_policy_name"] == plan.storage_policy.name


def test_plan_filters_by_storage_policy(viewer_client):
    gold = PlanFactory(name="Gold")
    PlanFactory(name="Silver")

    payload = get_json(
        viewer_client, "/api/plans/", storage_policy=gold.storage_policy_id
    )

    assert names(payload) == ["Gold"]


def test_copy_shows_pool_by_pool_id(viewer_client):
    pool = StoragePoolFactory(cv_id=41, storage_policy_cv_id=42, name="Disk01")
    StoragePolicyCopyFactory(
        commcell=pool.commcell, storage_pool_cv_id=41, storage_pool_name="Disk01"
    )

    row = get_json(viewer_client, "/api/storage-policy-copies/")["results"][0]

    assert row["storage_pool"] == pool.pk
    assert row["storage_pool_name"] == "Disk01"


def test_copy_shows_pool_by_global_policy_id(viewer_client):
    pool = StoragePoolFactory(cv_id=41, storage_policy_cv_id=42)
    StoragePolicyCopyFactory(commcell=pool.commcell, storage_pool_cv_id=42)

    row = get_json(viewer_client, "/api/storage-policy-copies/")["results"][0]

    assert row["storage_pool"] == pool.pk


def test_copy_pool_from_same_commcell_only(viewer_client):
    StoragePoolFactory(cv_id=41)
    StoragePolicyCopyFactory(storage_pool_cv_id=41)

    row = get_json(viewer_client, "/api/storage-policy-copies/")["results"][0]

    assert row["storage_pool"] is None


def test_copy_shows_retention_severity(viewer_client):
    RetentionRuleFactory(severity="critical")
    StoragePolicyCopyFactory()

    rows = get_json(viewer_client, "/api/storage-policy-copies/")["results"]

    assert sorted(str(row["retention_severity"]) for row in rows) == [
        "None",
        "critical",
    ]


def test_copy_filters_by_severity(viewer_client):
    rule = RetentionRuleFactory(severity="critical")
    RetentionRuleFactory(severity="ok")

    payload = get_json(
        viewer_client, "/api/storage-policy-copies/", severity="critical"
    )

    assert [row["id"] for row in payload["results"]] == [rule.copy_id]


def test_copy_rejects_unknown_severity(viewer_client):
    response = viewer_client.get("/api/storage-policy-copies/", {"severity": "bad"})

    assert response.status_code == 400
    assert "bad" in response.json()["severity"][0]


def test_copy_query_count_with_rules(viewer_client, django_assert_max_num_queries):
    for number in range(10):
        pool = StoragePoolFactory(cv_id=500 + number)
        rule = RetentionRuleFactory(copy__commcell=pool.commcell)
        rule.copy.storage_pool_cv_id = pool.cv_id
        rule.copy.save()

    with django_assert_max_num_queries(5):
        response = viewer_client.get("/api/storage-policy-copies/")

    assert len(response.json()["results"]) == 10


def test_copy_prefers_present_pool(viewer_client):
    commcell = CommCellFactory()
    StoragePoolFactory(commcell=commcell, cv_id=41, removed_at=timezone.now())
    present = StoragePoolFactory(commcell=commcell, cv_id=77, storage_policy_cv_id=41)
    StoragePolicyCopyFactory(commcell=commcell, storage_pool_cv_id=41)

    row = get_json(viewer_client, "/api/storage-policy-copies/")["results"][0]

    assert row["storage_pool"] == present.pk


def test_copy_prefers_pool_own_id(viewer_client):
    commcell = CommCellFactory()
    StoragePoolFactory(commcell=commcell, cv_id=77, storage_policy_cv_id=41)
    own = StoragePoolFactory(commcell=commcell, cv_id=41, storage_policy_cv_id=99)
    StoragePolicyCopyFactory(commcell=commcell, storage_pool_cv_id=41)

    row = get_json(viewer_client, "/api/storage-policy-copies/")["results"][0]

    assert row["storage_pool"] == own.pk
