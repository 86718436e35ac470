"""Benchmark: full collection of a simulator preset into PostgreSQL, next to raw COPY.

Steps, all in one run on the same machine:
1. Recreate the benchmark database and migrate it.
2. Start the CommServe simulator with the preset and register it as a CommCell.
3. Run `manage.py collect` in a child process under GNU time, which reports its
   peak resident memory (maximum RSS) and wall time.
4. Count the jobs-on-copies rows that the `copy_jobs` step stored (every copy's job
   list with the CommServe's retain-until dates). The whole collection's wall time
   includes that step.
5. Copy the collected job rows out with `COPY ... TO STDOUT` and time a raw
   `COPY ... FROM STDIN` of the same bytes into a table with the same columns,
   indexes and constraints as the job table (the ceiling a collector that keeps
   those indexes could reach), and into a bare table with no index at all.

Usage:
    .venv/bin/python benchmarks/collect_large.py --preset large --seed 42
Prints a JSON object with the figures; docs/benchmarks.md records them.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SIM_PASSWORD = "simulator"


def recreate_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        capture_output=True,
    )


def start_simulator(preset: str, seed: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "commserve_sim",
            "--preset",
            preset,
            "--seed",
            str(seed),
            "--port",
            "0",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline().strip()
    if " listening on " not in line:
        process.kill()
        raise RuntimeError(f"simulator did not start: {line!r}")
    return process, line.rsplit(" ", 1)[-1]


def timed_collect(env: dict, name: str) -> tuple[float, int, str]:
    """Run the collection in a child process; return wall seconds, peak RSS in KiB, output."""
    result = subprocess.run(
        ["/usr/bin/time", "-f", "TIME %e %M", PYTHON, "manage.py", "collect", name],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"collect failed:\n{result.stdout}\n{result.stderr}")
    marker = [line for line in result.stderr.splitlines() if line.startswith("TIME ")]
    _, wall, max_rss_kib = marker[-1].split()
    return float(wall), int(max_rss_kib), result.stdout


def copy_job_rows(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM commcell_joboncopy").fetchone()[0]


def raw_copy_rates(database_url: str) -> tuple[int, float, float]:
    """Time a raw COPY of the collected job rows into two copies of the job table.

    Returns the row count, the seconds into a table with the job table's indexes and
    constraints (what the collector maintains), and the seconds into a bare table.
    """
    with psycopg.connect(database_url) as conn:
        columns = [
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'commcell_job' AND column_name <> 'id' "
                "ORDER BY ordinal_position"
            )
        ]
        column_list = ", ".join(columns)

        buffer = io.BytesIO()
        with conn.cursor().copy(
            f"COPY (SELECT {column_list} FROM commcell_job) TO STDOUT"
        ) as copy:
            for chunk in copy:
                buffer.write(chunk)
        rows = conn.execute("SELECT count(*) FROM commcell_job").fetchone()[0]

        seconds = []
        for like in ("INCLUDING ALL", "INCLUDING DEFAULTS INCLUDING IDENTITY"):
            conn.execute("DROP TABLE IF EXISTS bench_job_copy")
            conn.execute(f"CREATE TABLE bench_job_copy (LIKE commcell_job {like})")
            conn.commit()

            buffer.seek(0)
            started = time.perf_counter()
            with conn.cursor().copy(
                f"COPY bench_job_copy ({column_list}) FROM STDIN"
            ) as copy:
                while chunk := buffer.read(1 << 20):
                    copy.write(chunk)
            conn.commit()
            seconds.append(time.perf_counter() - started)

        conn.execute("DROP TABLE bench_job_copy")
        conn.commit()
    return rows, seconds[0], seconds[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="large")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="cvanalytics_bench")
    parser.add_argument("--keep-simulator", action="store_true")
    options = parser.parse_args()

    database_url = f"{options.server}/{options.database}"
    recreate_database(f"{options.server}/postgres", options.database)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": "benchmark-only",
        "CVANALYTICS_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "CVANALYTICS_LOG_LEVEL": "WARNING",
        "SIM_PASSWORD": SIM_PASSWORD,
    }
    manage(env, "migrate", "--verbosity", "0")

    simulator, base_url = start_simulator(options.preset, options.seed)
    try:
        manage(
            env,
            "add_commcell",
            "bench",
            "--url",
            base_url,
            "--username",
            "cvadmin",
            "--password-env",
            "SIM_PASSWORD",
        )
        wall, max_rss_kib, output = timed_collect(env, "bench")
    finally:
        if not options.keep_simulator:
            simulator.terminate()
            simulator.wait(timeout=10)

    copy_rows = copy_job_rows(database_url)
    rows, indexed_seconds, bare_seconds = raw_copy_rates(database_url)
    collect_rate = rows / wall
    indexed_rate = rows / indexed_seconds
    print(
        json.dumps(
            {
                "preset": options.preset,
                "jobs": rows,
                "jobs_on_copies": copy_rows,
                "collect_wall_seconds": round(wall, 1),
                "collect_jobs_per_second": round(collect_rate),
                "collect_peak_rss_mib": round(max_rss_kib / 1024, 1),
                "raw_copy_indexed_seconds": round(indexed_seconds, 2),
                "raw_copy_indexed_rows_per_second": round(indexed_rate),
                "raw_copy_bare_seconds": round(bare_seconds, 2),
                "raw_copy_bare_rows_per_second": round(rows / bare_seconds),
                "ratio_to_indexed_copy": round(collect_rate / indexed_rate, 3),
                "ratio_to_bare_copy": round(collect_rate * bare_seconds / rows, 3),
                "collect_output_tail": output.strip().splitlines()[-12:],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
