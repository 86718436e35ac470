"""Parsing and paging of a copy's job list (GET /V4/Plan/BackupDestination/{id}/Jobs)."""

from datetime import UTC, datetime

import pytest

from apps.commcell.cvclient.client import CommServeClient
from apps.commcell.cvclient.errors import MalformedResponse
from apps.commcell.cvclient.job_parsers import parse_copy_job

ROW = {"jobId": 5, "jobType": "Full", "status": "Completed"}


def test_copy_job_infinite_retention():
    job = parse_copy_job({**ROW, "retainUntil": -1, "copiedTime": 0})

    assert job.retain_infinite is True
    assert job.retain_until is None
    assert job.copied_time is None


def test_copy_job_dates():
    job = parse_copy_job({**ROW, "retainUntil": 1790000000, "copiedTime": "1780000000"})

    assert job.retain_infinite is False
    assert job.retain_until == datetime.fromtimestamp(1790000000, tz=UTC)
    assert job.copied_time == datetime.fromtimestamp(1780000000, tz=UTC)


def test_copy_job_without_date():
    job = parse_copy_job({**ROW, "retainUntil": 0})

    assert job.retain_infinite is False
    assert job.retain_until is None


@pytest.mark.parametrize(
    ("key", "value"),
    [("retainUntil", "next week"), ("copiedTime", True), ("retainUntil", [1])],
)
def test_copy_job_bad_epoch_rejected(key, value):
    with pytest.raises(MalformedResponse, match=f"job 5 has {key}"):
        parse_copy_job({**ROW, key: value})


@pytest.mark.simulator
def test_client_pages_copy_jobs(commserve_sim):
    with CommServeClient(
        commserve_sim.base_url,
        username=commserve_sim.username,
        password=commserve_sim.password,
    ) as client:
        pages = list(
            client.iter_copy_job_pages(
                1001, start_time=0, end_time=2**31, aged_data=2, page_size=50
            )
        )
        whole = list(
            client.iter_copy_job_pages(
                1001, start_time=0, end_time=2**31, aged_data=2, page_size=5000
            )
        )

    ids = [job.job_id for page in pages for job in page.jobs]
    assert len(pages) > 5
    assert [page.offset for page in pages] == [50 * n for n in range(len(pages))]
    assert ids == [job.job_id for job in whole[0].jobs]
    assert len(ids) == pages[0].total


def test_client_rejects_bad_aged_data():
    client = CommServeClient(
        "http://127.0.0.1:1/webconsole/api", username="u", password="p"
    )

    with pytest.raises(ValueError, match="aged_data"):
        next(client.iter_copy_job_pages(1, start_time=0, end_time=1, aged_data=3))
