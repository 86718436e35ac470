"""Load an environment from a scenario file (JSON or YAML); the schema is in README.md."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

import orjson
import yaml

from commserve_sim.joblist import JOB_ID_BASE
from commserve_sim.jobs import BACKUP_LEVEL_CODES, STATUS_COLORS, day_of
from commserve_sim.jobs import day_start as day_start_of
from commserve_sim.model import (
    CADENCES,
    COPY_SELECTIONS,
    EXTENDED_RULE_BITS,
    STORAGE_TYPE_CODES,
    Client,
    Copy,
    DDBStore,
    Environment,
    Evolution,
    ExplicitJob,
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
from commserve_sim.presets import (
    CLIENT_ID_BASE,
    COPY_ID_BASE,
    LIBRARY_ID_BASE,
    MEDIA_AGENT_ID_BASE,
    PLAN_ID_BASE,
    POLICY_ID_BASE,
    POOL_COPY_ID_BASE,
    POOL_ID_BASE,
    STORE_ID_BASE,
    SUBCLIENT_ID_BASE,
    SUBSTORE_ID_BASE,
)

GIB = 1024**3
TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
TOP_LEVEL_KEYS = {
    "name",
    "pools",
    "media_agents",
    "ddb_stores",
    "plans",
    "clients",
    "jobs",
    "evolution",
    "time_zone",
    "retention_mismatch_per_mille",
}
EVOLUTION_KEYS = {
    "pools",
    "media_agent_outages",
    "pruning_pauses",
    "aged_records_per_day",
    "pruned_records_per_hour",
    "pending_history_days",
    "data_aging_failure_percent",
}
JOB_STATUSES = tuple(status for status in STATUS_COLORS if status != "Running")


class ScenarioError(ValueError):
    """The scenario file is invalid; the message names the key and the fix."""


class Node:
    """A value in the scenario with its key path, for error messages."""

    def __init__(self, value: Any, path: str) -> None:
        self.value = value
        self.path = path

    def fail(self, problem: str, fix: str) -> ScenarioError:
        return ScenarioError(f"{self.path}: {problem}; {fix}.")

    def mapping(self, allowed: set[str]) -> Node:
        if not isinstance(self.value, dict):
            raise self.fail("must be a mapping", "write it as key: value pairs")
        unknown = sorted(set(self.value) - allowed)
        if unknown:
            raise self.fail(
                f"unknown key {unknown[0]!r}",
                f"use only {', '.join(sorted(allowed))}",
            )
        return self

    def items(self, key: str, required: bool = False) -> list[Node]:
        node = self.get(key)
        if node.value is None:
            if required:
                raise node.fail("is missing", "give a list with at least one entry")
            return []
        if not isinstance(node.value, list):
            raise node.fail("must be a list", "write one entry per line under it")
        return [Node(item, f"{node.path}[{i}]") for i, item in enumerate(node.value)]

    def get(self, key: str) -> Node:
        return Node(self.value.get(key), f"{self.path}.{key}" if self.path else key)

    def text(self, key: str, default: str | None = None) -> str:
        node = self.get(key)
        if node.value is None and default is not None:
            return default
        if not isinstance(node.value, str) or not node.value:
            raise node.fail("must be a non-empty string", f"give the {key} as text")
        return node.value

    def number(self, key: str, default: float | None, low: float, high: float) -> float:
        node = self.get(key)
        if node.value is None and default is not None:
            return default
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise node.fail(f"{value!r} is not a number", f"give a number {low}-{high}")
        if not low <= value <= high:
            raise node.fail(f"{value} is out of range", f"give a number {low}-{high}")
        return value

    def integer(self, key: str, default: int | None, low: int, high: int) -> int:
        value = self.number(key, default, low, high)
        if value != int(value):
            raise self.get(key).fail(
                f"{value} is not a whole number", "drop the fraction"
            )
        return int(value)

    def flag(self, key: str, default: bool) -> bool:
        node = self.get(key)
        if node.value is None:
            return default
        if not isinstance(node.value, bool):
            raise node.fail(
                f"{node.value!r} is not true or false", "write true or false"
            )
        return node.value

    def choice(self, key: str, default: str, options: tuple[str, ...]) -> str:
        value = self.text(key, default)
        if value not in options:
            raise self.get(key).fail(
                f"{value!r} is not allowed", f"use one of {', '.join(options)}"
            )
        return value


def read_scenario(path: Path) -> Any:
    """Parse a scenario file as JSON (.json) or YAML (anything else)."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ScenarioError(
            f"--scenario {path}: cannot be read ({error.strerror}); give a readable file."
        ) from None
    try:
        if path.suffix.lower() == ".json":
            return orjson.loads(raw)
        return yaml.safe_load(raw)
    except (orjson.JSONDecodeError, yaml.YAMLError) as error:
        raise ScenarioError(
            f"--scenario {path}: is not valid JSON or YAML ({error}); fix the syntax."
        ) from None


