"""Benchmark: log parser throughput and memory next to `grep -c`, on generated logs.

Steps, all in one run on the same machine:
1. Generate two log sets in the output folder, of about 100 MB and about 1 GB. Each
   set is split over SIDBEngine, SIDBPrune, SIDBPhysicalDeletes, CVMA,
   CloudFileAccess and MediaManagerPrune files in the Commvault line layout. About
   10% of the lines match a built-in matcher, and 0.5% of the records wrap.
2. For each set, run `grep -c -E <pattern>` over its files, then the parser (parse
   and match with the built-in matchers, no database) in a child process that
   reports its peak resident memory (maximum RSS).
3. With `--db-mb N`, parse an N MB set and insert its events into a PostgreSQL
   database (`--database`, default cv_logs_bench), created and migrated if needed.

Usage:
    .venv/bin/python benchmarks/parse_logs.py --out /tmp/cvlogs-bench --db-mb 50
Prints a JSON object with the figures; docs/benchmarks.md records them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable

# Share of each log type in a generated set.
SHARES = {
    "SIDBEngine": 0.30,
    "SIDBPrune": 0.25,
    "SIDBPhysicalDeletes": 0.15,
    "CVMA": 0.15,
    "CloudFileAccess": 0.10,
    "MediaManagerPrune": 0.05,
}
GREP_PATTERN = (
    r"Pruned AfId|Finalizing SI entries|Deleted (folder|directory)|RemoveFile\(\) - "
    r"| H [0-9]+ [0-9]+ |Max secondary|Approx Invalid|Deleted total|iRet \[|"
    r"Submitting Magnetic Pruning|Permission denied|Cannot access volume"
)
BLOCK_LINES = 10_000
# Log lines carry no year; the generated ones are read as lines of 2026.
FILE_DATE = datetime(2026, 12, 1)  # noqa: DTZ001


def _stamp(number: int) -> str:
    # Seconds advance with the line number; the month stays in 01..11.
    seconds = number // 20
    day, rest = divmod(seconds, 86_400)
    month = 1 + (day // 28) % 11
    return f"{month:02d}/{1 + day % 28:02d} {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}"


def _engine_line(number: int, kind: int, store: int) -> str:
    token = f"{store}-0-{store + 287}-0"
    if kind == 0:
        message = (
            f"MarkSweep        990   Total [{number}], Approx Valid [{number // 2}], "
            f"Approx Invalid [{number // 3}]"
        )
    elif kind < 10:
        message = (
            f"MarkSweep        1102  Deleted total [{number}] records. [{kind}] in "
            "current run"
        )
    else:
        message = (
            f"QueryInsert      512   Processed [{number % 9973}] signatures in "
            f"[{kind}] ms"
        )
    return f"### {token} {message}"


def _prune_line(number: int, kind: int, store: int) -> str:
    phase = 2 if kind < 8 else 3
    token = f"{store}-{phase}-{store + 287}-0"
    if kind < 8:
        message = (
            f"PruneAf          2211  Pruned AfId [{number}] of job {number % 99991} "
            "completely."
        )
    elif kind < 10:
        message = f"PhaseThree       3010  Finalizing SI entries in chunk [{number}]"
    else:
        message = (
            f"PruneQueue       180   Queued AfId [{number}] for the next pass, list "
            f"size [{kind}]"
        )
    return f"### {token} {message}"


def _physical_deletes_line(number: int, kind: int, store: int) -> str:
    letter = "H" if kind < 10 else "Q"
    return (
        f"### {store} {letter} {number} {kind} removed [{4096 * kind}] bytes from "
        "the container file"
    )


def _cvma_line(number: int, kind: int, store: int) -> str:
    if kind < 5:
        message = (
            "Deleted folder [E:\\mp01\\AB12CD_01.05.2026_10.00\\CV_MAGNETIC\\"
            f"V_{number % 9000}\\CHUNK_{number}]"
        )
    elif kind < 9:
        message = f"Deleted directory [E:\\mp02\\CV_MAGNETIC\\V_{number}]"
    elif kind == 9:
        message = (
            f"Unable to get size of volume [E:\\mp03\\CV_MAGNETIC\\V_{number}]. "
            "Cannot access volume"
        )
    else:
        message = (
            f"CVMAMagneticWorker::run() - Volume [{number}] size updated to "
            f"[{number * 3}] bytes"
        )
    return f"### {message}"


def _cloud_line(number: int, kind: int, store: int) -> str:
    folder = f"bucket01/QW12ER_10.01.2026_09.00/CV_MAGNETIC/V_{number % 9000}"
    if kind < 10:
        message = f"RemoveFile() - {folder}/CHUNK_{number}/CHUNK_META_DATA_{number}"
    else:
        message = f"ReadFile() - {folder}/CHUNK_{number}/SFILE_CONTAINER_001"
    return f"### #CVMountd] {message}"


def _media_manager_prune_line(number: int, kind: int, store: int) -> str:
    mount_path = f"Mount Path [{number % 40}] on Host [{number % 17}]"
    if kind < 10:
        message = f"Submitting Magnetic Pruning for {kind + 1} Volumes in {mount_path}"
    else:
        message = f"Checking {mount_path} for prunable volumes"
    return f"{number % 900000} {message}"


LINE_BUILDERS = {
    "SIDBEngine": _engine_line,
    "SIDBPrune": _prune_line,
    "SIDBPhysicalDeletes": _physical_deletes_line,
    "CVMA": _cvma_line,
    "CloudFileAccess": _cloud_line,
    "MediaManagerPrune": _media_manager_prune_line,
}


def _line(log_type: str, number: int) -> str:
    """Return one generated line; about one in ten matches a built-in matcher."""
    pid = 4000 + number % 7
    tid = f"{(number * 7919) % 65536:x}"
    rest = LINE_BUILDERS[log_type](number, number % 100, 4101 + number % 3)
    return f"{pid:<5} {tid:<5} {_stamp(number)} {rest}\n"


def generate_set(folder: Path, total_bytes: int, reuse: bool = False) -> list[Path]:
    """Write one log set of about total_bytes and return its files.

    With reuse, a file already at least as large as its share is kept.
    """
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for log_type, share in SHARES.items():
        path = folder / f"{log_type}.log"
        target = int(total_bytes * share)
        if reuse and path.exists() and path.stat().st_size >= target:
            files.append(path)
            continue
        written = 0
        number = 0
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            while written < target:
                lines = []
                for _ in range(BLOCK_LINES):
                    lines.append(_line(log_type, number))
                    if number % 200 == 0:
                        lines.append(f"continued detail of record {number} [wrapped]\n")
                    number += 1
                block = "".join(lines)
                handle.write(block)
                written += len(block)
        files.append(path)
    return files


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def time_grep(files: list[Path]) -> dict:
    cpu_before = _children_cpu_seconds()
    started = time.perf_counter()
    result = subprocess.run(
        ["grep", "-c", "-E", GREP_PATTERN, *map(str, files)],
        check=False,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    cpu = _children_cpu_seconds() - cpu_before
    matches = sum(int(line.rsplit(":", 1)[1]) for line in result.stdout.splitlines())
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "matching_lines": matches,
    }


def count_lines(files: list[Path]) -> int:
    total = 0
    for path in files:
        with open(path, "rb") as handle:
            while block := handle.read(4 * 1024 * 1024):
                total += block.count(b"\n")
    return total


def run_child(*args: str, env: dict | None = None) -> dict:
    output = subprocess.run(
        [PYTHON, __file__, *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def child_parse(paths: list[str]) -> None:
    """Parse and match files without a database; print lines, events and memory."""
    from apps.logs.archives import ArchiveLimits, open_log
    from apps.logs.defaults import DEFAULT_MATCHERS
    from apps.logs.logformat import ParseStats, classify_name, parse_stream
    from apps.logs.matching import MatcherSet

    matchers = MatcherSet(DEFAULT_MATCHERS)
    limits = ArchiveLimits(2**62, 1000, 1000)
    stats = ParseStats()
    matched = 0
    started = time.perf_counter()
    cpu_before = _own_cpu_seconds()
    for path in paths:
        log_type = classify_name(path).log_type
        with open_log(path, "", limits) as (stream, _counter):
            records = parse_stream(stream, FILE_DATE, stats)
            for record in records:
                if matchers.match(log_type, record) is not None:
                    matched += 1
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "lines": stats.total_lines,
                "records": stats.records,
                "events": matched,
                "seconds": round(seconds, 2),
                "cpu_seconds": round(_own_cpu_seconds() - cpu_before, 2),
                "max_rss_mib": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                ),
            }
        )
    )


def child_database(path: str) -> None:
    """Parse a file into events in the database; print lines, events and time."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cvanalytics.settings")
    django.setup()
    from django.utils import timezone

    from apps.commcell.models import CommCell
    from apps.logs.ingest import parse_log_file
    from apps.logs.models import LogFile

    commcell, _ = CommCell.objects.get_or_create(
        name="bench", defaults={"base_url": "http://127.0.0.1:9/webconsole/api"}
    )
    log_file = LogFile.objects.create(
        commcell=commcell,
        original_name=Path(path).name,
        log_type=Path(path).stem,
        sha256="",
        size=os.path.getsize(path),
        origin=LogFile.Origin.FOLDER,
        stored_path=path,
        file_date=timezone.now(),
    )
    started = time.perf_counter()
    parsed = parse_log_file(log_file.pk)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "lines": parsed.total_lines,
                "events": parsed.events.count(),
                "seconds": round(seconds, 2),
                "status": parsed.status,
                "max_rss_mib": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                ),
            }
        )
    )


