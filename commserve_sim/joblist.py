"""The `GET /Job` list: filtering and paging computed arithmetically.

Every client with jobs owns one slot per day, and the CommServe owns one more (the daily
data aging job). Slots are ordered by their start offset in the day, so the job id
`JOB_ID_BASE + day * slots_per_day + rank` grows with start time. The job at any
position of a filtered, windowed list is found by counting slots, without generating
the jobs before it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from commserve_sim.jobs import (
    DATA_AGING_DURATION,
    DATA_AGING_OFFSET,
    KIND_BACKUP,
    KIND_DATA_AGING,
    KIND_SYNTHETIC_FULL,
    NORMAL_MAX_DURATION,
    JobRenderer,
    day_of,
    day_start,
)
from commserve_sim.model import SECONDS_PER_DAY, Client, Environment

JOB_ID_BASE = 1_000_000
DEFAULT_LOOKUP_SECONDS = 31536000
CATEGORIES = ("All", "Active", "Finished")

# jobFilter tokens (names are case-insensitive; numbers are Commvault's type codes).
JOB_FILTER_TOKENS = {
    "backup": KIND_BACKUP,
    "4": KIND_BACKUP,
    "synthfull": KIND_SYNTHETIC_FULL,
    "14": KIND_SYNTHETIC_FULL,
    # No verified jobFilter name for data aging exists; these three are accepted here.
    "data aging": KIND_DATA_AGING,
    "data_aging": KIND_DATA_AGING,
    "dataaging": KIND_DATA_AGING,
}
ALL_KINDS = frozenset({KIND_BACKUP, KIND_SYNTHETIC_FULL, KIND_DATA_AGING})


class QueryError(ValueError):
    """A `GET /Job` query parameter is invalid."""


@dataclass(frozen=True)
class JobQuery:
    window_start: int  # jobs that started at or after this Unix time
    now: int
    kinds: frozenset[str]
    category: str


def parse_job_query(params: dict[str, str], now: int) -> JobQuery:
    """Build a JobQuery from `GET /Job` query parameters, raising QueryError."""
    raw_lookup = params.get("completedJobLookupTime", str(DEFAULT_LOOKUP_SECONDS))
    try:
        lookup = int(raw_lookup)
    except ValueError:
        raise QueryError(
            f"completedJobLookupTime={raw_lookup!r} is invalid: "
            "give a whole number of seconds, for example 7776000 for 90 days."
        ) from None
    if lookup < 0:
        raise QueryError(
            f"completedJobLookupTime={lookup} is invalid: give zero or more seconds."
        )

    category = params.get("jobCategory", "All")
    matches = [name for name in CATEGORIES if name.lower() == category.lower()]
    if not matches:
        raise QueryError(
            f"jobCategory={category!r} is invalid: use Active, Finished or All."
        )

    raw_filter = params.get("jobFilter", "Backup")
    if raw_filter.strip() == "":
        kinds = ALL_KINDS
    else:
        # Known job types that the simulator never generates match no job.
        tokens = [token.strip().lower() for token in raw_filter.split(",")]
        kinds = frozenset(
            JOB_FILTER_TOKENS[token] for token in tokens if token in JOB_FILTER_TOKENS
        )
    return JobQuery(now - lookup, now, kinds, matches[0])


def parse_paging(headers: Any) -> tuple[int, int]:
    """Read the `limit` and `offset` request headers, raising QueryError."""
    values = []
    for name, default in (("limit", 100), ("offset", 0)):
        raw = headers.get(name)
        if raw is None or raw.strip() == "":
            values.append(default)
            continue
        try:
            value = int(raw)
        except ValueError:
            raise QueryError(
                f"header {name}: {raw!r} is invalid: give a whole number."
            ) from None
        if value < 0:
            raise QueryError(f"header {name}: {value} is invalid: give 0 or more.")
        values.append(value)
    limit, offset = values
    return min(limit or 100, 5000), offset


class ArithmeticJobs:
    """Job history of a generated environment, computed on demand."""

    def __init__(self, env: Environment, renderer: JobRenderer, history_start_day: int):
        self.renderer = renderer
        self.history_start_day = history_start_day
        self.commserve_client_id = env.commserve_client_id

        slots: list[tuple[int, int, Client | None]] = [
            (client.start_offset, client.client_id, client)
            for client in env.clients
            if client.has_jobs
        ]
        slots.append((DATA_AGING_OFFSET, env.commserve_client_id, None))
        slots.sort(key=lambda slot: (slot[0], slot[1]))

        self.offsets = [slot[0] for slot in slots]
        self.slot_clients = [slot[2] for slot in slots]
        self.slots_per_day = len(slots)
        self.aging_rank = self.slot_clients.index(None)

        # Ranks of clients that run a weekly synthetic full, per weekday phase.
        self.synth_ranks: list[list[int]] = [[] for _ in range(7)]
        self.synth_phase = [-1] * len(slots)
        for rank, client in enumerate(self.slot_clients):
            if client is None:
                continue
            if env.cadence_of(client) == "weekly_synthetic_full":
                self.synth_ranks[client.phase % 7].append(rank)
                self.synth_phase[rank] = client.phase % 7

        self.slow_ranks = [
            rank
            for rank, client in enumerate(self.slot_clients)
            if client is not None and client.max_duration > NORMAL_MAX_DURATION
        ]
        self._running_cache: dict[tuple[JobQuery, int], list[tuple[int, int, int]]] = {}

    # Counting -----------------------------------------------------------------

    def _first_time(self, query: JobQuery) -> int:
        return max(query.window_start, day_start(self.history_start_day))

    def _range_count(self, day: int, low: int, high: int, kinds: frozenset[str]) -> int:
        if high <= low:
            return 0
        synth = self.synth_ranks[day % 7]
        synthetic = bisect.bisect_left(synth, high) - bisect.bisect_left(synth, low)
        aging = 1 if low <= self.aging_rank < high else 0
        total = 0
        if KIND_BACKUP in kinds:
            total += (high - low) - synthetic - aging
        if KIND_SYNTHETIC_FULL in kinds:
            total += synthetic
        if KIND_DATA_AGING in kinds:
            total += aging
        return total

    def _bounds(self, day: int, first: int, last: int) -> tuple[int, int]:
        """Return the rank range of a day's slots that start within [first, last]."""
        start = day_start(day)
        low = 0
        high = self.slots_per_day
        if start < first:
            low = bisect.bisect_left(self.offsets, first - start)
        if start + SECONDS_PER_DAY - 1 > last:
            high = bisect.bisect_right(self.offsets, last - start)
        return low, high

    def _count_between(self, first: int, last: int, kinds: frozenset[str]) -> int:
        """Count matching jobs that start within [first, last]."""
        first_day, last_day = day_of(first), day_of(last)
        if last < first or not kinds:
            return 0
        if first_day == last_day:
            return self._range_count(
                first_day, *self._bounds(first_day, first, last), kinds
            )

        total = self._range_count(
            first_day, *self._bounds(first_day, first, last), kinds
        )
        total += self._range_count(
            last_day, *self._bounds(last_day, first, last), kinds
        )
        full_days = last_day - first_day - 1
        if full_days > 0:
            per_phase = self._full_day_counts(kinds)
            total += (full_days // 7) * sum(per_phase)
            for day in range(first_day + 1, first_day + 1 + full_days % 7):
                total += per_phase[day % 7]
        return total

    def _full_day_counts(self, kinds: frozenset[str]) -> list[int]:
        return [
            self._range_count(phase, 0, self.slots_per_day, kinds) for phase in range(7)
        ]

    def count(self, query: JobQuery) -> int:
        return self._count_between(self._first_time(query), query.now, query.kinds)

    def _position(self, query: JobQuery, day: int, rank: int) -> int:
        """Return the index of slot (day, rank) in the query's unfiltered-category list."""
        first = self._first_time(query)
        before = self._count_between(first, day_start(day) - 1, query.kinds)
        low, _ = self._bounds(day, first, query.now)
        return before + self._range_count(day, low, rank, query.kinds)

    # Locating and iterating ---------------------------------------------------

    def _nth_rank(self, day: int, low: int, high: int, index: int, kinds) -> int:
        """Return the rank of the index-th matching slot in [low, high) of a day."""
        lo, hi = low, high - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self._range_count(day, low, mid + 1, kinds) >= index + 1:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def locate(self, query: JobQuery, position: int) -> tuple[int, int] | None:
        """Return (day, rank) of the job at a position, or None past the end."""
        first, last = self._first_time(query), query.now
        first_day, last_day = day_of(first), day_of(last)
        kinds = query.kinds
        per_phase = self._full_day_counts(kinds)
        week_total = sum(per_phase)

        day = first_day
        while day <= last_day:
            low, high = self._bounds(day, first, last)
            if first_day < day < last_day and week_total and position >= week_total:
                # Skip whole weeks of full days at once.
                weeks = min(position // week_total, (last_day - day) // 7)
                if weeks:
                    position -= weeks * week_total
                    day += weeks * 7
                    continue
            available = self._range_count(day, low, high, kinds)
            if position < available:
                return day, self._nth_rank(day, low, high, position, kinds)
            position -= available
            day += 1
        return None

    def iterate(
        self, query: JobQuery, day: int, rank: int
    ) -> Iterator[tuple[int, int]]:
        """Yield (day, rank) of matching jobs in order, starting at (day, rank)."""
        first, last = self._first_time(query), query.now
        kinds = query.kinds
        while day <= day_of(last):
            low, high = self._bounds(day, first, last)
            phase = day % 7
            if KIND_BACKUP in kinds:
                for candidate in range(max(rank, low), high):
                    if self._kind(phase, candidate) in kinds:
                        yield day, candidate
            else:
                candidates = []
                if KIND_SYNTHETIC_FULL in kinds:
                    candidates.extend(self.synth_ranks[phase])
                if KIND_DATA_AGING in kinds:
                    candidates.append(self.aging_rank)
                for candidate in sorted(candidates):
                    if max(rank, low) <= candidate < high:
                        yield day, candidate
            day += 1
            rank = 0

    def _kind(self, phase: int, rank: int) -> str:
        if rank == self.aging_rank:
            return KIND_DATA_AGING
        if self.synth_phase[rank] == phase:
            return KIND_SYNTHETIC_FULL
        return KIND_BACKUP

    # Running jobs -------------------------------------------------------------

    def _is_running(self, day: int, rank: int, now: int) -> bool:
        client = self.slot_clients[rank]
        if client is None:
            start = day_start(day) + DATA_AGING_OFFSET
            return start + DATA_AGING_DURATION > now
        _, _, start, duration, _, _ = self.renderer.backup_facts(client, day)
        return start + duration > now

    def running(self, query: JobQuery) -> list[tuple[int, int, int]]:
        """Return (position, day, rank) of running jobs in the query, in order."""
        key = (query, self.slots_per_day)
        cached = self._running_cache.get(key)
        if cached is not None:
            return cached

        first, now = self._first_time(query), query.now
        candidates: set[tuple[int, int]] = set()
        scan_from = max(first, now - NORMAL_MAX_DURATION)
        scan_day = day_of(scan_from)
        low, _ = self._bounds(scan_day, scan_from, now)
        for day, rank in self.iterate(query, scan_day, low):
            if self._is_running(day, rank, now):
                candidates.add((day, rank))

        for day in (day_of(now) - 1, day_of(now)):
            low, high = self._bounds(day, first, now)
            for rank in self.slow_ranks:
                if not low <= rank < high:
                    continue
                kind = self._kind(day % 7, rank)
                if kind in query.kinds and self._is_running(day, rank, now):
                    candidates.add((day, rank))

        result = sorted(
            (self._position(query, day, rank), day, rank) for day, rank in candidates
        )
        if len(self._running_cache) > 64:
            self._running_cache.clear()
        self._running_cache[key] = result
        return result

    # Public interface ---------------------------------------------------------

    def total(self, query: JobQuery) -> int:
        if query.category == "All":
            return self.count(query)
        running = len(self.running(query))
        if query.category == "Active":
            return running
        return self.count(query) - running

    def page(self, query: JobQuery, offset: int, limit: int) -> list[dict[str, Any]]:
        if query.category == "Active":
            selected = self.running(query)[offset : offset + limit]
            return [self.render(day, rank, query.now) for _, day, rank in selected]

        skip: list[int] = []
        position = offset
        if query.category == "Finished":
            skip = [position for position, _, _ in self.running(query)]
            for running_position in skip:
                if running_position <= position:
                    position += 1
        start = self.locate(query, position)
        if start is None:
            return []

        skip_set = set(skip)
        jobs = []
        for day, rank in self.iterate(query, *start):
            if position not in skip_set:
                jobs.append(self.render(day, rank, query.now))
                if len(jobs) >= limit:
                    break
            position += 1
        return jobs

    def job_id(self, day: int, rank: int) -> int:
        return JOB_ID_BASE + day * self.slots_per_day + rank

    def render(self, day: int, rank: int, now: int) -> dict[str, Any]:
        job_id = self.job_id(day, rank)
        client = self.slot_clients[rank]
        if client is None:
            return self.renderer.data_aging_summary(job_id, day, now)
        return self.renderer.backup_summary(job_id, client, day, now)

    def get(self, job_id: int, now: int) -> dict[str, Any] | None:
        if job_id < JOB_ID_BASE:
            return None
        day, rank = divmod(job_id - JOB_ID_BASE, self.slots_per_day)
        if day < self.history_start_day:
            return None
        if day_start(day) + self.offsets[rank] > now:
            return None
        return self.render(day, rank, now)


class ExplicitJobs:
    """Job history listed literally in a scenario file (small, held in memory)."""

    def __init__(self, env: Environment, renderer: JobRenderer) -> None:
        self.jobs = sorted(env.explicit_jobs or [], key=lambda job: job.job_id)
        self.renderer = renderer

    def _select(self, query: JobQuery) -> list:
        selected = []
        for job in self.jobs:
            kind = KIND_SYNTHETIC_FULL if job.level == "Synthetic Full" else KIND_BACKUP
            if kind not in query.kinds:
                continue
            if not query.window_start <= job.start_time <= query.now:
                continue
            running = job.start_time + job.duration > query.now
            if query.category == "Active" and not running:
                continue
            if query.category == "Finished" and running:
                continue
            selected.append(job)
        return selected

    def total(self, query: JobQuery) -> int:
        return len(self._select(query))

    def page(self, query: JobQuery, offset: int, limit: int) -> list[dict[str, Any]]:
        selected = self._select(query)[offset : offset + limit]
        return [self.renderer.explicit_summary(job, query.now) for job in selected]

    def get(self, job_id: int, now: int) -> dict[str, Any] | None:
        for job in self.jobs:
            if job.job_id == job_id and job.start_time <= now:
                return self.renderer.explicit_summary(job, now)
        return None
