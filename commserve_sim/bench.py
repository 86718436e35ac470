"""Measure the full GET /Job listing, or every copy's job list, of a running simulator.

    python -m commserve_sim --preset large --port 8400 &
    python -m commserve_sim.bench http://127.0.0.1:8400/webconsole/api --page-size 1000
    python -m commserve_sim.bench http://127.0.0.1:8400/webconsole/api --copy-jobs

Prints pages, jobs, wall time and the slowest page. With --copy-jobs it pages through
GET /V4/Plan/BackupDestination/{copyId}/Jobs of every copy (all time, unaged jobs, as
the collector reads them). Needs httpx (a product dependency).
"""

from __future__ import annotations

import argparse
import base64
import time

import httpx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "base_url", help="API base, such as http://127.0.0.1:8400/webconsole/api"
    )
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--lookback-days", type=int, default=90)
    parser.add_argument("--job-filter", default="Backup,SYNTHFULL")
    parser.add_argument("--username", default="cvadmin")
    parser.add_argument("--password", default="simulator")
    parser.add_argument(
        "--copy-jobs",
        action="store_true",
        help="page through every copy's job list instead of GET /Job",
    )
    parser.add_argument(
        "--aged-data", type=int, default=0, help="agedData of --copy-jobs (0, 1, 2)"
    )
    args = parser.parse_args()

    client = httpx.Client(base_url=args.base_url + "/", timeout=60)
    password = base64.b64encode(args.password.encode()).decode()
    login = client.post(
        "Login",
        json={"username": args.username, "password": password, "deviceId": "bench"},
        headers={"Accept": "application/json"},
    ).json()
    headers = {"Accept": "application/json", "Authtoken": login["token"]}
    if args.copy_jobs:
        bench_copy_jobs(client, headers, args.page_size, args.aged_data)
        return
    params = {
        "completedJobLookupTime": args.lookback_days * 86400,
        "jobFilter": args.job_filter,
    }

    offset, pages, slowest, total = 0, 0, 0.0, 0
    started = time.perf_counter()
    while True:
        page_started = time.perf_counter()
        paging = {"limit": str(args.page_size), "offset": str(offset)}
        body = client.get("Job", params=params, headers=headers | paging).json()
        slowest = max(slowest, time.perf_counter() - page_started)
        total = body["totalRecordsWithoutPaging"]
        if not body["jobs"]:
            break
        offset += len(body["jobs"])
        pages += 1
    elapsed = time.perf_counter() - started

    print(
        f"{offset} of {total} jobs in {pages} pages of {args.page_size}: "
        f"{elapsed:.1f} s, {1000 * elapsed / max(1, pages):.1f} ms per page on "
        f"average, slowest page {1000 * slowest:.1f} ms"
    )


def copy_ids(client: httpx.Client, headers: dict[str, str]) -> list[int]:
    policies = client.get("V2/StoragePolicy", headers=headers).json()["policies"]
    ids = []
    for entry in policies:
        policy_id = entry["storagePolicy"]["storagePolicyId"]
        detail = client.get(f"V2/StoragePolicy/{policy_id}", headers=headers).json()
        for copy in detail["policies"][0]["copies"]:
            ids.append(copy["StoragePolicyCopy"]["copyId"])
    return ids


def bench_copy_jobs(
    client: httpx.Client, headers: dict[str, str], page_size: int, aged_data: int
) -> None:
    """Page through every copy's job list and print the totals and the slowest copy."""
    ids = copy_ids(client, headers)
    params = {"view": "custom", "startTime": 0, "agedData": aged_data}
    rows, pages, slowest, slowest_copy = 0, 0, 0.0, 0
    started = time.perf_counter()
    for copy_id in ids:
        copy_started = time.perf_counter()
        offset = 0
        while True:
            paging = {"limit": str(page_size), "offset": str(offset)}
            body = client.get(
                f"V4/Plan/BackupDestination/{copy_id}/Jobs",
                params=params,
                headers=headers | paging,
            ).json()
            if not body["jobs"]:
                break
            offset += len(body["jobs"])
            pages += 1
        rows += offset
        took = time.perf_counter() - copy_started
        if took > slowest:
            slowest, slowest_copy = took, copy_id
    elapsed = time.perf_counter() - started

    print(
        f"{rows} rows of {len(ids)} copies in {pages} pages of {page_size} "
        f"(agedData={aged_data}): {elapsed:.1f} s, slowest copy {slowest_copy} "
        f"{slowest:.1f} s"
    )


if __name__ == "__main__":
    main()