def measure_set(label: str, files: list[Path]) -> dict:
    size = sum(path.stat().st_size for path in files)
    lines = count_lines(files)
    grep = time_grep(files)
    parsed = run_child("--child-parse", *map(str, files))
    return {
        "set": label,
        "bytes": size,
        "lines": lines,
        "grep_seconds": grep["seconds"],
        "grep_cpu_seconds": grep["cpu_seconds"],
        "grep_lines_per_second": round(lines / grep["seconds"]),
        "grep_lines_per_cpu_second": round(lines / max(grep["cpu_seconds"], 0.01)),
        "grep_matching_lines": grep["matching_lines"],
        "parser_seconds": parsed["seconds"],
        "parser_cpu_seconds": parsed["cpu_seconds"],
        "parser_lines_per_second": round(parsed["lines"] / parsed["seconds"]),
        "parser_lines_per_cpu_second": round(
            parsed["lines"] / max(parsed["cpu_seconds"], 0.01)
        ),
        "parser_events": parsed["events"],
        "parser_max_rss_mib": parsed["max_rss_mib"],
    }


def measure_database(options: argparse.Namespace) -> dict:
    import psycopg
    from cryptography.fernet import Fernet

    # The database is created once and kept: DROP DATABASE waits for every session
    # of the server, so a stalled client elsewhere would stall the benchmark.
    with psycopg.connect(f"{options.server}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [options.database]
        ).fetchone()
        if exists is None:
            conn.execute(f'CREATE DATABASE "{options.database}"')
    env = {
        **os.environ,
        "DATABASE_URL": f"{options.server}/{options.database}",
        "DJANGO_SECRET_KEY": "benchmark-only",
        "CVANALYTICS_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "CVANALYTICS_LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    files = generate_set(
        Path(options.out) / "db", options.db_mb * 1024 * 1024, options.reuse
    )
    results = []
    for path in files:
        result = run_child("--child-db", str(path), env=env)
        results.append(result)
    lines = sum(result["lines"] for result in results)
    seconds = sum(result["seconds"] for result in results)
    return {
        "bytes": sum(path.stat().st_size for path in files),
        "lines": lines,
        "events_inserted": sum(result["events"] for result in results),
        "seconds": round(seconds, 2),
        "lines_per_second": round(lines / seconds),
        "max_rss_mib": max(result["max_rss_mib"] for result in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/tmp/cvlogs-bench")
    parser.add_argument("--small-mb", type=int, default=100)
    parser.add_argument("--large-mb", type=int, default=1024)
    parser.add_argument("--db-mb", type=int, default=0)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Keep generated files of an earlier run instead of writing them again.",
    )
    parser.add_argument(
        "--no-sets",
        action="store_true",
        help="Skip the 100 MB and 1 GB sets and measure only the database part.",
    )
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="cv_logs_bench")
    parser.add_argument("--child-parse", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--child-db", help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.child_parse:
        child_parse(options.child_parse)
        return
    if options.child_db:
        child_database(options.child_db)
        return

    out = Path(options.out)
    figures: dict = {}
    if not options.no_sets:
        started = time.perf_counter()
        small = generate_set(
            out / "small", options.small_mb * 1024 * 1024, options.reuse
        )
        large = generate_set(
            out / "large", options.large_mb * 1024 * 1024, options.reuse
        )
        figures["generate_seconds"] = round(time.perf_counter() - started, 1)
        figures["sets"] = []
        for label, files in (("small", small), ("large", large)):
            figures["sets"].append(measure_set(label, files))
            # Each figure reaches stderr at once, so a stalled later step loses none.
            print(json.dumps(figures["sets"][-1]), file=sys.stderr, flush=True)
    if options.db_mb:
        figures["database"] = measure_database(options)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
