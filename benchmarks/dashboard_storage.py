"""Benchmark: server time of the storage pages over a year of hourly pool snapshots.

The script recreates a PostgreSQL database, migrates it, and loads 60 pools with one
snapshot per pool and hour for 365 days (525,600 rows) through COPY. It then times
`/dashboard/storage`, a pool's history chart JSON, the pool page and the forecast
API. Last, it times one thinning run (keep 30 days, one row per day up to 730 days),
which deletes most rows, and the dashboard again on the thinned table.

    DATABASE_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/dashboard_storage.py --requests 100

Requests go through Django's test client in this process, so the figures are server
time (routing, middleware, queries, rendering) without network or a WSGI server.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_NAME = "cv_storage_bench"
ADMIN_URL = os.environ.get(
    "DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
POOLS = 60
DAYS = 365
TOTAL_MB = 200 * 1024 * 1024  # 200 TB per pool


def recreate_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def configure_django(name: str) -> None:
    base = ADMIN_URL.rsplit("/", 1)[0]
    os.environ["DATABASE_URL"] = f"{base}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cvanalytics.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    os.environ.setdefault(
        "CVANALYTICS_ENCRYPTION_KEYS", "YmVuY2htYXJrLW9ubHkta2V5LTAxMjM0NTY3ODkwMTI="
    )
    os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
    os.environ.setdefault("CVANALYTICS_LOG_LEVEL", "WARNING")

    import django

    django.setup()


def load_snapshots(now: datetime) -> tuple[int, float]:
    """Store the pools and their hourly snapshots, and return (rows, seconds)."""
    from django.db import connection

    from apps.commcell.models import CommCell
    from apps.storage.models import StoragePool

    commcell = CommCell.objects.create(
        name="bench", base_url="http://127.0.0.1:9/webconsole/api"
    )
    generator = random.Random(42)
    start = now - timedelta(days=DAYS)
    pools = [
        StoragePool.objects.create(
            commcell=commcell, cv_id=index + 1, name=f"Pool{index:02d}"
        )
        for index in range(POOLS)
    ]
    final_used = {}

    started = time.perf_counter()
    rows = 0
    copy_sql = (
        "COPY storage_storagepoolsnapshot (commcell_id, pool_id, collected_at, "
        "total_capacity_mb, free_space_mb, used_mb, capacity_reported) FROM STDIN"
    )
    # The connection runs nothing else until the COPY ends.
    with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
        for pool in pools:
            # Pools start 20% to 70% used and grow by 10 to 300 GB a day, at most
            # a quarter of their capacity in the year.
            used = TOTAL_MB * generator.uniform(0.2, 0.7)
            growth_per_hour = generator.uniform(10, 300) * 1024 / 24
            growth_per_hour = min(growth_per_hour, 0.25 * TOTAL_MB / (DAYS * 24))
            for hour in range(DAYS * 24):
                used += growth_per_hour + generator.gauss(0, 2048)
                used_mb = int(min(max(used, 0), TOTAL_MB))
                copy.write_row(
                    (
                        commcell.pk,
                        pool.pk,
                        start + timedelta(hours=hour + 1),
                        TOTAL_MB,
                        TOTAL_MB - used_mb,
                        used_mb,
                        True,
                    )
                )
                rows += 1
            final_used[pool.pk] = used_mb

    for pool in pools:
        pool.total_capacity_mb = TOTAL_MB
        pool.free_space_mb = TOTAL_MB - final_used[pool.pk]
        pool.save(update_fields=["total_capacity_mb", "free_space_mb"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE storage_storagepoolsnapshot")
    return rows, time.perf_counter() - started


def measure(client, url: str, count: int) -> dict:
    for _ in range(3):
        client.get(url)

    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url} returned HTTP {response.status_code}")

    samples.sort()
    return {
        "url": url,
        "requests": count,
        "median_ms": round(1000 * statistics.median(samples), 2),
        "p95_ms": round(1000 * samples[int(0.95 * (count - 1))], 2),
        "response_bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--database", default=DATABASE_NAME)
    options = parser.parse_args()

    recreate_database(options.database)
    configure_django(options.database)

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from apps.core import history
    from apps.storage.models import StoragePool

    call_command("migrate", verbosity=0)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    rows, load_seconds = load_snapshots(now)

    user = get_user_model().objects.create(username="bench-viewer")
    user.groups.add(Group.objects.get(name="viewer"))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    pool = StoragePool.objects.order_by("pk").first()

    results = {
        "pools": POOLS,
        "snapshots": rows,
        "copy_load_seconds": round(load_seconds, 1),
        "dashboard": measure(client, "/dashboard/storage", options.requests),
        "dashboard_json": measure(
            client, "/dashboard/storage?format=json", options.requests
        ),
        "history_json": measure(
            client, f"/storage/pools/{pool.pk}/?format=json", options.requests
        ),
        "pool_page": measure(client, f"/storage/pools/{pool.pk}/", options.requests),
        "forecast_api": measure(
            client, f"/api/storage-pools/{pool.pk}/forecast/", options.requests
        ),
    }

    started = time.perf_counter()
    outcomes = history.thin_and_prune(keep_all_days=30, keep_days=730, now=now)
    outcome = outcomes["storage.StoragePoolSnapshot"]
    results["thinning"] = {
        "seconds": round(time.perf_counter() - started, 1),
        "rows_thinned": outcome.thinned,
        "rows_pruned": outcome.pruned,
    }
    # With the default retention the forecast window then contains 30 days of hourly
    # snapshots and 60 daily ones, the steady state of a year-old installation.
    results["dashboard_after_thinning"] = measure(
        client, "/dashboard/storage", options.requests
    )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
