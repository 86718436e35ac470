"""Scale presets: `small` (what the test suite collects) and `large` (the demo).

Both are deterministic functions of the seed. The small preset is a fixed table, so
tests can rely on each retention class being present. The large one is drawn at random
from the seed in the proportions listed in the README.
"""

from __future__ import annotations

import random

from commserve_sim.jobs import day_of, day_start
from commserve_sim.model import (
    Client,
    Copy,
    DDBStore,
    Environment,
    Evolution,
    ExtendedRule,
    JobGeneration,
    MediaAgent,
    Partition,
    Plan,
    Pool,
    PoolTrend,
    StoragePolicy,
    Window,
)

PRESETS = ("small", "large")

# Id ranges keep every kind of object apart, so a mixed-up id in a consumer shows up.
PLAN_ID_BASE = 100
POLICY_ID_BASE = 500
COPY_ID_BASE = 1000
POOL_ID_BASE = 3000
POOL_COPY_ID_BASE = 3500
LIBRARY_ID_BASE = 4000
MEDIA_AGENT_ID_BASE = 6000
STORE_ID_BASE = 7000
SUBSTORE_ID_BASE = 8000
CLIENT_ID_BASE = 10000
SUBCLIENT_ID_BASE = 50000
DR_POLICY_ID = 1

OFFLINE_MOUNT_PATH = (
    "Mount path is inaccessible. Check the following.\n"
    "a. Is the mount path visible to the operating system on the MediaAgent machine.\n"
    "b. Is the username/password correctly entered.\n"
    "c. Does this user have read/write privileges to this mount path."
)
OFFLINE_LIBRARY = "Library is offline because all MediaAgents are offline."
APP_NAMES = (
    ("File System", 70),
    ("Virtual Server", 15),
    ("SQL Server", 10),
    ("Oracle", 5),
)
OS_NAMES = ("Windows Server 2022 Datacenter", "Rocky Linux 9", "Windows Server 2019")
GIB = 1024**3


