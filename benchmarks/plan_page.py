"""Benchmark: server time of the plan page with one million generated jobs.

The database is the one ``benchmarks/analyzer_pages.py`` fills (PostgreSQL
``cv_retpages_bench``: 250 plans, 600 copies, about 1,000,080 jobs), or a SQLite copy
of it.

Steps:
1. With --sqlite and without --reuse, copy that database into a new SQLite file:
   migrate the file, then copy the inventory, rule and job tables row by row.
2. In a child process: delete the stored waiting jobs, time one first view of
   ``/plans/<id>/`` (it computes the first page and stores it), then request that
   page, its third page and ``/api/plans/<id>/retention/`` as a viewer through
   Django's test client. Each of those figures is the median and p95 of --requests
   requests after 3 warm-up requests.

Usage (run ``benchmarks/analyzer_pages.py --jobs 1000000`` first):
    .venv/bin/python benchmarks/plan_page.py
    .venv/bin/python benchmarks/plan_page.py --sqlite /tmp/plan-bench.sqlite3
    .venv/bin/python benchmarks/plan_page.py --sqlite /tmp/plan-bench.sqlite3 --reuse

Prints a JSON object; docs/benchmarks.md records it.
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SOURCE_DATABASE = "cv_retpages_bench"
# Copied in this order, so foreign keys point at rows already copied.
TABLES = (
    "commcell_commcell",
    "commcell_storagepolicy",
    "commcell_plan",
    "commcell_storagepolicycopy",
    "retention_retentionrule",
    "storage_storagepool",
    "commcell_client",
    "commcell_job",
)
BATCH_ROWS = 20_000


def child_env(sqlite_path: Path | None) -> dict:
    from benchmarks import analysis_jobs as generator

    generator.DATABASE = SOURCE_DATABASE
    env = generator.child_env()
    if sqlite_path is not None:
        env["DATABASE_URL"] = f"sqlite:///{sqlite_path}"
    env["DJANGO_SECURE_COOKIES"] = "false"
    env["CVANALYTICS_LOG_LEVEL"] = "WARNING"
    env["PYTHONPATH"] = str(ROOT)
    return env


def copy_database(sqlite_path: Path) -> dict:
    """Create the SQLite file from the PostgreSQL benchmark database."""
    import psycopg

    from benchmarks import analysis_jobs as generator

    sqlite_path.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=child_env(sqlite_path),
        check=True,
    )
    started = time.perf_counter()
    target = sqlite3.connect(sqlite_path)
    copied = {}
    with psycopg.connect(generator.database_url(SOURCE_DATABASE)) as source:
        for table in TABLES:
            copied[table] = _copy_table(source, target, table)
    target.execute("ANALYZE")
    target.commit()
    target.close()
    return {"rows": copied, "copy_seconds": round(time.perf_counter() - started, 1)}


def _copy_table(source, target: sqlite3.Connection, table: str) -> int:
    columns = [row[1] for row in target.execute(f"PRAGMA table_info({table})")]
    names = ", ".join(columns)
    insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
    count = 0
    with source.cursor(name=f"copy_{table}") as cursor:
        cursor.execute(f"SELECT {names} FROM {table}")
        while rows := cursor.fetchmany(BATCH_ROWS):
            target.executemany(insert, [_sqlite_row(row) for row in rows])
            count += len(rows)
    target.commit()
    return count


def _sqlite_row(row: tuple) -> tuple:
    values = []
    for value in row:
        if hasattr(value, "isoformat") and hasattr(value, "tzinfo"):
            # Django stores aware datetimes on SQLite as naive UTC text.
            value = value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        elif isinstance(value, dict | list):
            value = json.dumps(value)
        values.append(value)
    return tuple(values)


def measure(requests: int) -> dict:
    """Time the plan page and its API before and after storing the waiting jobs."""
    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client

    from apps.commcell.models import Job, Plan
    from apps.retention.models import ToolResult
    from benchmarks.analyzer_pages import time_url

    user, _ = get_user_model().objects.get_or_create(username="bench-viewer")
    user.groups.add(Group.objects.get(name="viewer"))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    plan = Plan.objects.get(pk=1)
    urls = [
        f"/plans/{plan.pk}/",
        f"/plans/{plan.pk}/?page=3",
        f"/api/plans/{plan.pk}/retention/",
    ]
    figures: dict = {
        "database": connection.vendor,
        "plan_jobs": Job.objects.filter(plan=plan).count(),
        "account": time_url(client, "/account/", requests),
    }

    # The first view after an analysis computes the first page and stores it.
    ToolResult.objects.filter(tool=ToolResult.Tool.WAITING_JOBS).delete()
    started = time.perf_counter()
    response = client.get(urls[0])
    figures["first_view_ms"] = round(1000 * (time.perf_counter() - started), 1)
    if response.status_code != 200:
        raise RuntimeError(f"{urls[0]} returned HTTP {response.status_code}")
    figures["stored_policies"] = ToolResult.objects.filter(
        tool=ToolResult.Tool.WAITING_JOBS
    ).count()
    figures["after_first_view"] = [time_url(client, u, requests) for u in urls]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sqlite", type=Path, help="SQLite file to copy the database into"
    )
    parser.add_argument(
        "--requests", type=int, default=10, help="timed requests per page"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="measure the SQLite file of a previous run"
    )
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        print(json.dumps(measure(args.requests)))
        return

    path = args.sqlite.resolve() if args.sqlite else None
    figures: dict = {"sqlite": str(path) if path else None}
    if path is not None and not args.reuse:
        figures.update(copy_database(path))
    # Apply migrations added since the database was filled.
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=child_env(path),
        check=True,
    )
    completed = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--measure",
            "--requests",
            str(args.requests),
        ],
        cwd=ROOT,
        env=child_env(path),
        text=True,
        capture_output=True,
    )
    if completed.returncode != 0:
        sys.exit(f"The measuring process failed:\n{completed.stderr}")
    figures.update(json.loads(completed.stdout.strip().splitlines()[-1]))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