def _resolve(node: Node, key: str, table: dict[str, Any], kind: str) -> Any:
    name = node.text(key)
    if name not in table:
        raise node.get(key).fail(
            f"{kind} {name!r} is not defined", f"add it under {kind}s or fix the name"
        )
    return table[name]


def _build_media_agents(root: Node) -> dict[str, MediaAgent]:
    agents = {}
    for index, node in enumerate(root.items("media_agents", required=True), start=1):
        node.mapping({"name", "online", "offline_reason_code", "os"})
        online = node.flag("online", True)
        agent = MediaAgent(
            media_agent_id=MEDIA_AGENT_ID_BASE + index,
            name=node.text("name"),
            online=online,
            offline_reason_code=node.integer(
                "offline_reason_code", 0 if online else 2, 0, 99
            ),
            os_name=node.text("os", "Windows Server 2022 Datacenter"),
        )
        if agent.name in agents:
            raise node.get("name").fail(f"{agent.name!r} is used twice", "rename one")
        agents[agent.name] = agent
    return agents


def _build_pools(root: Node, agents: dict[str, MediaAgent]) -> dict[str, Pool]:
    pools: dict[str, Pool] = {}
    allowed = {"name", "type", "capacity_tb", "free_percent", "dedup", "offline_reason"}
    for index, node in enumerate(root.items("pools", required=True), start=1):
        node.mapping(allowed | {"media_agents", "worm"})
        name = node.text("name")
        if name in pools:
            raise node.get("name").fail(f"{name!r} is used twice", "rename one")
        kind = node.choice("type", "disk", tuple(STORAGE_TYPE_CODES))
        capacity = int(node.number("capacity_tb", 50, 0.001, 1e6) * 1024 * 1024)
        free = int(capacity * node.number("free_percent", 50, 0, 100) / 100)
        members = [
            _resolve(
                Node({"name": item.value}, item.path), "name", agents, "media_agent"
            )
            for item in node.items("media_agents")
        ]
        pools[name] = Pool(
            pool_id=POOL_ID_BASE + index,
            name=name,
            storage_type=kind,
            capacity_mb=-1 if kind == "cloud" else capacity,
            free_mb=-1 if kind == "cloud" else free,
            size_on_disk_mb=capacity - free,
            dedup=node.flag("dedup", True),
            offline_reason=node.get("offline_reason").value or "",
            media_agent_ids=[agent.media_agent_id for agent in members],
            library_id=LIBRARY_ID_BASE + index,
            pool_copy_id=POOL_COPY_ID_BASE + index,
            worm_flags=1 if node.flag("worm", False) else 0,
            nodes=max(1, len(members)),
        )
    return pools


def _build_stores(root: Node, pools: dict, agents: dict, now: int) -> list[DDBStore]:
    stores = []
    substore_id = SUBSTORE_ID_BASE
    for index, node in enumerate(root.items("ddb_stores"), start=1):
        node.mapping(
            {
                "name",
                "pool",
                "partitions",
                "sealed_days_ago",
                "pruning",
                "created_days_ago",
            }
        )
        pool = _resolve(node, "pool", pools, "pool")
        store_id = STORE_ID_BASE + index
        partitions = []
        for number, item in enumerate(node.items("partitions", required=True), start=1):
            agent = _resolve(
                Node({"name": item.value}, item.path), "name", agents, "media_agent"
            )
            substore_id += 1
            partitions.append(
                Partition(
                    substore_id=substore_id,
                    media_agent_id=agent.media_agent_id,
                    path=f"/ddb/{store_id}/part{number}",
                    online=agent.online,
                    primary_records=100_000_000,
                )
            )
        sealed_days = node.integer("sealed_days_ago", 0, 0, 100000)
        created_days = node.integer("created_days_ago", 0, 0, 100000)
        stores.append(
            DDBStore(
                store_id=store_id,
                name=node.text("name", f"{pool.name}_{store_id}"),
                pool_id=pool.pool_id,
                partitions=partitions,
                sealed_time=now - sealed_days * 86400 if sealed_days else 0,
                pruning_enabled=node.flag("pruning", True),
                created_time=now - created_days * 86400 if created_days else 0,
            )
        )
    return stores


