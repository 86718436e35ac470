"""Parsers for DDB statistics (GET /DDBInformation/{id}) and Data Aging jobs."""

from datetime import UTC, datetime

import pytest

from apps.commcell.cvclient.job_parsers import is_data_aging, parse_job
from apps.commcell.cvclient.storage_parsers import parse_ddb_information


def partition(**overrides):
    # The shape of one SubStoreList entry, with values made up for these tests.
    row = {
        "commcellId": 2,
        "timeTakeForRecovery": 0,
        "offlineReason": 0,
        "PruneArchiveFilesAvgTime": 0,
        "maxSIDBPrimaryRecords": 400_000_000,
        "flags": 0,
        "freeDiskSpaceMB": 250_000,
        "sottstateaccesspath": 1,
        "lastSnapTime": 1_764_806_400,
        "subStoreClientVersion": "11.40",
    }
    row.update(overrides)
    return row


def test_ddb_information_sums_pending_deletes():
    payload = {
        "SubStoreList": [
            partition(pendingDeletes=12_000),
            partition(pendingDeletes=3_500),
        ]
    }

    usage = parse_ddb_information(payload)

    assert usage.pending_deletes == 15_500
    assert usage.primary_records == 800_000_000
    assert usage.partition_count == 2


def test_ddb_information_without_pending_deletes_is_unknown():
    usage = parse_ddb_information({"SubStoreList": [partition(), partition()]})

    assert usage.pending_deletes is None


def test_ddb_information_partial_pending_deletes_is_unknown():
    payload = {"SubStoreList": [partition(pendingDeletes=7), partition()]}

    usage = parse_ddb_information(payload)

    assert usage.pending_deletes is None


def test_ddb_information_zero_pending_deletes_is_zero():
    payload = {"subStoreList": [partition(pendingDeletes=0)]}

    assert parse_ddb_information(payload).pending_deletes == 0


@pytest.mark.parametrize("value", [-1, "junk", None])
def test_ddb_information_invalid_pending_deletes_is_unknown(value):
    payload = {"SubStoreList": [partition(pendingDeletes=value)]}

    assert parse_ddb_information(payload).pending_deletes is None


def test_ddb_information_counts_offline_partitions():
    payload = {
        "SubStoreList": [
            partition(offlineReason=0),
            partition(offlineReason=3),
            partition(offlineReason=1),
        ]
    }

    assert parse_ddb_information(payload).partitions_offline == 2


def test_ddb_information_without_offline_reason_is_unknown():
    row = partition()
    del row["offlineReason"]

    assert parse_ddb_information({"SubStoreList": [row]}).partitions_offline is None


def test_ddb_information_last_backup_is_oldest():
    payload = {
        "SubStoreList": [
            partition(lastSnapTime=1_764_806_400),
            partition(lastSnapTime=1_764_720_000),
            partition(lastSnapTime=0),
        ]
    }

    usage = parse_ddb_information(payload)

    assert usage.last_backup_at == datetime(2025, 12, 3, 0, 0, tzinfo=UTC)


def test_ddb_information_empty_list():
    usage = parse_ddb_information({"SubStoreList": []})

    assert usage.partition_count == 0
    assert usage.pending_deletes is None
    assert usage.partitions_offline is None
    assert usage.last_backup_at is None


def aging_row(**overrides):
    summary = {
        "jobId": 1_204_001,
        "jobType": "Data Aging",
        "localizedOperationName": "Data Aging",
        "status": "Completed",
        "localizedStatus": "Completed",
        "isVisible": True,
        "jobStartTime": 1_764_849_600,
        "jobEndTime": 1_764_850_800,
        "sizeOfApplication": 0,
        "totalNumOfFiles": 37,
        "subclient": {"clientName": "cs01", "clientId": 2},
    }
    summary.update(overrides)
    return {"jobSummary": summary}


def test_data_aging_job_parsed():
    job = parse_job(aging_row())

    assert job is not None
    assert is_data_aging(job)
    assert job.job_id == 1_204_001
    assert job.outcome == "completed"
    assert job.start_time == datetime(2025, 12, 4, 12, 0, tzinfo=UTC)
    assert job.end_time == datetime(2025, 12, 4, 12, 20, tzinfo=UTC)
    assert job.total_files == 37


def test_data_aging_without_count():
    row = aging_row()
    del row["jobSummary"]["totalNumOfFiles"]

    assert parse_job(row).total_files is None


def test_data_aging_found_by_operation_name():
    job = parse_job(aging_row(jobType="Admin", localizedOperationName="Data  aging"))

    assert is_data_aging(job)


def test_backup_job_is_not_data_aging():
    job = parse_job(aging_row(jobType="Backup", localizedOperationName="Backup"))

    assert not is_data_aging(job)


def test_data_aging_without_operation_name():
    row = aging_row()
    del row["jobSummary"]["localizedOperationName"]

    assert is_data_aging(parse_job(row))


def test_running_data_aging_has_no_end():
    job = parse_job(aging_row(status="Running", jobEndTime=0))

    assert job.outcome == "running"
    assert job.end_time is None
