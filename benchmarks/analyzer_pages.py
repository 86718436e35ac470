"""Benchmark: server time of the retention analyzer pages on generated job histories.

Steps:
1. Unless --reuse is given, recreate the database ``cv_bench_retention_pages`` and
   fill it with the inventory, jobs and jobs on copies of
   ``benchmarks/analysis_jobs.py`` (same generator, same seed, its own database
   name, so a run of that script is left alone).
2. In a child process: run the ``retention.cycles`` analyzer through
   ``apps.core.analysis.run_analysis`` as of the generator's NOW (2026-12-01 13:00 UTC),
   which refreshes the cadence tables and stores findings. Then request each page
   through Django's test client as a viewer and record median and p95 server time.

Usage:
    .venv/bin/python benchmarks/analyzer_pages.py --jobs 1000000 --requests 30
    .venv/bin/python benchmarks/analyzer_pages.py --reuse --requests 30

With --reuse the database of the previous run is migrated and measured again.

Figures are server time (routing, middleware, queries, template rendering) without
network or a WSGI server. Prints a JSON object; docs/benchmarks.md records it.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "cv_bench_retention_pages"


def generate(jobs: int, days: int, seed: int) -> dict:
    """Recreate the benchmark database and load the generated jobs into it."""
    import psycopg

    from benchmarks import analysis_jobs as generator

    generator.DATABASE = DATABASE
    generator.recreate_database()
    generator.migrate()
    figures = {}
    with psycopg.connect(generator.database_url(DATABASE)) as conn:
        started = time.perf_counter()
        figures["jobs"] = generator.load_jobs(conn, jobs, days, seed)
        figures["jobs_on_copies"] = generator.load_jobs_on_copies(conn)
        figures["load_seconds"] = round(time.perf_counter() - started, 1)
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return figures


def migrate() -> None:
    """Apply migrations added since the database of a previous run was filled."""
    from benchmarks import analysis_jobs as generator

    generator.DATABASE = DATABASE
    generator.migrate()


def child_env() -> dict:
    from benchmarks import analysis_jobs as generator

    generator.DATABASE = DATABASE
    env = generator.child_env()
    env["DJANGO_SECURE_COOKIES"] = "false"
    env["CVANALYTICS_LOG_LEVEL"] = "WARNING"
    env["PYTHONPATH"] = str(ROOT)
    return env


def measure_pages(requests: int) -> dict:
    """Run the analysis, then time each page; runs inside the child process."""
    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from apps.commcell.models import CommCell, Job, Plan
    from apps.core.analysis import run_analysis
    from apps.retention.analysis import ANALYZER_NAME, analyze_cycles
    from benchmarks.analysis_jobs import NOW

    figures: dict = {}
    commcell = CommCell.objects.get(pk=1)
    started = time.perf_counter()
    run = run_analysis(commcell, now=NOW, analyzers={ANALYZER_NAME: analyze_cycles})
    figures["analysis_seconds"] = round(time.perf_counter() - started, 2)
    figures["analysis_status"] = run.status
    figures["analysis_counts"] = run.counts

    user, _ = get_user_model().objects.get_or_create(username="bench-viewer")
    user.groups.add(Group.objects.get(name="viewer"))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)

    plan = Plan.objects.get(pk=1)
    job = Job.objects.filter(plan=plan).order_by("-start_time").first()
    urls = [
        "/account/",
        "/retention/copies/",
        "/retention/copies/?delayed=on&sort=delay",
        "/analyzers/cycles/",
        "/analyzers/cycles/?flagged=on",
        "/analyzers/cycles/?copy_kind=secondary",
        "/retention/copies/?copy_kind=secondary&sort=interval",
        "/analyzers/backup-success/",
        "/analyzers/backup-success/?flagged=on",
        f"/jobs/{job.pk}/",
        f"/plans/{plan.pk}/",
        "/api/retention/cycle-analyzer/",
        "/api/retention/copy-summaries/?copy_kind=secondary",
        "/api/retention/backup-success/",
    ]
    figures["pages"] = [time_url(client, url, requests) for url in urls]
    figures["plan_jobs"] = Job.objects.filter(plan=plan).count()
    return figures


def time_url(client, url: str, count: int) -> dict:
    """Return the median and p95 server time of ``count`` requests after 3 warm-ups."""
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
        "median_ms": round(1000 * statistics.median(samples), 1),
        "p95_ms": round(1000 * samples[int(0.95 * (count - 1))], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000, help="jobs to load")
    parser.add_argument(
        "--days", type=int, default=120, help="days of daily jobs per chain"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--requests", type=int, default=30, help="timed requests per page"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database of a previous run"
    )
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        print(json.dumps(measure_pages(args.requests)))
        return

    figures: dict = {"requested_jobs": args.jobs, "days_per_chain": args.days}
    if args.reuse:
        migrate()
    else:
        figures.update(generate(args.jobs, args.days, args.seed))
    completed = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--measure",
            "--requests",
            str(args.requests),
        ],
        cwd=ROOT,
        env=child_env(),
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