def _moment(node: Node, days_key: str, time_key: str, now: int) -> int:
    """Return the Unix time `days_key` days before now's day at `time_key` (HH:MM)."""
    days = node.integer(days_key, None, 0, 3650)
    clock = node.text(time_key, "00:00")
    found = TIME_OF_DAY.match(clock)
    if found is None:
        raise node.get(time_key).fail(f"{clock!r} is not a time", "write it as HH:MM")
    start = day_start_of(day_of(now) - days)
    return start + int(found.group(1)) * 3600 + int(found.group(2)) * 60


def _window(node: Node, now: int) -> Window:
    start = _moment(node, "from_days_ago", "from_time", now)
    end = None
    if node.value.get("to_days_ago") is not None:
        end = _moment(node, "to_days_ago", "to_time", now)
        if end <= start:
            raise node.get("to_days_ago").fail(
                "ends before the window starts",
                "give fewer days ago than from_days_ago, or a later to_time",
            )
    return Window(start, end, node.integer("reason_code", 1, 1, 99))


def _build_evolution(
    root: Node, pools: dict, agents: dict, stores: list[DDBStore], now: int
) -> Evolution:
    evolution = Evolution(origin=now)
    node = root.get("evolution")
    if node.value is None:
        return evolution
    node = node.mapping(EVOLUTION_KEYS)
    window_keys = {"from_days_ago", "from_time", "to_days_ago", "to_time"}

    for item in node.items("pools"):
        item.mapping({"pool", "fill_percent_per_day", "drops"})
        pool = _resolve(item, "pool", pools, "pool")
        scale = pool.capacity_mb if pool.capacity_mb > 0 else pool.size_on_disk_mb
        percent = item.number("fill_percent_per_day", 0, -100, 100)
        drops = []
        for drop in item.items("drops"):
            drop.mapping({"days_ago", "time", "percent"})
            moment = _moment(drop, "days_ago", "time", now)
            drops.append(
                (moment, int(scale * drop.number("percent", None, 0, 100) / 100))
            )
        evolution.pool_trends[pool.pool_id] = PoolTrend(scale * percent / 100, drops)

    for item in node.items("media_agent_outages"):
        item.mapping({"media_agent", "reason_code"} | window_keys)
        agent = _resolve(item, "media_agent", agents, "media_agent")
        evolution.outages.setdefault(agent.media_agent_id, []).append(
            _window(item, now)
        )

    store_by_name = {store.name: store for store in stores}
    for item in node.items("pruning_pauses"):
        item.mapping({"store"} | window_keys)
        store = _resolve(item, "store", store_by_name, "ddb_store")
        evolution.pruning_pauses.setdefault(store.store_id, []).append(
            _window(item, now)
        )

    evolution.aged_records_per_day = node.integer(
        "aged_records_per_day", evolution.aged_records_per_day, 0, 10**9
    )
    evolution.pruned_records_per_hour = node.integer(
        "pruned_records_per_hour", evolution.pruned_records_per_hour, 0, 10**9
    )
    evolution.pending_history_days = node.integer(
        "pending_history_days", evolution.pending_history_days, 0, 365
    )
    evolution.data_aging_failure_rate = (
        node.number("data_aging_failure_percent", 10, 0, 100) / 100
    )
    return evolution


def _build_copy(node: Node, copy_id: int, precedence: int, pools: dict) -> Copy:
    node.mapping(
        {
            "name",
            "pool",
            "days",
            "cycles",
            "data_aging",
            "worm",
            "extended",
            "selection",
            "selective_rule",
        }
    )
    extended = []
    for item in node.items("extended"):
        item.mapping({"rule", "end_days", "grace_days"})
        extended.append(
            ExtendedRule(
                rule=item.choice("rule", "monthly_fulls", tuple(EXTENDED_RULE_BITS)),
                end_days=item.integer("end_days", None, -1, 100000),
                grace_days=item.integer("grace_days", 0, 0, 100000),
            )
        )
    if len(extended) > 3:
        raise node.get("extended").fail("has more than 3 rules", "keep at most 3")
    days = node.integer("days", None, -1, 100000)
    if days == 0:
        raise node.get("days").fail(
            "0 is invalid", "give 1 or more days, or -1 for infinite"
        )
    return Copy(
        copy_id=copy_id,
        name=node.text("name", "Primary" if precedence == 1 else f"Copy{precedence}"),
        precedence=precedence,
        pool_id=_resolve(node, "pool", pools, "pool").pool_id,
        days=days,
        cycles=node.integer("cycles", 1, 0, 1000),
        data_aging=node.flag("data_aging", True),
        extended=extended,
        worm=node.flag("worm", False),
        selection=node.choice("selection", "all", COPY_SELECTIONS),
        selective_rule=_selective_rule(node, precedence),
    )


