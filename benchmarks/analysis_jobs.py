"""Benchmark: the SQL retention analysis over millions of jobs in PostgreSQL.

Steps, all in one run on the same machine:
1. Recreate the benchmark database and migrate it.
2. Insert one CommCell with 250 plans (one storage policy each), 600 copies with
   a retention rule each (250 primary copies, 350 secondary), 60 storage pools and
   up to 20,000 clients.
3. Generate the jobs in Python and load them with COPY. Each chain (client and
   subclient) has a daily incremental and a weekly or monthly full. Some fulls and
   incrementals fail, some fulls complete with errors or are synthetic, and the
   newest job of some chains is still running. Then list every full and synthetic
   full as the CommServe would on two copies (commcell_joboncopy): the primary copy
   and the policy's first secondary copy (precedence 2), each with a retain-until
   date; 2% of them are retained manually by a user, some to a later date and some
   forever. The 100 secondary copies of precedence 3 get no rows, so they are
   reported as "job list not collected". Then VACUUM ANALYZE both tables.
4. In a child process under GNU time (wall time and maximum RSS): refresh the
   ChainCadence and CopyRetentionSummary tables, stream the per-job eligibility of
   every job, then of one storage policy. PostgreSQL's temporary file bytes for the
   database are read before and after.
5. Drop the database unless --keep is given.

With --time-zone the CommCell's retention settings name that zone, so a zone with
daylight saving time makes the analysis read each date's aging run from a table.

Usage:
    .venv/bin/python benchmarks/analysis_jobs.py --jobs 1000000
    .venv/bin/python benchmarks/analysis_jobs.py --jobs 10000000
    .venv/bin/python benchmarks/analysis_jobs.py --jobs 1000000 --time-zone Europe/Berlin
Prints a JSON object with the figures; docs/benchmarks.md records them.
"""

import argparse
import io
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE = "cv_bench_sqlcopies"
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
NOW = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)

PLANS = 250
COPIES = 600
POOLS = 60
MAX_CLIENTS = 20_000
# Days, cycles and data aging of the rules, cycled over the copies.
RULES = [(14, 2, True), (30, 1, True), (30, 4, True), (7, 1, True), (60, 2, True)]
RULES += [(90, 0, True), (-1, 1, True), (30, 1, False)]
COPY_ROWS_PER_CHUNK = 200_000

JOB_COLUMNS = (
    "commcell_id, job_id, job_type, level, level_name, status, outcome, client_id, "
    "client_name, storage_policy_id, plan_id, subclient_cv_id, subclient_name, "
    "app_type, start_time, end_time, application_bytes, media_bytes, "
    "percent_savings, is_aged"
)

# Run in the child process: the analysis alone, so its RSS is the analysis's.
ANALYSIS_SCRIPT = """
import json, time
from collections import Counter
from datetime import datetime
import django
django.setup()
from apps.retention import sql as retention_sql

now = datetime.fromisoformat({now!r})
figures = {{}}
zone = {zone!r}
if zone:
    from apps.retention.models import RetentionSettings
    RetentionSettings.objects.update_or_create(
        commcell_id=1, defaults={{"time_zone": zone}}
    )
    figures["time_zone"] = zone
started = time.perf_counter()
counts = retention_sql.refresh(now=now)
figures["refresh_seconds"] = round(time.perf_counter() - started, 2)
figures["chains"] = counts.chains
figures["copies"] = counts.copies

started = time.perf_counter()
reasons = Counter(
    row.reason for row in retention_sql.job_eligibility(commcell_id=1, now=now)
)
figures["job_eligibility_seconds"] = round(time.perf_counter() - started, 2)
figures["reasons"] = dict(sorted(reasons.items()))

started = time.perf_counter()
reasons = Counter(
    row.reason
    for row in retention_sql.job_eligibility(commcell_id=1, every_copy=True, now=now)
)
figures["job_eligibility_every_copy_seconds"] = round(time.perf_counter() - started, 2)
figures["reasons_every_copy"] = dict(sorted(reasons.items()))

from apps.retention.models import CopyRetentionSummary
from django.db.models import Count, Sum
figures["summaries_by_source"] = dict(
    CopyRetentionSummary.objects.values_list("job_source").annotate(n=Count("pk"))
)
figures["disagreeing_jobs"] = CopyRetentionSummary.objects.aggregate(
    n=Sum("disagreeing_job_count")
)["n"]

started = time.perf_counter()
rows = sum(1 for _ in retention_sql.job_eligibility(storage_policy_id={policy}, now=now))
figures["one_policy_seconds"] = round(time.perf_counter() - started, 3)
figures["one_policy_jobs"] = rows
print(json.dumps(figures))
"""


