"""The state of the simulated CommCell at any time, derived from its origin state.

Nothing here changes the environment: `Timeline.state(t)` returns a new `Environment`
whose pools, MediaAgents and DDB stores carry the values at time t. The same seed,
environment and t always give the same state, so a collection at any clock value can
be repeated and job ids do not move.

- Pool used space moves by its trend's daily rate from the origin and drops by the
  trend's amounts at their times. Free space stays between 0 and the capacity, and
  cloud pools keep reporting -1.
- A MediaAgent is offline when it was offline at the origin or an outage window covers
  t. The partitions it hosts are then offline too.
- A DDB store exists from its `created_time` and is sealed from its `sealed_time`.
- Pruning of a store is blocked while its pruning flag is cleared (at the origin or in a
  pause window) or one of its partitions' MediaAgents is offline.
- Pending deletes of a partition start at 0 `pending_history_days` before the origin.
  Each data aging run (daily at 12:00, unless that run failed) adds aged records, and
  every hour in which pruning is not blocked removes up to `pruned_records_per_hour`.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass

from commserve_sim.jobs import DATA_AGING_OFFSET, day_of, day_start, mix
from commserve_sim.model import (
    SECONDS_PER_DAY,
    DDBStore,
    Environment,
    Evolution,
    MediaAgent,
    Pool,
)

SECONDS_PER_HOUR = 3600
OFFLINE_ALL_AGENTS = "Library is offline because all MediaAgents are offline."

# Salts that keep the hashes of different quantities apart.
SALT_AGING_STATUS = 0xA61
SALT_AGED_JOBS = 0xA62
SALT_AGED_RECORDS = 0xA63


@dataclass(frozen=True)
class DataAgingRun:
    """Outcome of the data aging job of one day."""

    day: int
    status: str
    aged_jobs: int


class Timeline:
    """Derive the state of an environment at any time; results are cached."""

    def __init__(self, env: Environment, seed: int) -> None:
        self.env = env
        self.seed = seed
        self.evolution = env.evolution or Evolution(origin=0)
        self._pending: dict[int, list[int]] = {}
        # The HTTP server handles requests on several threads, so the series of
        # pending deletes is extended under this lock and no hour is appended twice.
        self._pending_lock = threading.Lock()
        self._last: tuple[int, Environment] | None = None
        self._clients_with_jobs = sum(1 for client in env.clients if client.has_jobs)

    # Single values ---------------------------------------------------------------

    def media_agent_offline_reason(self, agent: MediaAgent, moment: int) -> int:
        """Return 0 when the MediaAgent is online at `moment`, else its reason code."""
        if not agent.online:
            return agent.offline_reason_code or 1
        for window in self.evolution.outages.get(agent.media_agent_id, ()):
            if window.covers(moment):
                return window.reason_code
        return 0

    def media_agent_online(self, agent_id: int, moment: int) -> bool:
        agent = self.env.media_agent_by_id[agent_id]
        return self.media_agent_offline_reason(agent, moment) == 0

    def pool_used_mb(self, pool: Pool, moment: int) -> int:
        """Return the used space of a pool at `moment`, in MB."""
        trend = self.evolution.pool_trends.get(pool.pool_id)
        if trend is None:
            return pool.size_on_disk_mb
        origin = self.evolution.origin

        def moved(at: int) -> float:
            freed = sum(mb for when, mb in trend.drops if when <= at)
            return trend.fill_mb_per_day * at / SECONDS_PER_DAY - freed

        used = pool.size_on_disk_mb + (moved(moment) - moved(origin))
        if pool.capacity_mb > 0:
            used = min(used, pool.capacity_mb)
        return max(0, int(used))

    def store_exists(self, store: DDBStore, moment: int) -> bool:
        return store.created_time <= moment

    def pruning_flag(self, store: DDBStore, moment: int) -> bool:
        if not store.pruning_enabled:
            return False
        pauses = self.evolution.pruning_pauses.get(store.store_id, ())
        return not any(window.covers(moment) for window in pauses)

    def pruning_block(self, store: DDBStore, moment: int) -> str:
        """Return why pruning of the store cannot run at `moment`, or ""."""
        if not self.pruning_flag(store, moment):
            return "pruning flag cleared"
        for partition in store.partitions:
            if not self.media_agent_online(partition.media_agent_id, moment):
                agent = self.env.media_agent_by_id[partition.media_agent_id]
                return f"MediaAgent {agent.name} offline"
        return ""

    def data_aging(self, day: int) -> DataAgingRun:
        """Return the status and the number of aged jobs of the data aging run of a day."""
        roll = mix(self.seed, SALT_AGING_STATUS, day) % 1000
        if roll < self.evolution.data_aging_failure_rate * 1000:
            return DataAgingRun(day, "Failed", 0)
        spread = mix(self.seed, SALT_AGED_JOBS, day) % 41
        aged = self._clients_with_jobs * (80 + spread) // 100
        status = "Completed"
        if roll >= 960:
            status = "Completed w/ one or more errors"
        return DataAgingRun(day, status, aged)

    def aged_records(self, store: DDBStore, day: int) -> int:
        """Return the records one partition of a store receives from a day's aging."""
        if not self.store_exists(store, day_start(day) + DATA_AGING_OFFSET):
            return 0
        if self.data_aging(day).status == "Failed":
            return 0
        base = self.evolution.aged_records_per_day
        scale = 50 + mix(self.seed, SALT_AGED_RECORDS, store.store_id * 100_003 + day)
        amount = base * (scale % 101) // 100
        if store.sealed_time and store.sealed_time <= day_start(day):
            amount //= 4
        return amount

    def pending_deletes(self, store: DDBStore, moment: int) -> int:
        """Return the records one partition of the store has waiting at `moment`."""
        start_hour = self._start_hour()
        hour = moment // SECONDS_PER_HOUR
        if hour < start_hour or not self.evolution.origin:
            return 0
        with self._pending_lock:
            series = self._pending.setdefault(store.store_id, [0])
            while len(series) <= hour - start_hour:
                at = (start_hour + len(series)) * SECONDS_PER_HOUR
                value = series[-1]
                if at % SECONDS_PER_DAY == DATA_AGING_OFFSET:
                    value += self.aged_records(store, day_of(at))
                if not self.pruning_block(store, at):
                    value = max(0, value - self.evolution.pruned_records_per_hour)
                series.append(value)
            return series[hour - start_hour]

    def pruned_in_hour(self, store: DDBStore, hour_start: int) -> int:
        """Return the records one partition pruned in the hour that starts then."""
        if self.pruning_block(store, hour_start):
            return 0
        before = self.pending_deletes(store, hour_start - SECONDS_PER_HOUR)
        added = 0
        if hour_start % SECONDS_PER_DAY == DATA_AGING_OFFSET:
            added = self.aged_records(store, day_of(hour_start))
        return max(0, before + added - self.pending_deletes(store, hour_start))

    def _start_hour(self) -> int:
        start = self.evolution.origin - self.evolution.pending_history_days * 86400
        return start // SECONDS_PER_HOUR

    # Whole state -----------------------------------------------------------------

    def state(self, moment: int) -> Environment:
        """Return the environment as it is at `moment` (cached for the last moment)."""
        if self._last is not None and self._last[0] == moment:
            return self._last[1]
        evolving = self.env.evolution is not None
        state = self._build_state(moment) if evolving else self.env
        self._last = (moment, state)
        return state

    def _build_state(self, moment: int) -> Environment:
        env = self.env
        agents = []
        for agent in env.media_agents:
            reason = self.media_agent_offline_reason(agent, moment)
            if (reason == 0) == agent.online and reason == agent.offline_reason_code:
                agents.append(agent)
            else:
                agents.append(
                    dataclasses.replace(
                        agent, online=reason == 0, offline_reason_code=reason
                    )
                )
        online = {agent.media_agent_id for agent in agents if agent.online}

        pools = [self._pool_state(pool, online, moment) for pool in env.pools]
        stores = [
            self._store_state(store, online, moment)
            for store in env.ddb_stores
            if self.store_exists(store, moment)
        ]
        return dataclasses.replace(
            env, media_agents=agents, pools=pools, ddb_stores=stores
        )

    def _pool_state(self, pool: Pool, online: set[int], moment: int) -> Pool:
        changes: dict = {}
        used = self.pool_used_mb(pool, moment)
        if used != pool.size_on_disk_mb:
            changes["size_on_disk_mb"] = used
            if pool.capacity_mb > 0:
                changes["free_mb"] = pool.capacity_mb - used
        all_down = pool.media_agent_ids and not any(
            agent_id in online for agent_id in pool.media_agent_ids
        )
        originally_up = any(
            self.env.media_agent_by_id[agent_id].online
            for agent_id in pool.media_agent_ids
        )
        if not pool.offline_reason and all_down and originally_up:
            changes["offline_reason"] = OFFLINE_ALL_AGENTS
        return dataclasses.replace(pool, **changes) if changes else pool

    def _store_state(self, store: DDBStore, online: set[int], moment: int) -> DDBStore:
        pending = self.pending_deletes(store, moment)
        partitions = [
            dataclasses.replace(
                partition,
                online=partition.online and partition.media_agent_id in online,
                pending_deletes=pending,
            )
            for partition in store.partitions
        ]
        sealed = store.sealed_time if 0 < store.sealed_time <= moment else 0
        return dataclasses.replace(
            store,
            partitions=partitions,
            sealed_time=sealed,
            pruning_enabled=self.pruning_flag(store, moment),
        )
