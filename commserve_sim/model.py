"""The simulated CommCell: plain objects that the HTTP layer renders.

Presets and scenario files both build an `Environment`: the state at its origin (the
start time of the process). An `Evolution` lists what changes over time (pool fill
rates, MediaAgent outages, pruning pauses); `commserve_sim.evolution` derives the
state at any time from both, without changing these objects.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

SECONDS_PER_DAY = 86400

# Absolute day numbers count from this Unix time (2020-01-01T00:00:00Z), so job ids,
# which are derived from day numbers, stay the same across restarts.
DAY_ZERO_EPOCH = 1577836800

# Extended retention rule bits (classic `extendedRetentionRuleOne.rule`).
EXTENDED_RULE_BITS = {
    "all_fulls": 2,
    "weekly_fulls": 4,
    "monthly_fulls": 8,
    "quarterly_fulls": 16,
    "half_yearly_fulls": 32,
    "yearly_fulls": 64,
    "hourly_fulls": 262144,
    "daily_fulls": 524288,
}

# `storageType` of a pool or copy.
STORAGE_TYPE_CODES = {"disk": 1, "cloud": 2, "hyperscale": 3}

# Backup cadences a plan (or a single client) can follow.
# Job selections of a copy (`Copy.selection`).
COPY_SELECTIONS = ("all", "fulls")
# `selectiveCopyRules.selectiveRule` of a selective copy per selection: 2 takes all
# fulls (cvpysdk 11.40 `StoragePolicy.create_selective_copy`).
SELECTIVE_RULE_CODES = {"fulls": 2}

CADENCES = (
    "weekly_full",
    "monthly_full",
    "weekly_synthetic_full",
    "weekly_full_differential",
    "incremental_forever",
)

# DDB `storeFlags` bit: pruning (physical deletion) enabled.
STORE_FLAG_PRUNING_ENABLED = 536870912


@dataclass
class ExtendedRule:
    rule: str  # a key of EXTENDED_RULE_BITS
    end_days: int  # -1 = infinite
    grace_days: int = 0


@dataclass
class Copy:
    copy_id: int
    name: str
    precedence: int
    pool_id: int
    days: int  # -1 = infinite
    cycles: int  # 0 = days-only retention
    data_aging: bool = True
    extended: list[ExtendedRule] = field(default_factory=list)
    worm: bool = False
    active: bool = True
    source_copy_id: int = 0
    # Which jobs of the storage policy a secondary copy copies: "all" or "fulls"
    # (fulls and synthetic fulls only). A primary copy contains every backup job.
    selection: str = "all"
    # The selectiveRule served in place of the selection's code, such as a code the
    # collector does not know or a value that is not a number. None serves the code.
    selective_rule: int | str | None = None


@dataclass
class StoragePolicy:
    policy_id: int
    name: str
    copies: list[Copy] = field(default_factory=list)
    plan_id: int | None = None
    streams: int = 50


@dataclass
class Plan:
    plan_id: int
    name: str
    policy: StoragePolicy
    cadence: str = "weekly_full"
    rpo_minutes: int = 1440
    description: str = ""
    # Fraction of this plan's full backups that fail (on top of the base failure rate).
    full_failure_rate: float = 0.0


@dataclass
class MediaAgent:
    media_agent_id: int
    name: str
    online: bool = True
    offline_reason_code: int = 0
    os_name: str = "Windows Server 2022 Datacenter"
    release: int = 36


@dataclass
class Pool:
    pool_id: int  # also the id of its global storage policy and client group
    name: str
    storage_type: str  # a key of STORAGE_TYPE_CODES
    capacity_mb: int  # -1 for cloud pools (unknown)
    free_mb: int  # -1 for cloud pools (unknown)
    size_on_disk_mb: int
    dedup: bool = True
    offline_reason: str = ""
    media_agent_ids: list[int] = field(default_factory=list)
    library_id: int = 0
    pool_copy_id: int = 0
    worm_flags: int = 0
    cloud_class: str = "Standard"
    nodes: int = 1

    @property
    def status(self) -> str:
        if self.offline_reason:
            return f"Offline ({self.offline_reason})"
        return "Online"

    @property
    def library_name(self) -> str:
        prefix = "CloudLib" if self.storage_type == "cloud" else "DiskLib"
        return f"{prefix}_{self.name}"


@dataclass
class Partition:
    substore_id: int
    media_agent_id: int
    path: str
    online: bool = True
    primary_records: int = 0
    free_disk_mb: int = 512000
    # Records waiting for physical pruning; set only in a state derived for a time.
    pending_deletes: int = 0


@dataclass
class DDBStore:
    store_id: int
    name: str
    pool_id: int
    partitions: list[Partition] = field(default_factory=list)
    sealed_time: int = 0  # Unix time when sealed; 0 = active
    pruning_enabled: bool = True
    ddb_version: int = 11
    # Unix time when the store was created; 0 = before any simulated time. A store
    # that replaces a sealed one appears at the seal time.
    created_time: int = 0

    @property
    def store_flags(self) -> int:
        return STORE_FLAG_PRUNING_ENABLED if self.pruning_enabled else 0


@dataclass
class Client:
    client_id: int
    name: str
    plan_id: int
    subclient_id: int
    app_name: str = "File System"
    cadence: str = ""  # empty = the plan's cadence
    phase: int = 0  # weekday (0-6) or day of month (1-28) of the full backup
    start_offset: int = 75600  # seconds after 00:00 UTC when its daily job starts
    base_size_bytes: int = 50 * 1024**3
    change_rate: float = 0.03
    failure_rate: float = 0.02
    full_failure_rate: float = 0.0
    max_duration: int = 4 * 3600
    has_jobs: bool = True
    data_aging_enabled: bool = True
    host_suffix: str = "example.invalid"

    @property
    def host_name(self) -> str:
        safe = "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in self.name)
        return f"{safe.strip('-').lower() or 'client'}.{self.host_suffix}"


@dataclass
class JobGeneration:
    """Parameters of the arithmetic job history."""

    history_days: int = 90
    seed: int = 0


@dataclass
class ExplicitJob:
    """A job given literally by a scenario file."""

    job_id: int
    client_id: int
    level: str  # "Full", "Incremental", "Differential", "Synthetic Full"
    status: str
    start_time: int
    duration: int
    size_bytes: int
    media_bytes: int


class Clock:
    """The simulator's notion of now: wall-clock time plus an adjustable offset."""

    def __init__(self, fixed_now: float | None = None) -> None:
        self._fixed_now = fixed_now
        self._offset = 0.0

    def now(self) -> int:
        base = self._fixed_now if self._fixed_now is not None else time.time()
        return int(base + self._offset)

    def advance(self, seconds: float) -> None:
        self._offset += seconds

    def set(self, moment: float) -> None:
        """Make now equal `moment`; an unfrozen clock keeps running from there."""
        base = self._fixed_now if self._fixed_now is not None else time.time()
        self._offset = moment - base