def database_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def recreate_database() -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def drop_database() -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def child_env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cvanalytics.settings",
        "DATABASE_URL": database_url(DATABASE),
        "DJANGO_SECRET_KEY": "benchmark-only",
        "DJANGO_DEBUG": "false",
        "CVANALYTICS_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }


def migrate() -> None:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=child_env(),
        check=True,
    )


def insert_inventory(conn: psycopg.Connection, clients: int) -> None:
    """Insert the CommCell, policies, plans, copies, rules, pools and clients."""
    stamp = "now()"
    seen = f"{stamp}, {stamp}"

    conn.execute(
        "INSERT INTO commcell_commcell (id, name, base_url, auth_type, username, "
        "secret_encrypted, verify_tls, ca_bundle, timeout_seconds, page_size, "
        "initial_job_days, job_overlap_hours, collection_interval_minutes, enabled, "
        "commserve_name, commserve_version, created_at, updated_at, "
        "commserve_identity_name, copy_jobs_interval_hours, commserve_time_zone) "
        "VALUES (1, 'bench', 'http://127.0.0.1:9/webconsole/api', 'password', "
        "'bench', '', true, '', 60, 1000, 90, 48, 0, false, '', '', "
        f"{seen}, '', 24, '')"
    )

    conn.execute(
        "INSERT INTO commcell_storagepolicy (id, commcell_id, cv_id, name, "
        f"first_seen_at, last_seen_at) SELECT g, 1, g, 'SP-' || g, {seen} "
        f"FROM generate_series(1, {PLANS}) g"
    )

    conn.execute(
        "INSERT INTO commcell_plan (id, commcell_id, cv_id, name, first_seen_at, "
        f"last_seen_at, description, storage_policy_id) SELECT g, 1, g, "
        f"'Plan-' || g, {seen}, '', g FROM generate_series(1, {PLANS}) g"
    )

    # Copies 1..250 are the primary copies and the rest are secondary copies.
    conn.execute(
        "INSERT INTO commcell_storagepolicycopy (id, commcell_id, cv_id, name, "
        "first_seen_at, last_seen_at, copy_precedence, is_default, is_snap_copy, "
        "is_mirror_copy, active, dedup_enabled, worm, override_pool_retention, "
        "storage_pool_name, library_name, storage_policy_id) SELECT g, 1, g, "
        f"CASE WHEN g <= {PLANS} THEN 'Primary' ELSE 'Secondary-' || g END, {seen}, "
        f"CASE WHEN g <= {PLANS} THEN 1 ELSE 2 + (g - {PLANS} - 1) / {PLANS} END, "
        f"g <= {PLANS}, false, false, true, true, false, false, "
        f"'Pool' || (g % {POOLS}), '', "
        f"1 + (g - 1) % {PLANS} FROM generate_series(1, {COPIES}) g"
    )

    values = ", ".join(
        f"({index}, {days}, {cycles}, {str(aging).lower()})"
        for index, (days, cycles, aging) in enumerate(RULES)
    )

    conn.execute(
        "INSERT INTO retention_retentionrule (commcell_id, copy_id, storage_policy_id, "
        "plan_id, retention_days, retention_cycles, data_aging_enabled, "
        "job_based_retention, extended_rules, severity, severity_rank, reason, "
        "updated_at, cycles_reported, data_aging_reported) "
        "SELECT 1, c.id, c.storage_policy_id, c.storage_policy_id, r.days, r.cycles, "
        "r.aging, false, '[]', 'ok', 4, 'benchmark', now(), true, true "
        f"FROM commcell_storagepolicycopy c JOIN (VALUES {values}) "
        f"AS r(k, days, cycles, aging) ON r.k = c.id % {len(RULES)}"
    )

    conn.execute(
        "INSERT INTO storage_storagepool (commcell_id, cv_id, name, first_seen_at, "
        "last_seen_at, status, online, worm_flags) SELECT 1, g, 'Pool' || g, "
        f"{seen}, 'Online', true, 0 FROM generate_series(1, {POOLS}) g"
    )

    conn.execute(
        "INSERT INTO commcell_client (id, commcell_id, cv_id, name, first_seen_at, "
        "last_seen_at, host_name, display_name, company, data_aging_enabled) "
        f"SELECT g, 1, g, 'client' || g, {seen}, 'client' || g || '.example.test', "
        # One client in a hundred has data aging switched off.
        f"'', '', g % 100 <> 0 FROM generate_series(1, {clients}) g"
    )


