import pytest
from django.utils import timezone

from tests.api.helpers import get_json, names
from tests.factories import (
    CommCellFactory,
    DDBPartitionFactory,
    DDBStoreFactory,
    MediaAgentFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/ddb-stores/"


def test_ddb_store_lists_partitions(viewer_client):
    commcell = CommCellFactory()
    store = DDBStoreFactory(commcell=commcell, name="Pool01_DDB")
    media_agent = MediaAgentFactory(commcell=commcell, name="ma01")
    DDBPartitionFactory(store=store, cv_id=2, media_agent=media_agent, path="/ddb/2")
    DDBPartitionFactory(store=store, cv_id=1, media_agent_name="ma-not-collected")

    partitions = get_json(viewer_client, URL)["results"][0]["partitions"]

    assert [p["cv_id"] for p in partitions] == [1, 2]
    assert partitions[0]["media_agent"] is None
    assert partitions[0]["media_agent_name"] == "ma-not-collected"
    assert partitions[1]["media_agent"] == media_agent.pk
    assert partitions[1]["media_agent_name"] == "ma01"
    assert partitions[1]["path"] == "/ddb/2"


def test_ddb_store_filters_by_media_agent(viewer_client):
    commcell = CommCellFactory()
    media_agent = MediaAgentFactory(commcell=commcell)
    on_agent = DDBStoreFactory(commcell=commcell, name="on-agent")
    DDBPartitionFactory(store=on_agent, media_agent=media_agent)
    DDBPartitionFactory(store=on_agent, media_agent=media_agent)
    DDBStoreFactory(commcell=commcell, name="elsewhere")

    payload = get_json(viewer_client, URL, media_agent=media_agent.pk)

    assert names(payload) == ["on-agent"]
    assert payload["count"] == 1


def test_ddb_store_filters_by_sealed(viewer_client):
    DDBStoreFactory(name="sealed", sealed_at=timezone.now())
    DDBStoreFactory(name="active")

    sealed = get_json(viewer_client, URL, sealed="true")
    active = get_json(viewer_client, URL, sealed="false")

    assert names(sealed) == ["sealed"]
    assert sealed["results"][0]["sealed"] is True
    assert names(active) == ["active"]


def test_ddb_store_filters_by_pruning(viewer_client):
    DDBStoreFactory(name="paused", pruning_enabled=False)
    DDBStoreFactory(name="pruning")

    payload = get_json(viewer_client, URL, pruning_enabled="false")

    assert names(payload) == ["paused"]


def test_ddb_store_query_count(viewer_client, django_assert_max_num_queries):
    commcell = CommCellFactory()
    for number in range(10):
        store = DDBStoreFactory(commcell=commcell)
        for partition in range(3):
            DDBPartitionFactory(
                store=store,
                cv_id=number * 10 + partition,
                media_agent=MediaAgentFactory(commcell=commcell),
            )

    # Session, user, role groups, COUNT, page and the partitions with MediaAgents.
    with django_assert_max_num_queries(6):
        response = viewer_client.get(URL)

    assert len(response.json()["results"]) == 10
