"""Measure the full GET /Job listing of a running simulator over HTTP.

    python -m commserve_sim --preset large --port 8400 &
    python -m commserve_sim.bench http://127.0.0.1:8400/webconsole/api --page-size 1000

Prints pages, jobs, wall time and the slowest page. Needs httpx (a product dependency).
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
    args = parser.parse_args()

    client = httpx.Client(base_url=args.base_url + "/", timeout=60)
    password = base64.b64encode(args.password.encode()).decode()
    login = client.post(
        "Login",
        json={"username": args.username, "password": password, "deviceId": "bench"},
        headers={"Accept": "application/json"},
    ).json()
    headers = {"Accept": "application/json", "Authtoken": login["token"]}
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


if __name__ == "__main__":
    main()
