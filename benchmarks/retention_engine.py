"""Time evaluate_chain over about a million jobs fed one chain at a time.

Run from the repository root: ``.venv/bin/python benchmarks/retention_engine.py``.
"""

import sys
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.retention.engine import (  # noqa: E402
    CopyRetention,
    JobRecord,
    evaluate_chain,
)

BASE = datetime(2024, 1, 1, tzinfo=UTC)
NOW = BASE + timedelta(days=400)
RETENTION = CopyRetention(days=14, cycles=2)
CHAINS = 2740
JOBS_PER_CHAIN = 365


def chain(key: int) -> Iterator[JobRecord]:
    """Yield one job a day for a year, with a full every 7 days."""
    for day in range(JOBS_PER_CHAIN):
        start = BASE + timedelta(days=day, hours=22)
        level = "full" if day % 7 == 0 else "incremental"
        yield JobRecord(
            job_id=key * 1000 + day,
            start=start,
            end=start + timedelta(hours=1),
            level=level,
            outcome="completed",
            chain_key=str(key),
            size_bytes=10**9,
        )


def main() -> None:
    started = time.perf_counter()
    jobs = 0
    for key in range(CHAINS):
        result = evaluate_chain(chain(key), RETENTION, NOW, chain_key=str(key))
        jobs += len(result.verdicts)
    elapsed = time.perf_counter() - started
    print(f"{jobs:,} jobs in {elapsed:.1f} s: {jobs / elapsed:,.0f} jobs/s")

    tracemalloc.start()
    evaluate_chain(chain(1), RETENTION, NOW)
    peak = tracemalloc.get_traced_memory()[1]
    print(f"peak {peak / 1024:.0f} KiB for one {JOBS_PER_CHAIN}-job chain")


if __name__ == "__main__":
    main()