def chain_rows(chain: int, clients: int, days: int, rng: random.Random):
    """Yield the COPY lines of one chain's jobs, oldest first."""
    client = 1 + chain % clients
    subclient = chain // clients + 1
    policy = 1 + rng.randrange(PLANS)
    monthly = rng.random() < 0.3
    period = 30 if monthly else 7
    phase = rng.randrange(period)
    hour = 18 + rng.randrange(6)
    minute = rng.randrange(60)
    first_day = NOW - timedelta(days=days)

    for number in range(days):
        start = first_day.replace(hour=hour, minute=minute) + timedelta(days=number)
        is_full = number % period == phase
        roll = rng.random()
        if is_full:
            level = "synthetic_full" if roll < 0.15 else "full"
            outcome = (
                "failed"
                if roll > 0.95
                else "completed_errors"
                if roll > 0.9
                else "completed"
            )
        else:
            level = "incremental"
            outcome = "failed" if roll > 0.98 else "completed"
        last = number == days - 1
        if last and roll < 0.05:
            outcome = "running"
        if start > NOW:
            continue
        end = (
            "\\N"
            if outcome == "running"
            else (start + timedelta(minutes=40)).isoformat()
        )
        size = 50_000_000_000 if level != "incremental" else 2_000_000_000
        yield (
            f"1\t{chain * days + number + 1}\tBackup\t{level}\t{level}\t{outcome}\t"
            f"{outcome}\t{client}\tclient{client}\t{policy}\t{policy}\t{subclient}\t"
            f"sub{subclient}\tFile System\t{start.isoformat()}\t{end}\t{size}\t"
            f"{size // 3}\t66.7\tf\n"
        )


