"""--replay serves recorded responses by file name, with login still simulated."""

import pytest

from tests.commserve_sim.conftest import api_client

pytestmark = pytest.mark.simulator


@pytest.fixture
def replay_sim(simulator_factory, tmp_path):
    (tmp_path / "GET__CommServ.json").write_bytes(
        b'{"commcell": {"commCellName": "rec"}}'
    )
    (tmp_path / "GET__V2__StoragePolicy.json").write_bytes(b'{"policies": []}')
    (tmp_path / "GET__V2__StoragePolicy@propertyLevel=20.json").write_bytes(
        b'{"policies": [{"plans": []}]}'
    )
    (tmp_path / "GET__StoragePool.json").write_bytes(b'{"errorCode": 5}')
    (tmp_path / "GET__StoragePool.status").write_text("503\n")
    engines = "POST__Qcommand__qoperation%20execute#EVGui_DDBEnginesReq.json"
    (tmp_path / engines).write_bytes(b'{"engines": [{"storeId": 1}]}')
    (tmp_path / "GET__Job.json").write_bytes(b'{"totalRecordsWithoutPaging": 0}  ')
    simulator = simulator_factory("--replay", str(tmp_path))
    with api_client(simulator, simulator.login()) as client:
        yield client


def test_replay_serves_recorded_body(replay_sim):
    response = replay_sim.get("CommServ")

    assert response.status_code == 200
    assert response.json()["commcell"]["commCellName"] == "rec"


def test_replay_serves_bytes_unchanged(replay_sim):
    response = replay_sim.get("Job", params={"jobFilter": "Backup"})

    assert response.content == b'{"totalRecordsWithoutPaging": 0}  '


def test_replay_prefers_query_specific_file(replay_sim):
    plain = replay_sim.get("V2/StoragePolicy").json()
    with_query = replay_sim.get("V2/StoragePolicy", params={"propertyLevel": 20}).json()

    assert plain == {"policies": []}
    assert with_query == {"policies": [{"plans": []}]}


def test_replay_uses_status_file(replay_sim):
    response = replay_sim.get("StoragePool")

    assert response.status_code == 503


def test_replay_selects_post_by_body_key(replay_sim):
    body = {"EVGui_DDBEnginesReq": {"flags": 0}}

    response = replay_sim.post("Qcommand/qoperation%20execute", json=body)

    assert response.json() == {"engines": [{"storeId": 1}]}


def test_replay_missing_file_names_candidates(replay_sim):
    response = replay_sim.get("V2/Plan")

    assert response.status_code == 404
    assert "GET__V2__Plan.json" in response.json()["errorMessage"]


def test_replay_still_requires_token(replay_sim):
    response = replay_sim.get("CommServ", headers={"Authtoken": "QSDK nope"})

    assert response.status_code == 401


def test_replay_of_missing_folder_is_rejected(simulator_factory, tmp_path):
    with pytest.raises(RuntimeError, match="is not a folder"):
        simulator_factory("--replay", str(tmp_path / "absent"))