class PresetBuilder:
    """Shared steps of both presets: numbering, pools, clients."""

    def __init__(self, seed: int, preset: str) -> None:
        self.rng = random.Random(f"commserve_sim:{preset}:{seed}")
        self.seed = seed
        self.next_copy_id = COPY_ID_BASE + 1
        self.next_substore_id = SUBSTORE_ID_BASE
        self.plans: list[Plan] = []
        self.policies: list[StoragePolicy] = []
        self.pools: list[Pool] = []
        self.media_agents: list[MediaAgent] = []
        self.stores: list[DDBStore] = []
        self.clients: list[Client] = []

    def add_media_agent(self, name: str, offline_reason_code: int = 0) -> MediaAgent:
        index = len(self.media_agents) + 1
        agent = MediaAgent(
            media_agent_id=MEDIA_AGENT_ID_BASE + index,
            name=name,
            online=offline_reason_code == 0,
            offline_reason_code=offline_reason_code,
            os_name=OS_NAMES[index % len(OS_NAMES)],
            release=36 - (index % 3) * 2,
        )
        self.media_agents.append(agent)
        return agent

    def add_pool(
        self,
        name: str,
        storage_type: str,
        capacity_tb: float,
        free_fraction: float,
        media_agents: list[MediaAgent],
        dedup: bool = True,
        offline_reason: str = "",
    ) -> Pool:
        index = len(self.pools) + 1
        capacity = int(capacity_tb * 1024 * 1024)
        if storage_type == "cloud":
            capacity_mb, free_mb = -1, -1
            size_on_disk = int(capacity * (1 - free_fraction))
        else:
            capacity_mb = capacity
            free_mb = int(capacity * free_fraction)
            size_on_disk = capacity - free_mb
        pool = Pool(
            pool_id=POOL_ID_BASE + index,
            name=name,
            storage_type=storage_type,
            capacity_mb=capacity_mb,
            free_mb=free_mb,
            size_on_disk_mb=size_on_disk,
            dedup=dedup,
            offline_reason=offline_reason,
            media_agent_ids=[agent.media_agent_id for agent in media_agents],
            library_id=LIBRARY_ID_BASE + index,
            pool_copy_id=POOL_COPY_ID_BASE + index,
            nodes=max(1, len(media_agents)),
        )
        self.pools.append(pool)
        return pool

    def add_store(
        self,
        pool: Pool,
        partition_agents: list[MediaAgent],
        sealed_time: int = 0,
        pruning_enabled: bool = True,
        created_time: int = 0,
    ) -> DDBStore:
        store_id = STORE_ID_BASE + len(self.stores) + 1
        partitions = []
        for number, agent in enumerate(partition_agents, start=1):
            self.next_substore_id += 1
            partitions.append(
                Partition(
                    substore_id=self.next_substore_id,
                    media_agent_id=agent.media_agent_id,
                    path=f"/ddb/{store_id}/part{number}",
                    online=agent.online,
                    primary_records=self.rng.randint(50_000_000, 900_000_000),
                    free_disk_mb=self.rng.randint(20_000, 900_000),
                )
            )
        store = DDBStore(
            store_id=store_id,
            name=f"{pool.name}_{store_id}",
            pool_id=pool.pool_id,
            partitions=partitions,
            sealed_time=sealed_time,
            pruning_enabled=pruning_enabled,
            created_time=created_time,
        )
        self.stores.append(store)
        return store

    def add_plan(
        self,
        name: str,
        cadence: str,
        copies: list[tuple[str, Pool, int, int, dict]],
        full_failure_rate: float = 0.0,
    ) -> Plan:
        """Add a plan and its storage policy; copies are (name, pool, days, cycles, extra)."""
        index = len(self.plans) + 1
        policy = StoragePolicy(
            policy_id=POLICY_ID_BASE + index, name=name, plan_id=PLAN_ID_BASE + index
        )
        for precedence, (copy_name, pool, days, cycles, extra) in enumerate(
            copies, start=1
        ):
            policy.copies.append(
                Copy(
                    copy_id=self.next_copy_id,
                    name=copy_name,
                    precedence=precedence,
                    pool_id=pool.pool_id,
                    days=days,
                    cycles=cycles,
                    data_aging=extra.get("data_aging", True),
                    extended=extra.get("extended", []),
                    worm=extra.get("worm", False),
                    selection=extra.get("selection", "all"),
                    source_copy_id=policy.copies[0].copy_id if precedence > 1 else 0,
                )
            )
            self.next_copy_id += 1
        plan = Plan(
            plan_id=PLAN_ID_BASE + index,
            name=name,
            policy=policy,
            cadence=cadence,
            rpo_minutes=1440,
            description=f"Server plan with {len(copies)} copies",
            full_failure_rate=full_failure_rate,
        )
        self.plans.append(plan)
        self.policies.append(policy)
        return plan

    def add_dr_policy(self, pool: Pool) -> None:
        policy = StoragePolicy(policy_id=DR_POLICY_ID, name="CommServeDR", streams=1)
        policy.copies.append(
            Copy(
                copy_id=COPY_ID_BASE,
                name="Primary",
                precedence=1,
                pool_id=pool.pool_id,
                days=30,
                cycles=1,
            )
        )
        self.policies.append(policy)

    def add_client(self, name: str, plan: Plan, **overrides) -> Client:
        rng = self.rng
        index = len(self.clients) + 1
        roll = rng.randrange(100)
        app_name = APP_NAMES[-1][0]
        for candidate, weight in APP_NAMES:
            if roll < weight:
                app_name = candidate
                break
            roll -= weight

        if rng.random() < 0.8:
            # Night window 19:00-05:00 UTC; the rest start at any time of day.
            start_offset = (68400 + rng.randrange(36000)) % 86400
        else:
            start_offset = rng.randrange(86400)
        cadence = overrides.get("cadence", "") or plan.cadence
        phase = rng.randint(1, 28) if cadence == "monthly_full" else rng.randrange(7)

        values = {
            "client_id": CLIENT_ID_BASE + index,
            "name": name,
            "plan_id": plan.plan_id,
            "subclient_id": SUBCLIENT_ID_BASE + index,
            "app_name": app_name,
            "phase": phase,
            "start_offset": start_offset,
            "base_size_bytes": int(GIB * 10 * (1.6 ** rng.randrange(14))),
            "change_rate": rng.uniform(0.01, 0.06),
            "failure_rate": rng.uniform(0.005, 0.03),
        }
        values.update(overrides)
        client = Client(**values)
        self.clients.append(client)
        return client

    def seal(self, store: DDBStore, moment: int) -> DDBStore:
        """Seal a store at `moment`; a new active store on the same partitions appears."""
        store.sealed_time = moment
        agents = [self.agent_by_id(p.media_agent_id) for p in store.partitions]
        pool = next(pool for pool in self.pools if pool.pool_id == store.pool_id)
        return self.add_store(pool, agents, created_time=moment)

    def agent_by_id(self, agent_id: int) -> MediaAgent:
        return next(a for a in self.media_agents if a.media_agent_id == agent_id)

    def environment(self, history_days: int) -> Environment:
        return Environment(
            name="cs01",
            commcell_id=2,
            plans=self.plans,
            policies=self.policies,
            pools=self.pools,
            media_agents=self.media_agents,
            ddb_stores=self.stores,
            clients=self.clients,
            generation=JobGeneration(history_days=history_days, seed=self.seed),
        )