def load_jobs(conn: psycopg.Connection, total: int, days: int, seed: int) -> int:
    """COPY about ``total`` jobs in chains of ``days`` daily jobs and return the count."""
    rng = random.Random(seed)
    chains = -(-total // days)
    clients = min(MAX_CLIENTS, chains)
    insert_inventory(conn, clients)
    conn.commit()

    loaded = 0
    buffer = io.StringIO()
    pending = 0
    for chain in range(chains):
        for line in chain_rows(chain, clients, days, rng):
            buffer.write(line)
            pending += 1
        if pending >= COPY_ROWS_PER_CHUNK or chain == chains - 1:
            with conn.cursor().copy(
                f"COPY commcell_job ({JOB_COLUMNS}) FROM STDIN"
            ) as copy:
                copy.write(buffer.getvalue())
            conn.commit()
            loaded += pending
            buffer = io.StringIO()
            pending = 0
    return loaded


def load_jobs_on_copies(conn: psycopg.Connection) -> int:
    """List each full on its primary copy and first secondary copy; return the rows."""
    cursor = conn.execute(
        "INSERT INTO commcell_joboncopy (commcell_id, copy_id, job_id, retain_until, "
        "retain_infinite, retained_by, retained_by_text, retention_reason, is_aged, "
        "is_soft_aged, copied_time, required_by_jobs, collected_at) "
        "SELECT j.commcell_id, c.copy_id, j.job_id, "
        "CASE WHEN j.job_id % 100 = 7 THEN NULL "
        "WHEN j.job_id % 100 = 3 THEN j.start_time + interval '400 days' "
        "ELSE j.start_time + interval '30 days' END, "
        "j.job_id % 100 = 7, "
        "CASE WHEN j.job_id % 100 IN (3, 7) THEN 4 ELSE 1 END, '', '', false, false, "
        "j.end_time, '', now() "
        "FROM commcell_job j "
        "CROSS JOIN LATERAL (VALUES (j.storage_policy_id), "
        f"(j.storage_policy_id + {PLANS})) AS c(copy_id) "
        "WHERE j.level IN ('full', 'synthetic_full')"
    )
    conn.commit()
    return cursor.rowcount


def temp_bytes(conn: psycopg.Connection) -> int:
    row = conn.execute(
        "SELECT temp_bytes FROM pg_stat_database WHERE datname = %s", (DATABASE,)
    ).fetchone()
    return int(row[0])


def run_analysis(zone: str) -> dict:
    script = ANALYSIS_SCRIPT.format(now=NOW.isoformat(), policy=1, zone=zone)
    completed = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", PYTHON, "-c", script],
        cwd=ROOT,
        env=child_env(),
        check=True,
        text=True,
        capture_output=True,
    )
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    wall, rss_kib = completed.stderr.strip().splitlines()[-1].split()
    figures["analysis_process_wall_seconds"] = float(wall)
    figures["analysis_peak_rss_mib"] = round(int(rss_kib) / 1024, 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000, help="jobs to load")
    parser.add_argument(
        "--days", type=int, default=120, help="days of daily jobs per chain"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--keep", action="store_true", help="keep the database after the run"
    )
    parser.add_argument(
        "--analysis-only",
        action="store_true",
        help="skip the load and analyse the jobs a --keep run left in the database",
    )
    parser.add_argument(
        "--time-zone",
        default="",
        help="IANA zone of the aging clock, such as Europe/Berlin; the default is UTC",
    )
    args = parser.parse_args()

    figures: dict = {"requested_jobs": args.jobs, "days_per_chain": args.days}
    if not args.analysis_only:
        recreate_database()
        migrate()
    with psycopg.connect(database_url(DATABASE)) as conn:
        if not args.analysis_only:
            started = time.perf_counter()
            figures["jobs"] = load_jobs(conn, args.jobs, args.days, args.seed)
            figures["jobs_on_copies"] = load_jobs_on_copies(conn)
            figures["load_seconds"] = round(time.perf_counter() - started, 1)
            conn.autocommit = True
            started = time.perf_counter()
            conn.execute("VACUUM ANALYZE commcell_job")
            conn.execute("VACUUM ANALYZE commcell_joboncopy")
            figures["vacuum_analyze_seconds"] = round(time.perf_counter() - started, 1)
        figures["jobs_in_table"] = conn.execute(
            "SELECT count(*) FROM commcell_job"
        ).fetchone()[0]
        before = temp_bytes(conn)

    figures.update(run_analysis(args.time_zone))
    with psycopg.connect(database_url(DATABASE)) as conn:
        time.sleep(1)  # the statistics collector reports with a short delay
        figures["temp_file_bytes"] = temp_bytes(conn) - before

    if not args.keep:
        drop_database()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
