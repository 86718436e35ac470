import pytest

from apps.storage.models import StoragePool
from tests.api.helpers import get_json, names
from tests.factories import MediaAgentFactory, StoragePoolFactory

pytestmark = pytest.mark.django_db

POOLS = "/api/storage-pools/"
MEDIA_AGENTS = "/api/media-agents/"


def pool_row(viewer_client, name: str) -> dict:
    return get_json(viewer_client, POOLS, name=name)["results"][0]


def test_pool_free_percent(viewer_client):
    StoragePoolFactory(name="disk", total_capacity_mb=1000, free_space_mb=125)

    row = pool_row(viewer_client, "disk")

    assert row["free_percent"] == 12.5
    assert row["capacity_reported"] is True


def test_pool_capacity_not_reported(viewer_client):
    StoragePoolFactory(
        name="cloud",
        storage_type=StoragePool.StorageType.CLOUD,
        total_capacity_mb=None,
        free_space_mb=None,
    )

    row = pool_row(viewer_client, "cloud")

    assert row["free_percent"] is None
    assert row["capacity_reported"] is False


def test_pool_zero_capacity_not_reported(viewer_client):
    StoragePoolFactory(name="empty", total_capacity_mb=0, free_space_mb=0)

    row = pool_row(viewer_client, "empty")

    assert row["free_percent"] is None
    assert row["capacity_reported"] is False


def test_pool_orders_by_free_percent(viewer_client):
    StoragePoolFactory(name="half", total_capacity_mb=100, free_space_mb=50)
    StoragePoolFactory(name="full", total_capacity_mb=100, free_space_mb=5)
    StoragePoolFactory(name="cloud", total_capacity_mb=None, free_space_mb=None)

    fullest_first = get_json(viewer_client, POOLS, ordering="free_percent")
    emptiest_first = get_json(viewer_client, POOLS, ordering="-free_percent")

    assert names(fullest_first) == ["full", "half", "cloud"]
    assert names(emptiest_first) == ["cloud", "half", "full"]


def test_pool_rejects_internal_ordering_name(viewer_client):
    StoragePoolFactory(name="b")

    response = viewer_client.get(POOLS, {"ordering": "free_percent_value"})

    message = response.json()["ordering"][0]
    assert response.status_code == 400
    assert "'free_percent_value'" in message
    assert "free_percent" in message


def test_pool_filters_by_capacity_reported(viewer_client):
    StoragePoolFactory(name="disk")
    StoragePoolFactory(name="cloud", total_capacity_mb=None, free_space_mb=None)

    reported = get_json(viewer_client, POOLS, capacity_reported="true")
    unreported = get_json(viewer_client, POOLS, capacity_reported="false")

    assert names(reported) == ["disk"]
    assert names(unreported) == ["cloud"]


def test_pool_filters_by_free_percent_below(viewer_client):
    StoragePoolFactory(name="full", total_capacity_mb=100, free_space_mb=5)
    StoragePoolFactory(name="half", total_capacity_mb=100, free_space_mb=50)
    StoragePoolFactory(name="cloud", total_capacity_mb=None, free_space_mb=None)

    payload = get_json(viewer_client, POOLS, free_percent_below=10)

    assert names(payload) == ["full"]


def test_pool_filters_by_storage_type(viewer_client):
    StoragePoolFactory(name="disk")
    StoragePoolFactory(name="cloud", storage_type=StoragePool.StorageType.CLOUD)

    payload = get_json(
        viewer_client, POOLS, storage_type=StoragePool.StorageType.CLOUD.value
    )

    assert names(payload) == ["cloud"]


def test_pool_rejects_unknown_storage_type(viewer_client):
    response = viewer_client.get(POOLS, {"storage_type": 9})

    assert response.status_code == 400
    assert "9" in response.json()["storage_type"][0]


def test_media_agent_filters_by_online(viewer_client):
    MediaAgentFactory(name="up", online=True)
    MediaAgentFactory(name="down", online=False, offline_reason="Service stopped")

    payload = get_json(viewer_client, MEDIA_AGENTS, online="false")

    assert names(payload) == ["down"]
    assert payload["results"][0]["offline_reason"] == "Service stopped"


def test_media_agent_unknown_status_is_null(viewer_client):
    MediaAgentFactory(name="unknown", online=None)

    row = get_json(viewer_client, MEDIA_AGENTS)["results"][0]

    assert row["online"] is None


def test_media_agent_rejects_bad_online(viewer_client):
    response = viewer_client.get(MEDIA_AGENTS, {"online": "maybe"})

    assert response.status_code == 400
    assert "'maybe'" in response.json()["online"][0]