def build_small(seed: int, now: int) -> Environment:
    """About 10 plans and 25 copies covering every retention class, 50 clients."""
    builder = PresetBuilder(seed, "small")
    agents = [builder.add_media_agent(f"ma{n:02d}") for n in range(1, 9)]
    agents[4].online, agents[4].offline_reason_code = False, 2

    disk = builder.add_pool("DiskPool01", "disk", 50, 0.35, agents[0:2])
    cloud = builder.add_pool("CloudPool01", "cloud", 400, 0.5, agents[1:3])
    full = builder.add_pool("DiskPool02-Full", "disk", 20, 0.015, agents[2:3])
    offline = builder.add_pool(
        "DiskPool03", "disk", 30, 0.4, agents[4:5], offline_reason=OFFLINE_MOUNT_PATH
    )
    hsx = builder.add_pool("HSXPool01", "hyperscale", 180, 0.08, agents[5:8])
    hostile = builder.add_pool(
        "<script>alert(1)</script>", "disk", 10, 0.4, agents[3:4], dedup=False
    )

    disk_store = builder.add_store(disk, agents[0:2])
    builder.add_store(disk, agents[0:1], sealed_time=now - 200 * 86400)
    cloud_store = builder.add_store(cloud, agents[1:3])
    builder.add_store(full, agents[2:3], pruning_enabled=False)
    builder.add_store(offline, agents[4:5])
    builder.add_store(hsx, agents[5:8])

    no = {"data_aging": False}
    monthly = {"extended": [ExtendedRule("monthly_fulls", 365)]}
    monthly_short = {"extended": [ExtendedRule("monthly_fulls", 90)]}
    yearly = {"extended": [ExtendedRule("yearly_fulls", 2555)]}
    fulls_only = {"selection": "fulls"}
    plain: dict = {}
    table = [
        ("Server-Gold", "weekly_full", 0.0, [
            ("Primary", disk, 30, 1, plain), ("Cloud-Secondary", cloud, 90, 1, plain)]),
        ('<b>Finance</b> "Gold"', "weekly_full", 0.6, [
            ("Primary", disk, 14, 2, plain), ("Secondary", cloud, 365, 1, monthly)]),
        ("Boundary-30d", "weekly_full", 0.0, [
            ("Primary", hsx, 30, 2, plain), ("Secondary", cloud, 30, 3, plain)]),
        ("Archive-Forever", "monthly_full", 0.0, [
            ("Primary", full, -1, 1, plain), ("Secondary", cloud, 30, 2, no)]),
        ("DaysOnly-Dev", "weekly_synthetic_full", 0.0, [
            ("Primary", disk, 30, 0, plain), ("Secondary", hostile, 7, 0, plain)]),
        ("SQL-Platinum", "weekly_full_differential", 0.0, [
            ("Primary", hsx, 7, 2, plain), ("Secondary", cloud, 60, 4, plain),
            ("Tertiary", offline, 365, 1, yearly)]),
        ("VM-Silver", "weekly_synthetic_full", 0.0, [
            ("Primary", disk, 30, 1, plain), ("Secondary", cloud, 60, 1, plain),
            ("Monthly", cloud, 30, 1, {**monthly_short, **fulls_only})]),
        ("R&D 'Bronze'", "weekly_full", 0.0, [
            ("Primary", full, 31, 2, plain), ("Secondary", cloud, 29, 3, plain)]),
        ("Legacy-Monthly", "monthly_full", 0.0, [
            ("Primary", disk, 30, 1, plain), ("Secondary", cloud, 90, 1, no),
            ("Vault", offline, -1, 2, fulls_only)]),
        ("Laptop-Protect", "weekly_synthetic_full", 0.0, [
            ("Primary", hsx, 30, 1, plain), ("Secondary", cloud, 14, 3, plain),
            ("Long-Term", cloud, 60, 1, plain)]),
    ]  # fmt: skip
    plans = [
        builder.add_plan(name, cadence, copies, failure)
        for name, cadence, failure, copies in table
    ]
    builder.add_dr_policy(disk)

    special = {
        3: {"name": "O'Brien-FS"},
        5: {"name": '"quoted" & <b>bold</b>'},
        7: {"name": "<img src=x onerror=alert(1)>"},
        11: {"cadence": "incremental_forever"},
        12: {"cadence": "incremental_forever"},
        13: {"full_failure_rate": 0.8},
        14: {"max_duration": 22 * 3600, "start_offset": 3600},
        15: {"max_duration": 23 * 3600, "start_offset": 43000},
        16: {"data_aging_enabled": False},
        17: {"has_jobs": False},
    }
    for number in range(1, 51):
        overrides = dict(special.get(number, {}))
        name = overrides.pop("name", f"client{number:02d}")
        builder.add_client(name, plans[(number - 1) % len(plans)], **overrides)

    # Changes over time. Every event lies before `now`, so the state at the start time
    # is the one built above, plus the store that replaced the sealed one.
    def at(days_ago: int, clock: str) -> int:
        hours, minutes = clock.split(":")
        return day_start(day_of(now) - days_ago) + int(hours) * 3600 + int(minutes) * 60

    builder.seal(cloud_store, at(4, "12:30"))
    tb_day = 1024 * 1024 / 100  # MB per day for 1% of one TB
    env = builder.environment(history_days=90)
    env.evolution = Evolution(
        origin=now,
        pool_trends={
            disk.pool_id: PoolTrend(50 * 0.5 * tb_day, [(at(5, "14:00"), 2 * 1024**2)]),
            cloud.pool_id: PoolTrend(400 * 0.4 * tb_day),
            full.pool_id: PoolTrend(20 * 0.02 * tb_day),
            hsx.pool_id: PoolTrend(180 * 0.3 * tb_day, [(at(1, "14:00"), 3 * 1024**2)]),
            hostile.pool_id: PoolTrend(10 * 0.1 * tb_day),
        },
        outages={
            agents[1].media_agent_id: [Window(at(9, "09:00"), at(8, "15:00"), 1)],
            agents[5].media_agent_id: [Window(at(6, "08:00"), at(2, "10:00"), 5)],
        },
        pruning_pauses={
            disk_store.store_id: [Window(at(12, "10:00"), at(10, "16:00"))]
        },
    )
    return env