def _selective_rule(node: Node, precedence: int) -> int | str | None:
    """Read the selectiveRule a secondary copy serves in place of its selection's."""
    rule = node.get("selective_rule")
    if rule.value is None:
        return None
    if precedence == 1:
        raise rule.fail(
            "is set on a primary copy", "set it on a secondary copy, or remove it"
        )
    if isinstance(rule.value, bool) or not isinstance(rule.value, int | str):
        raise rule.fail(
            f"{rule.value!r} is not a whole number or text",
            "give the code to serve, such as 4, or a text such as weekly",
        )
    return rule.value


def _build_plans(root: Node, pools: dict) -> dict[str, Plan]:
    plans: dict[str, Plan] = {}
    copy_id = COPY_ID_BASE
    allowed = {"name", "cadence", "copies", "full_failure_percent", "rpo_minutes"}
    for index, node in enumerate(root.items("plans", required=True), start=1):
        node.mapping(allowed)
        name = node.text("name")
        if name in plans:
            raise node.get("name").fail(f"{name!r} is used twice", "rename one")
        policy = StoragePolicy(
            policy_id=POLICY_ID_BASE + index, name=name, plan_id=PLAN_ID_BASE + index
        )
        for precedence, item in enumerate(node.items("copies", required=True), start=1):
            copy_id += 1
            copy = _build_copy(item, copy_id, precedence, pools)
            copy.source_copy_id = policy.copies[0].copy_id if policy.copies else 0
            policy.copies.append(copy)
        plans[name] = Plan(
            plan_id=PLAN_ID_BASE + index,
            name=name,
            policy=policy,
            cadence=node.choice("cadence", "weekly_full", CADENCES),
            rpo_minutes=node.integer("rpo_minutes", 1440, 1, 525600),
            full_failure_rate=node.number("full_failure_percent", 0, 0, 100) / 100,
        )
    return plans