@dataclass
class Window:
    """A period of simulated time; `end` None means it has not ended."""

    start: int
    end: int | None = None
    reason_code: int = 1

    def covers(self, moment: int) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)


@dataclass
class PoolTrend:
    """Trend of a pool's used space: a steady daily rate and drops after pruning runs."""

    fill_mb_per_day: float = 0.0
    drops: list[tuple[int, int]] = field(default_factory=list)  # (Unix time, MB freed)


@dataclass
class Evolution:
    """Changes over time; the state at `origin` is the environment as built."""

    origin: int
    pool_trends: dict[int, PoolTrend] = field(default_factory=dict)  # by pool id
    outages: dict[int, list[Window]] = field(default_factory=dict)  # by MA id
    pruning_pauses: dict[int, list[Window]] = field(default_factory=dict)  # by store
    aged_records_per_day: int = 40_000  # per partition, added by each data aging run
    pruned_records_per_hour: int = 12_000  # per partition while pruning can run
    pending_history_days: int = 30  # pending deletes start at 0 this long before origin
    data_aging_failure_rate: float = 0.1


@dataclass
class Environment:
    name: str
    commcell_id: int
    plans: list[Plan]
    policies: list[StoragePolicy]  # plan policies plus policies without plans
    pools: list[Pool]
    media_agents: list[MediaAgent]
    ddb_stores: list[DDBStore]
    clients: list[Client]
    generation: JobGeneration | None = None
    explicit_jobs: list[ExplicitJob] | None = None
    commserve_client_id: int = 2
    evolution: Evolution | None = None
    # The CommServe client's time zone, as `GET /Client/{id}` names it.
    time_zone: str = "(UTC) Coordinated Universal Time"
    # Jobs per thousand whose retainUntil on a copy is moved off the rule's date, so a
    # consumer that checks the dates has disagreements to find.
    retention_mismatch_per_mille: int = 3
    # Bumped whenever an object changes, so cached responses are rebuilt.
    revision: int = 0

    def __post_init__(self) -> None:
        self.plan_by_id = {plan.plan_id: plan for plan in self.plans}
        self.pool_by_id = {pool.pool_id: pool for pool in self.pools}
        self.media_agent_by_id = {ma.media_agent_id: ma for ma in self.media_agents}
        self.policy_by_id = {policy.policy_id: policy for policy in self.policies}
        self.store_by_id = {store.store_id: store for store in self.ddb_stores}
        self.client_by_id = {client.client_id: client for client in self.clients}
        self.copy_by_id = {
            copy.copy_id: (policy, copy)
            for policy in self.policies
            for copy in policy.copies
        }

    def copy_count(self) -> int:
        return sum(len(policy.copies) for policy in self.policies)

    def plan_of(self, client: Client) -> Plan:
        return self.plan_by_id[client.plan_id]

    def cadence_of(self, client: Client) -> str:
        return client.cadence or self.plan_of(client).cadence