def _large_retention_specs(
    rng: random.Random, total: int
) -> list[tuple[int, int, dict]]:
    """Return `total` (days, cycles, extra) retention settings in the large mix."""
    no = {"data_aging": False}
    monthly = {"extended": [ExtendedRule("monthly_fulls", 365)]}
    yearly = {"extended": [ExtendedRule("yearly_fulls", 2555)]}
    both = {
        "extended": [
            ExtendedRule("monthly_fulls", 180),
            ExtendedRule("yearly_fulls", 1825, grace_days=7),
        ]
    }
    counted = [
        (18, (30, 2, no)),  # aging disabled, saved rules kept
        (15, (-1, 1, {})),  # infinite
        (30, (14, 2, {})),
        (15, (7, 2, {})),
        (20, (30, 2, {})),  # boundary: exactly 30 days and 2 cycles
        (5, (29, 2, {})),
        (5, (31, 2, {})),
        (20, (30, 3, {})),  # boundary: 3 cycles
        (15, (30, 4, {})),
        (10, (60, 3, {})),
        (5, (14, 4, {})),
        (20, (30, 0, {})),  # days-only
        (15, (90, 0, {})),
        (5, (7, 0, {})),
        (25, (30, 1, monthly)),
        (10, (30, 1, yearly)),
        (10, (60, 2, both)),
        (6, (30, 1, {"worm": True})),
    ]
    specs = [spec for count, spec in counted for _ in range(count)]
    ordinary = [(30, 1, {}), (60, 1, {}), (90, 1, {}), (365, 1, {}), (45, 1, {})]
    while len(specs) < total:
        specs.append(rng.choice(ordinary))
    rng.shuffle(specs)
    return specs[:total]