def _stable_hash(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")


def _build_clients(root: Node, plans: dict) -> list[Client]:
    clients: list[Client] = []
    names: set[str] = set()
    allowed = {"name", "plan", "cadence", "count", "app", "size_gb", "failure_percent"}
    allowed |= {"full_failure_percent", "start", "data_aging", "has_jobs", "phase"}
    allowed |= {"max_duration_hours"}
    for node in root.items("clients", required=True):
        node.mapping(allowed)
        plan = _resolve(node, "plan", plans, "plan")
        count = node.integer("count", 1, 1, 100000)
        base = node.text("name")
        start = node.text("start", "22:00")
        match = TIME_OF_DAY.match(start)
        if not match:
            raise node.get("start").fail(
                f"{start!r} is not HH:MM", 'write it like "22:00"'
            )
        cadence = node.choice("cadence", plan.cadence, CADENCES)
        for number in range(1, count + 1):
            name = base if count == 1 else f"{base}-{number:03d}"
            if name in names:
                raise node.get("name").fail(
                    f"client {name!r} is defined twice", "rename one"
                )
            names.add(name)
            index = len(clients) + 1
            default_phase = _stable_hash(name)
            if cadence == "monthly_full":
                phase = node.integer("phase", default_phase % 28 + 1, 1, 28)
            else:
                phase = node.integer("phase", default_phase % 7, 0, 6)
            clients.append(
                Client(
                    client_id=CLIENT_ID_BASE + index,
                    name=name,
                    plan_id=plan.plan_id,
                    subclient_id=SUBCLIENT_ID_BASE + index,
                    app_name=node.text("app", "File System"),
                    cadence=cadence if cadence != plan.cadence else "",
                    phase=phase,
                    start_offset=int(match[1]) * 3600 + int(match[2]) * 60,
                    base_size_bytes=int(node.number("size_gb", 100, 0, 1e7) * GIB),
                    failure_rate=node.number("failure_percent", 2, 0, 100) / 100,
                    full_failure_rate=node.number("full_failure_percent", 0, 0, 100)
                    / 100,
                    max_duration=int(
                        node.number("max_duration_hours", 4, 0.1, 23.9) * 3600
                    ),
                    has_jobs=node.flag("has_jobs", True),
                    data_aging_enabled=node.flag("data_aging", True),
                )
            )
    return clients


def _job_start(node: Node, now: int) -> int:
    if node.get("start").value is not None:
        text = node.text("start")
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise node.get("start").fail(
                f"{text!r} is not an ISO 8601 time",
                'write it like "2026-01-31T22:00:00Z"',
            ) from None
        if moment.tzinfo is None:
            raise node.get("start").fail("has no time zone", "end it with Z or +00:00")
        return int(moment.timestamp())

    days_ago = node.integer("days_ago", None, 0, 100000)
    match = TIME_OF_DAY.match(node.text("time", "22:00"))
    if not match:
        raise node.get("time").fail("is not HH:MM", 'write it like "22:00"')
    day = day_of(now) - days_ago
    return day * 86400 + 1577836800 + int(match[1]) * 3600 + int(match[2]) * 60


def _build_explicit_jobs(
    root: Node, clients: list[Client], now: int
) -> list[ExplicitJob]:
    by_name = {client.name: client for client in clients}
    jobs = []
    allowed = {"client", "level", "status", "start", "days_ago", "time", "job_id"}
    allowed |= {"duration_minutes", "size_gb", "media_gb"}
    for node in root.items("explicit", required=True):
        node.mapping(allowed)
        client = _resolve(node, "client", by_name, "client")
        size = int(node.number("size_gb", 100, 0, 1e7) * GIB)
        jobs.append(
            ExplicitJob(
                job_id=node.integer("job_id", 0, 0, 2**53),
                client_id=client.client_id,
                level=node.choice("level", "Full", tuple(BACKUP_LEVEL_CODES)),
                status=node.choice("status", "Completed", JOB_STATUSES),
                start_time=_job_start(node, now),
                duration=int(node.number("duration_minutes", 60, 0, 100000) * 60),
                size_bytes=size,
                media_bytes=int(node.number("media_gb", size / GIB / 10, 0, 1e7) * GIB),
            )
        )
    return _number_jobs(jobs, root)


def _number_jobs(jobs: list[ExplicitJob], root: Node) -> list[ExplicitJob]:
    """Give jobs without job_id ids that grow with start time; check given ones."""
    jobs.sort(key=lambda job: (job.start_time, job.job_id))
    previous = JOB_ID_BASE
    for job in jobs:
        if job.job_id == 0:
            job.job_id = previous + 1
        elif job.job_id <= previous:
            raise root.get("explicit").fail(
                f"job_id {job.job_id} is not greater than the job before it",
                "give ids that grow with start time, or leave job_id out",
            )
        previous = job.job_id
    return jobs


def build_scenario(data: Any, seed: int, now: int) -> Environment:
    """Build an Environment from parsed scenario data, raising ScenarioError."""
    root = Node(data, "").mapping(TOP_LEVEL_KEYS)
    agents = _build_media_agents(root)
    pools = _build_pools(root, agents)
    stores = _build_stores(root, pools, agents, now)
    plans = _build_plans(root, pools)
    clients = _build_clients(root, plans)
    evolution = _build_evolution(root, pools, agents, stores, now)

    generation = None
    explicit = None
    jobs = root.get("jobs")
    if jobs.value is None:
        generation = JobGeneration(history_days=90, seed=seed)
    else:
        jobs.mapping({"generate", "explicit"})
        if (jobs.value.get("generate") is None) == (jobs.value.get("explicit") is None):
            raise jobs.fail("needs exactly one of generate or explicit", "keep one")
        if jobs.value.get("generate") is not None:
            generate = jobs.get("generate").mapping({"history_days"})
            days = generate.integer("history_days", 90, 1, 3650)
            generation = JobGeneration(history_days=days, seed=seed)
        else:
            explicit = _build_explicit_jobs(jobs, clients, now)

    env = Environment(
        name=root.text("name", "cs01"),
        commcell_id=2,
        plans=list(plans.values()),
        policies=[plan.policy for plan in plans.values()],
        pools=list(pools.values()),
        media_agents=list(agents.values()),
        ddb_stores=stores,
        clients=clients,
        generation=generation,
        explicit_jobs=explicit,
        evolution=evolution,
        retention_mismatch_per_mille=root.integer(
            "retention_mismatch_per_mille", 3, 0, 1000
        ),
    )
    if root.value.get("time_zone") is not None:
        env.time_zone = root.text("time_zone")
    return env


def load_scenario(path: Path, seed: int, now: int) -> Environment:
    return build_scenario(read_scenario(path), seed, now)
