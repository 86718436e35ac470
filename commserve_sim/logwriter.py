"""Write MediaAgent and CommServe log files that follow the evolving state.

`LogWriter.write(until)` writes every log from `log_days` before the origin up to
`until`, hour by hour, into one folder per host:

    <log dir>/<MediaAgent name>/SIDBPrune.log, SIDBPhysicalDeletes.log, SIDBEngine.log,
                                CVMA.log, CloudFileAccess.log
    <log dir>/<CommServe name>/MediaManagerPrune.log, MediaManager.log

The content is a function of the environment, the seed and `until`, so writing again
gives the same files. A MediaAgent writes nothing while it is offline, and a store
whose pruning is blocked gets no pruning lines. When a file would pass `max_bytes`,
it is renamed `<name>_1.log` (older versions move to `_2`, `_3` and so on, and those
past `versions` are deleted) and a new `<name>.log` is started.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from commserve_sim import logformat as fmt
from commserve_sim.evolution import SECONDS_PER_HOUR, Timeline
from commserve_sim.jobs import DATA_AGING_OFFSET, day_of, day_start, mix
from commserve_sim.model import SECONDS_PER_DAY, DDBStore, Environment, MediaAgent, Pool

logger = logging.getLogger(__name__)

LOG_NAMES = (
    "SIDBPrune",
    "SIDBPhysicalDeletes",
    "SIDBEngine",
    "CVMA",
    "CloudFileAccess",
    "MediaManagerPrune",
    "MediaManager",
)
MANAGED_FILE = re.compile(
    r"^(?:" + "|".join(LOG_NAMES) + r")(?:_\d+)?\.log$", re.IGNORECASE
)
DEFAULT_MAX_BYTES = 256 * 1024
DEFAULT_VERSIONS = 10
DEFAULT_LOG_DAYS = 14

# Minutes past the hour of recurring work, so lines of one hour keep a fixed order.
MARK_AND_SWEEP_HOUR = 2
VOLUME_SIZE_CHECK_MINUTE = 40


class RollingLog:
    """One log file that rolls over to `<name>_1.log` when it passes a size."""

    def __init__(self, folder: Path, name: str, max_bytes: int, versions: int) -> None:
        self.folder = folder
        self.name = name
        self.max_bytes = max_bytes
        self.versions = versions
        self.size = 0
        folder.mkdir(parents=True, exist_ok=True)
        self.handle = open(folder / f"{name}.log", "w", encoding="utf-8", newline="\n")  # noqa: SIM115

    def write(self, line: str) -> None:
        data = line + "\n"
        length = len(data.encode("utf-8"))
        if self.size and self.size + length > self.max_bytes:
            self._roll()
        self.handle.write(data)
        self.size += length

    def _roll(self) -> None:
        self.handle.close()
        oldest = self.folder / f"{self.name}_{self.versions}.log"
        oldest.unlink(missing_ok=True)
        for number in range(self.versions - 1, 0, -1):
            older = self.folder / f"{self.name}_{number}.log"
            if older.exists():
                older.rename(self.folder / f"{self.name}_{number + 1}.log")
        (self.folder / f"{self.name}.log").rename(self.folder / f"{self.name}_1.log")
        self.handle = open(  # noqa: SIM115
            self.folder / f"{self.name}.log", "w", encoding="utf-8", newline="\n"
        )
        self.size = 0

    def close(self) -> None:
        self.handle.close()


def safe_folder_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned or "host"


class LogWriter:
    """Generate the log files of an environment up to a point in time."""

    def __init__(
        self,
        root: Path,
        env: Environment,
        timeline: Timeline,
        seed: int,
        aging_job_id: Callable[[int], int | None] = lambda day: None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        versions: int = DEFAULT_VERSIONS,
        log_days: int = DEFAULT_LOG_DAYS,
        origin: int | None = None,
    ) -> None:
        self.root = Path(root)
        self.env = env
        self.timeline = timeline
        self.seed = seed
        self.aging_job_id = aging_job_id
        self.max_bytes = max_bytes
        self.versions = versions
        self.log_days = log_days
        origin = origin if origin is not None else timeline.evolution.origin
        self.start = day_start(day_of(origin) - log_days)
        self.written_until: int | None = None
        self._lock = threading.Lock()

    # Public ----------------------------------------------------------------------

    def write(self, until: int) -> int:
        """Write every log up to `until` and return the number of files written."""
        with self._lock:
            self.root.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".writing-", dir=self.root))
            try:
                files = self._generate(staging, until)
                count = self._publish(staging)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            self.written_until = until
        logger.info(
            "Wrote %d log files of %s up to %s in %s (%d logs)",
            count,
            self.env.name,
            until,
            self.root,
            files,
        )
        return count

    # Generation ------------------------------------------------------------------

    def _generate(self, staging: Path, until: int) -> int:
        logs: dict[tuple[str, str], RollingLog] = {}

        def log(host: str, name: str) -> RollingLog:
            key = (host, name)
            if key not in logs:
                logs[key] = RollingLog(
                    staging / safe_folder_name(host),
                    name,
                    self.max_bytes,
                    self.versions,
                )
            return logs[key]

        first_hour = self.start // SECONDS_PER_HOUR
        last_hour = until // SECONDS_PER_HOUR
        for hour in range(first_hour, last_hour + 1):
            lines: list[tuple[int, str, str, str]] = []
            self._hour(hour * SECONDS_PER_HOUR, lines)
            lines.sort(key=lambda item: item[0])
            for moment, host, name, text in lines:
                if moment <= until:
                    log(host, name).write(text)
        for rolling in logs.values():
            rolling.close()
        return len(logs)

    def _publish(self, staging: Path) -> int:
        count = 0
        hosts = {path.name for path in staging.iterdir() if path.is_dir()}
        for folder in self.root.iterdir():
            if folder.is_dir() and not folder.name.startswith(".writing-"):
                for path in folder.iterdir():
                    if MANAGED_FILE.match(path.name):
                        path.unlink()
        for host in sorted(hosts):
            target = self.root / host
            target.mkdir(exist_ok=True)
            for path in sorted((staging / host).iterdir()):
                os.replace(path, target / path.name)
                count += 1
        return count

    def _hour(self, start: int, lines: list) -> None:
        env = self.env
        timeline = self.timeline
        for store in env.ddb_stores:
            if not timeline.store_exists(store, start + SECONDS_PER_HOUR - 1):
                continue
            for partition in store.partitions:
                agent = env.media_agent_by_id[partition.media_agent_id]
                self._partition_hour(store, partition, agent, start, lines)
        if start % SECONDS_PER_DAY == DATA_AGING_OFFSET:
            self._data_aging(start, lines)
        for agent in env.media_agents:
            self._agent_hour(agent, start, lines)

    def _emit(
        self,
        lines: list,
        moment: int,
        host: MediaAgent | str,
        name: str,
        message: str,
        job_id: int | None = None,
    ) -> None:
        if isinstance(host, MediaAgent):
            pid = self._pid(host, moment)
            host_name = host.name
        else:
            pid = 4000 + mix(self.seed, 0xC5, 1) % 20000
            host_name = host
        tid = mix(self.seed, moment, len(lines)) % 0xFFFF or 1
        lines.append(
            (moment, host_name, name, fmt.prefix(pid, tid, moment, job_id) + message)
        )

    def _pid(self, agent: MediaAgent, moment: int) -> int:
        outages = self.timeline.evolution.outages.get(agent.media_agent_id, ())
        restarts = sum(1 for window in outages if window.end and window.end <= moment)
        return 1000 + mix(self.seed, agent.media_agent_id, restarts) % 60000

    def _online(self, agent: MediaAgent, moment: int) -> bool:
        return self.timeline.media_agent_offline_reason(agent, moment) == 0

    def _partition_hour(self, store, partition, agent, start: int, lines) -> None:
        timeline = self.timeline
        if not self._online(agent, start):
            return
        token0 = fmt.engine_token(store.store_id, 0, partition.substore_id)
        pool = env_pool(self.env, store)
        end = start + SECONDS_PER_HOUR
        h = mix(self.seed, store.store_id * 1_000_003 + partition.substore_id, start)

        # State changes of the store within this hour.
        for window in timeline.evolution.pruning_pauses.get(store.store_id, ()):
            if start <= window.start < end:
                message = fmt.pruning_paused(token0, store.store_id)
                self._emit(lines, window.start, agent, "SIDBEngine", message)
            if window.end is not None and start <= window.end < end:
                message = fmt.pruning_resumed(token0, store.store_id)
                self._emit(lines, window.end, agent, "SIDBEngine", message)
        for window in timeline.evolution.outages.get(agent.media_agent_id, ()):
            if window.end is not None and start <= window.end < end:
                pending = timeline.pending_deletes(store, window.end)
                message = fmt.engine_started(token0, pending)
                self._emit(lines, window.end + 30, agent, "SIDBEngine", message)
        if store.sealed_time and start <= store.sealed_time < end:
            successor = next(
                (
                    other.store_id
                    for other in self.env.ddb_stores
                    if other.created_time == store.sealed_time
                    and other.pool_id == store.pool_id
                ),
                0,
            )
            message = fmt.store_sealed(token0, store.store_id, successor)
            self._emit(lines, store.sealed_time, agent, "SIDBEngine", message)

        block = timeline.pruning_block(store, start)
        if block.startswith("MediaAgent"):
            for other in store.partitions:
                other_agent = self.env.media_agent_by_id[other.media_agent_id]
                if not self._online(other_agent, start):
                    message = fmt.partition_offline(
                        token0, other.substore_id, other_agent.name
                    )
                    self._emit(lines, start + 5 * 60, agent, "SIDBEngine", message)

        pending = timeline.pending_deletes(store, start)
        pruned = timeline.pruned_in_hour(store, start)
        before = timeline.pending_deletes(store, start - SECONDS_PER_HOUR)
        hour_of_day = (start % SECONDS_PER_DAY) // SECONDS_PER_HOUR
        if pruned or pending != before or hour_of_day % 6 == 0:
            message = fmt.prune_stats(token0, pending, pruned)
            self._emit(lines, end - 60, agent, "SIDBEngine", message)

        if hour_of_day == MARK_AND_SWEEP_HOUR and not block:
            total = 40_000_000 + h % 60_000_000
            invalid = 20_000 + (h >> 20) % 400_000
            deleted_total = invalid * (3 + (h >> 40) % 5)
            base = start + 10 * 60 + (h >> 8) % 600
            for step, message in enumerate(
                fmt.mark_and_sweep(token0, total, invalid, deleted_total)
            ):
                self._emit(lines, base + step * 90, agent, "SIDBEngine", message)

        if pruned:
            self._pruning_lines(store, partition, agent, pool, start, pruned, h, lines)

    def _pruning_lines(self, store, partition, agent, pool, start, pruned, h, lines):
        day = day_of(start)
        job_id = None
        if start - (day_start(day) + DATA_AGING_OFFSET) < 6 * SECONDS_PER_HOUR:
            job_id = self.aging_job_id(day)
        token2 = fmt.engine_token(store.store_id, 2, partition.substore_id)
        token3 = fmt.engine_token(store.store_id, 3, partition.substore_id)
        af_lines = 1 + h % 3
        for index in range(af_lines):
            af_id = 200_000 + mix(self.seed, h, index) % 800_000
            records = pruned // af_lines + (pruned % af_lines if index == 0 else 0)
            moment = start + 60 + index * 240 + (h >> (index + 4)) % 120
            message = fmt.af_pruned(token2, af_id, store.store_id, records)
            self._emit(lines, moment, agent, "SIDBPrune", message, job_id)

        sep = "/" if not agent.os_name.startswith("Windows") else "\\"
        folder = mount_path(agent, pool, sep)
        chunk_lines = 1 + (h >> 8) % 3
        for index in range(chunk_lines):
            chunk_id = 100_000 + mix(self.seed, h, 100 + index) % 900_000
            volume = 1_000 + chunk_id // 64
            moment = start + 20 * 60 + index * 300 + (h >> (index + 12)) % 200
            records = pruned // (chunk_lines * 2) or 1
            message = fmt.chunk_finalized(token3, chunk_id, records)
            self._emit(lines, moment, agent, "SIDBPrune", message)
            for sfile in range(1 + (h >> (index + 20)) % 2):
                size = 65536 * (1 + mix(self.seed, chunk_id, sfile) % 64)
                message = fmt.hole_drilled(token3, chunk_id, sfile, size)
                self._emit(
                    lines, moment + 2 + sfile, agent, "SIDBPhysicalDeletes", message
                )
            if pool.storage_type == "cloud":
                path = (
                    f"cvlt-{pool.pool_id}/{mount_folder(pool)}/CV_MAGNETIC/V_{volume}"
                )
                for index_file in (False, True):
                    message = fmt.cloud_object_removed(path, chunk_id, index_file)
                    self._emit(lines, moment + 5, agent, "CloudFileAccess", message)
            elif index == 0 or (h >> 30) % 2:
                volume_path = f"{folder}{sep}CV_MAGNETIC{sep}V_{volume}"
                message = fmt.chunk_folder_deleted(volume_path, sep, chunk_id)
                self._emit(lines, moment + 8, agent, "CVMA", message)

    def _data_aging(self, start: int, lines: list) -> None:
        env = self.env
        day = day_of(start)
        job_id = self.aging_job_id(day)
        outcome = self.timeline.data_aging(day)
        commserve = env.name
        moment = start + 120
        if outcome.status == "Failed":
            if job_id:
                message = fmt.data_aging_failed(job_id)
                self._emit(
                    lines, moment, commserve, "MediaManagerPrune", message, job_id
                )
            return

        for store in env.ddb_stores:
            if not self.timeline.store_exists(store, start):
                continue
            moment += 3
            block = self.timeline.pruning_block(store, start)
            if block:
                message = fmt.prune_request_skipped(store.store_id, block)
                self._emit(
                    lines, moment, commserve, "MediaManagerPrune", message, job_id
                )
                continue
            records = self.timeline.aged_records(store, day)
            message = fmt.prune_data_on_sidb(store.store_id)
            self._emit(lines, moment, commserve, "MediaManager", message, job_id)
            for partition in store.partitions:
                agent = env.media_agent_by_id[partition.media_agent_id]
                message = fmt.prune_request_sent(store.store_id, agent.name, records)
                self._emit(
                    lines, moment, commserve, "MediaManagerPrune", message, job_id
                )

        for pool in env.pools:
            if pool.dedup or not pool.media_agent_ids:
                continue
            agent = env.media_agent_by_id[pool.media_agent_ids[0]]
            if not self._online(agent, start):
                continue
            h = mix(self.seed, pool.pool_id, day)
            volumes = 1 + h % 4
            moment += 5
            message = fmt.magnetic_pruning_submitted(
                volumes, pool.library_id, agent.media_agent_id
            )
            self._emit(lines, moment, commserve, "MediaManagerPrune", message, job_id)
            sep = "/" if not agent.os_name.startswith("Windows") else "\\"
            for index in range(volumes):
                volume = 20_000 + mix(self.seed, h, index) % 80_000
                path = f"{mount_path(agent, pool, sep)}{sep}CV_MAGNETIC{sep}V_{volume}"
                denied = index == 0 and (h >> 16) % 5 == 0
                text = (
                    fmt.volume_delete_denied(path)
                    if denied
                    else fmt.volume_deleted(path)
                )
                self._emit(lines, moment + 30 + index * 7, agent, "CVMA", text)

    def _agent_hour(self, agent: MediaAgent, start: int, lines: list) -> None:
        """Mount path errors in the two hours before a MediaAgent goes offline."""
        end = start + SECONDS_PER_HOUR
        for window in self.timeline.evolution.outages.get(agent.media_agent_id, ()):
            if not (window.start - 2 * SECONDS_PER_HOUR <= start < window.start):
                continue
            sep = "/" if not agent.os_name.startswith("Windows") else "\\"
            for pool in self.env.pools:
                if agent.media_agent_id not in pool.media_agent_ids:
                    continue
                if pool.storage_type == "cloud":
                    continue
                moment = start + VOLUME_SIZE_CHECK_MINUTE * 60
                if moment >= min(end, window.start):
                    moment = start
                volume = 10_000 + mix(self.seed, pool.pool_id, start) % 90_000
                path = f"{mount_path(agent, pool, sep)}{sep}CV_MAGNETIC{sep}V_{volume}"
                self._emit(lines, moment, agent, "CVMA", fmt.volume_inaccessible(path))


def env_pool(env: Environment, store: DDBStore) -> Pool:
    return env.pool_by_id[store.pool_id]


def mount_folder(pool: Pool) -> str:
    return f"MP{pool.library_id}_{pool.pool_id}"


def mount_path(agent: MediaAgent, pool: Pool, sep: str) -> str:
    if sep == "\\":
        return f"E:\\Mounts\\{mount_folder(pool)}"
    return f"/mnt/mounts/{mount_folder(pool)}"