def build_large(seed: int, now: int) -> Environment:
    """250 plans, 600 copies, 60 pools, 250 MediaAgents, 150 DDBs, 20,000 clients."""
    builder = PresetBuilder(seed, "large")
    rng = builder.rng
    sites = ("ams", "fra", "lon", "nyc", "sgp")
    agents = []
    offline_agents = set(rng.sample(range(250), 12))
    for number in range(250):
        reason = rng.choice((1, 2, 5)) if number in offline_agents else 0
        agents.append(
            builder.add_media_agent(f"ma-{sites[number % 5]}-{number:03d}", reason)
        )

    kinds = ["cloud"] * 8 + ["hyperscale"] * 4 + ["disk"] * 48
    free_fractions = [0.012, 0.015, 0.018] + [0.04, 0.06, 0.07, 0.08, 0.09]
    free_fractions += [rng.uniform(0.15, 0.7) for _ in range(52)]
    rng.shuffle(free_fractions)
    offline_pools = set(rng.sample(range(12, 60), 2))
    non_dedup = set(rng.sample(range(12, 60), 4))
    for number, kind in enumerate(kinds):
        name = f"{kind.capitalize()}Pool-{sites[number % 5]}-{number:02d}"
        if number == 17:
            name = "<script>alert(1)</script>"
        elif number == 23:
            name = "Pool \"Primary\" & 'DR'"
        size = 3 if kind == "hyperscale" else rng.randint(1, 4)
        start = rng.randrange(250 - size)
        reason = ""
        if number in offline_pools:
            reason = OFFLINE_MOUNT_PATH if number % 2 else OFFLINE_LIBRARY
        builder.add_pool(
            name,
            kind,
            rng.choice((50, 100, 200, 400, 800)),
            free_fractions[number],
            agents[start : start + size],
            dedup=number not in non_dedup,
            offline_reason=reason,
        )

    dedup_pools = [pool for pool in builder.pools if pool.dedup]
    owners = list(dedup_pools) + [rng.choice(dedup_pools) for _ in range(150 - 56)]
    sealed = set(rng.sample(range(56, 150), 30))
    no_pruning = set(rng.sample(range(150), 4))
    for number, pool in enumerate(owners):
        pool_agents = [a for a in agents if a.media_agent_id in pool.media_agent_ids]
        count = rng.randint(1, 4)
        partition_agents = (pool_agents * 4)[:count]
        sealed_time = now - rng.randint(30, 700) * 86400 if number in sealed else 0
        builder.add_store(pool, partition_agents, sealed_time, number not in no_pruning)

    cadences = ["weekly_full"] * 45 + ["monthly_full"] * 15
    cadences += ["weekly_synthetic_full"] * 25 + ["weekly_full_differential"] * 15
    copies_per_plan = [1] * 20 + [2] * 126 + [3] * 89 + [4] * 15
    rng.shuffle(copies_per_plan)
    specs = _large_retention_specs(rng, sum(copies_per_plan))
    failing_plans = set(rng.sample(range(250), 5))
    tiers = ("Gold", "Silver", "Bronze", "Platinum")
    depts = ("Finance", "HR", "Sales", "Ops", "Eng", "Legal", "Retail", "Lab")
    copy_names = ("Primary", "Secondary", "Cloud-Copy", "Vault")
    for number, copy_count in enumerate(copies_per_plan):
        name = f"{tiers[number % 4]}-{depts[number % 8]}-{number:03d}"
        if number == 7:
            name = '<b>Finance</b> "Gold"'
        elif number == 8:
            name = "R&D 'Silver' <i>lab</i>"
        copies = []
        for position in range(copy_count):
            days, cycles, extra = specs.pop()
            pool = rng.choice(builder.pools)
            if copy_names[position] == "Vault":
                extra = {**extra, "selection": "fulls"}
            copies.append((copy_names[position], pool, days, cycles, extra))
        failure = 0.6 if number in failing_plans else 0.0
        builder.add_plan(name, rng.choice(cadences), copies, failure)
    builder.add_dr_policy(builder.pools[12])

    weights = [rng.paretovariate(1.2) for _ in builder.plans]
    plan_choices = rng.choices(builder.plans, weights=weights, k=20000)
    hostile = {11: "O'Brien-FS", 42: "<script>alert(1)</script>", 99: '"db" & <b>x</b>'}
    for number in range(20000):
        overrides: dict = {}
        roll = rng.random()
        if roll < 0.02:
            overrides["cadence"] = "incremental_forever"
        elif roll < 0.03:
            overrides["full_failure_rate"] = 0.8
        elif roll < 0.035:
            overrides["max_duration"] = rng.randint(20, 23) * 3600
        elif roll < 0.065:
            overrides["has_jobs"] = False
        elif roll < 0.075:
            overrides["data_aging_enabled"] = False
        name = hostile.get(number, f"{sites[number % 5]}-srv-{number:05d}")
        builder.add_client(name, plan_choices[number], **overrides)

    env = builder.environment(history_days=90)
    env.evolution = _large_evolution(builder, seed, now)
    return env


def _large_evolution(builder: PresetBuilder, seed: int, now: int) -> Evolution:
    """Draw the changes over time of the large preset, all within 14 days before now.

    A separate random stream keeps the origin state the same as without evolution.
    """
    rng = random.Random(f"commserve_sim:large-evolution:{seed}")
    today = day_of(now)

    def moment(days_back: int) -> int:
        return day_start(today - days_back) + rng.randrange(86400)

    trends = {}
    for pool in builder.pools:
        percent = 0.0 if rng.random() < 0.3 else rng.uniform(0.05, 0.6)
        scale = pool.capacity_mb if pool.capacity_mb > 0 else pool.size_on_disk_mb
        drops = []
        if pool.storage_type != "cloud" and rng.random() < 0.3:
            drops.append(
                (moment(rng.randint(1, 13)), int(scale * rng.uniform(0.02, 0.06)))
            )
        trends[pool.pool_id] = PoolTrend(scale * percent / 100, drops)

    online = [agent for agent in builder.media_agents if agent.online]
    outages: dict[int, list[Window]] = {}
    for number, agent in enumerate(rng.sample(online, 10)):
        start = moment(rng.randint(2, 13))
        hours = rng.randint(2, 36) if number else 4 * 24
        end = min(start + hours * 3600, now - 3600)
        outages[agent.media_agent_id] = [Window(start, end, rng.choice((1, 2, 5)))]

    active = [s for s in builder.stores if not s.sealed_time and s.pruning_enabled]
    chosen = rng.sample(active, 6)
    pauses = {}
    for store in chosen[:3]:
        start = moment(rng.randint(3, 13))
        pauses[store.store_id] = [Window(start, start + rng.randint(6, 48) * 3600)]
    for store in chosen[3:]:
        builder.seal(store, moment(rng.randint(1, 12)))
    return Evolution(
        origin=now, pool_trends=trends, outages=outages, pruning_pauses=pauses
    )


def build_preset(name: str, seed: int, now: int) -> Environment:
    if name == "small":
        return build_small(seed, now)
    if name == "large":
        return build_large(seed, now)
    raise ValueError(f"preset {name!r} is unknown: use one of {', '.join(PRESETS)}.")
