"""`GET /V4/Plan/BackupDestination/{copyId}/Jobs`: the jobs on one storage policy copy.

A copy lists the finished backup jobs of its storage policy's clients that wrote data
(status Completed, with errors or with warnings). The primary copy lists every such
job. A secondary copy lists the jobs its selection takes: `all`, or `fulls` for fulls
and synthetic fulls only. Each row carries the simulator's own retain-until date, computed
with a simple rule that follows docs/retention-rules.md for the common cases:

- days -1, or data aging disabled on the copy or the client: kept forever (-1);
- cycles 0: the job's start plus the days;
- otherwise the job's cycle (its full and the jobs up to the next qualifying full)
  ages at max(start of the C-th newer full, start of the cycle's last job + D days).
  While that full does not exist yet, retainUntil is 0 (no date);
- extended rules keep the last full of each period until its start plus the end days;
- a few jobs on primary copies carry manual ("User") retention, one of them infinite;
- `retention_mismatch_per_mille` of the jobs report a date 5 days later than the rule.

A job is aged after the first data aging run (12:00 UTC daily, failed runs skipped)
at or after its date. A secondary copy copies a job at the first auxiliary copy run
(06:00 UTC daily) after the job ended; until then its copiedTime is 0.

The list of a copy is computed as of the start of the current minute and kept for that
minute, so pages read within one minute see the same list.
"""

from __future__ import annotations

import bisect
import datetime as dt
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from commserve_sim.jobs import (
    DATA_AGING_DURATION,
    DATA_AGING_OFFSET,
    DAY_ZERO_ORDINAL,
    JobRenderer,
    day_of,
    day_start,
    mix,
)
from commserve_sim.model import (
    SECONDS_PER_DAY,
    Client,
    Copy,
    Environment,
    ExtendedRule,
    StoragePolicy,
)

AUX_COPY_OFFSET = 6 * 3600
VIEWS = {
    "last24hours": SECONDS_PER_DAY,
    "lastweek": 7 * SECONDS_PER_DAY,
    "lastmonth": 30 * SECONDS_PER_DAY,
    "last3months": 90 * SECONDS_PER_DAY,
}
AGED_DATA = (0, 1, 2)  # 0 = leave aged jobs out, 1 = aged jobs only, 2 = both
COPY_STATES = (0, 1, 4, 8, 16)
DATA_STATUSES = frozenset(
    {
        "Completed",
        "Completed w/ one or more errors",
        "Completed w/ one or more warnings",
    }
)
FULL_LEVELS = frozenset({"Full", "Synthetic Full"})
RETAINED_BY_TEXT = {
    0: "No Data Available",
    1: "Basic Retention",
    2: "Extended Retention",
    4: "User",
}
# statusId per status; the numbers other than 1 (Completed) are not verified.
STATUS_IDS = {
    "Completed": 1,
    "Completed w/ one or more errors": 2,
    "Completed w/ one or more warnings": 3,
}
INFINITE = -1
MISMATCH_SECONDS = 5 * SECONDS_PER_DAY
MANUAL_RETENTION_DAYS = 400

SALT_MANUAL = 0xC01
SALT_MISMATCH = 0xC02
CACHE_ENTRIES = 8


class CopyJobQueryError(ValueError):
    """A query parameter of the jobs-on-copy request is invalid."""


@dataclass(frozen=True)
class CopyJobQuery:
    start: int  # jobs that started within [start, end]
    end: int
    aged_data: int
    copy_state: int


def _integer(params: dict[str, str], name: str, default: int | None) -> int | None:
    raw = params.get(name, "")
    if raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise CopyJobQueryError(
            f"{name}={raw!r} is invalid: give a whole number."
        ) from None


def parse_copy_job_query(params: dict[str, str], now: int) -> CopyJobQuery:
    """Build a CopyJobQuery from the request's query parameters."""
    view = params.get("view", "last24Hours")
    if view.lower() == "custom":
        start = _integer(params, "startTime", None)
        end = _integer(params, "endTime", now)
        if start is None:
            raise CopyJobQueryError(
                "view=custom needs startTime: give the start as Unix seconds."
            )
    elif view.lower() in VIEWS:
        start, end = now - VIEWS[view.lower()], now
    else:
        raise CopyJobQueryError(
            f"view={view!r} is invalid: use last24Hours, lastWeek, lastMonth, "
            "last3Months or custom."
        )
    assert end is not None

    aged = _integer(params, "agedData", 0)
    if aged not in AGED_DATA:
        raise CopyJobQueryError(
            f"agedData={aged} is invalid: use 0 (unaged), 1 (aged only) or 2 (both)."
        )
    state = _integer(params, "copyState", 0)
    if state not in COPY_STATES:
        raise CopyJobQueryError(f"copyState={state} is invalid: use 0, 1, 4, 8 or 16.")
    return CopyJobQuery(start, min(end, now), aged, state)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Fact:
    """One job of a client as the copy list needs it."""

    job_id: int
    client: Client
    level: str
    status: str
    start: int
    duration: int
    app: int
    media: int

    @property
    def end(self) -> int:
        return self.start + self.duration

    @property
    def is_full(self) -> bool:
        return self.level in FULL_LEVELS


@dataclass(frozen=True)
class Retention:
    retain_until: int  # Unix time, -1 infinite, 0 no date yet
    retained_by: int
    reason: str
    extended: bool


def _period(rule: str, moment: int) -> tuple[int, ...]:
    """Return the period of an extended rule that a full starting at `moment` is in."""
    day = day_of(moment)
    date = dt.date.fromordinal(DAY_ZERO_ORDINAL + day)
    if rule == "all_fulls":
        return (moment,)
    if rule == "hourly_fulls":
        return (moment // 3600,)
    if rule == "daily_fulls":
        return (day,)
    if rule == "weekly_fulls":
        iso = date.isocalendar()
        return (iso[0], iso[1])
    if rule == "monthly_fulls":
        return (date.year, date.month)
    if rule == "quarterly_fulls":
        return (date.year, (date.month - 1) // 3)
    if rule == "half_yearly_fulls":
        return (date.year, (date.month - 1) // 6)
    return (date.year,)


class CopyJobs:
    """Jobs on copies of one environment, computed on demand from the job history."""

    def __init__(
        self,
        env: Environment,
        renderer: JobRenderer,
        jobs: Any,  # commserve_sim.joblist.ArithmeticJobs or ExplicitJobs
        seed: int,
    ) -> None:
        self.env = env
        self.renderer = renderer
        self.jobs = jobs
        self.seed = seed
        self.timeline = renderer.timeline
        self.clients_of: dict[int, list[Client]] = {}
        for client in env.clients:
            if client.has_jobs:
                policy_id = env.plan_of(client).policy.policy_id
                self.clients_of.setdefault(policy_id, []).append(client)
        self.rank_of: dict[int, int] = {}
        self.explicit: dict[int, list[Fact]] = {}
        if hasattr(jobs, "slot_clients"):
            for rank, client in enumerate(jobs.slot_clients):
                if client is not None:
                    self.rank_of[client.client_id] = rank
        else:
            for job in jobs.jobs:
                client = env.client_by_id[job.client_id]
                self.explicit.setdefault(client.client_id, []).append(
                    Fact(
                        job.job_id,
                        client,
                        job.level,
                        job.status,
                        job.start_time,
                        job.duration,
                        job.size_bytes,
                        job.media_bytes,
                    )
                )
        self._fulls: dict[tuple[int, int], list[int]] = {}
        # The jobs of the last policy listed, which its other copies list again.
        self._policy_facts: tuple[tuple[int, int], list[list[Fact]]] | None = None
        self._aging_day: dict[int, int] = {}
        self._lists: OrderedDict[tuple, array] = OrderedDict()
        self.manual_infinite_job = self._pick_infinite_job()

    # Job facts -------------------------------------------------------------------

    def _history_days(self, now: int) -> range:
        first = getattr(self.jobs, "history_start_day", day_of(now))
        return range(first, day_of(now) + 1)

    def facts(self, client: Client, now: int) -> list[Fact]:
        """Return every job of the client that started by `now`, in start order."""
        if not self.rank_of:
            jobs = self.explicit.get(client.client_id, [])
            return [fact for fact in jobs if fact.start <= now]
        rank = self.rank_of[client.client_id]
        result = []
        for day in self._history_days(now):
            fact = self._arithmetic_fact(client, rank, day)
            if fact.start <= now:
                result.append(fact)
        return result

    def fact_at(self, client: Client, job_index: int) -> Fact:
        """Return the job at an index of `facts(client, now)`, without the others."""
        if not self.rank_of:
            return self.explicit[client.client_id][job_index]
        day = self.jobs.history_start_day + job_index
        return self._arithmetic_fact(client, self.rank_of[client.client_id], day)

    def facts_after(self, fact: Fact, now: int) -> list[Fact]:
        """Return the client's jobs that started after `fact` and by `now`."""
        client = fact.client
        if not self.rank_of:
            jobs = self.explicit.get(client.client_id, [])
            return [other for other in jobs if fact.start < other.start <= now]
        rank = self.rank_of[client.client_id]
        later = []
        for day in range(day_of(fact.start) + 1, day_of(now) + 1):
            other = self._arithmetic_fact(client, rank, day)
            if other.start > now:
                break
            later.append(other)
        return later

    def _arithmetic_fact(self, client: Client, rank: int, day: int) -> Fact:
        level, status, start, duration, app, media = self.renderer.backup_facts(
            client, day
        )
        job_id = self.jobs.job_id(day, rank)
        return Fact(job_id, client, level, status, start, duration, app, media)

    def full_starts(
        self, client: Client, now: int, facts: list[Fact] | None = None
    ) -> list[int]:
        """Return start times of the client's qualifying fulls that ended by `now`.

        `facts` is `facts(client, now)` when the caller has it already.
        """
        key = (client.client_id, now)
        cached = self._fulls.get(key)
        if cached is not None:
            return cached
        if len(self._fulls) > 50_000:
            self._fulls.clear()
        starts = [
            fact.start
            for fact in (facts if facts is not None else self.facts(client, now))
            if fact.is_full and fact.status in DATA_STATUSES and fact.end <= now
        ]
        self._fulls[key] = starts
        return starts

    def _pick_infinite_job(self) -> int:
        """Return the job id that carries infinite manual retention, or 0.

        It is the newest job that wrote data of the first client with jobs, from 30
        days before the origin day back.
        """
        origin = self.env.evolution.origin if self.env.evolution else 0
        if not origin or not self.rank_of:
            return 0
        client = min(
            (c for c in self.env.clients if c.has_jobs),
            key=lambda c: c.client_id,
            default=None,
        )
        if client is None:
            return 0
        rank = self.rank_of[client.client_id]
        first_day = getattr(self.jobs, "history_start_day", 0)
        for day in range(day_of(origin) - 30, first_day - 1, -1):
            if self._arithmetic_fact(client, rank, day).status in DATA_STATUSES:
                return self.jobs.job_id(day, rank)
        return 0

    # Retention -------------------------------------------------------------------

    def retention(
        self, policy: StoragePolicy, copy: Copy, fact: Fact, now: int
    ) -> Retention:
        """Return the retain-until date the simulated CommServe reports for a job."""
        client = fact.client
        if not copy.data_aging:
            return Retention(INFINITE, 1, "Data aging is disabled on the copy", False)
        if not client.data_aging_enabled:
            return Retention(INFINITE, 1, "Data aging is disabled on the client", False)

        basic = self._basic(copy, fact, now)
        result = basic
        if fact.is_full and fact.status in DATA_STATUSES:
            extended = self._extended(copy, fact, now)
            if extended is not None and _later(
                extended.retain_until, basic.retain_until
            ):
                result = extended

        if copy.precedence == 1:
            manual = self._manual(fact)
            if manual is not None and _later(manual.retain_until, result.retain_until):
                result = manual

        if (
            result.retained_by == 1
            and result.retain_until > 0
            and self._mismatched(fact)
        ):
            result = Retention(
                result.retain_until + MISMATCH_SECONDS, 1, result.reason, False
            )
        return result

    def _basic(self, copy: Copy, fact: Fact, now: int) -> Retention:
        days = copy.days
        if days == -1:
            return Retention(INFINITE, 1, "Infinite retention", False)
        if copy.cycles == 0:
            return Retention(
                fact.start + days * SECONDS_PER_DAY,
                1,
                f"Basic retention: {days} days",
                False,
            )

        fulls = self.full_starts(fact.client, now)
        index = bisect.bisect_right(fulls, fact.start) - 1
        target = index + copy.cycles
        if target >= len(fulls):
            newer = len(fulls) - 1 - index
            return Retention(
                0,
                1,
                f"Basic retention: {newer} of {copy.cycles} newer cycles so far",
                False,
            )

        if copy.precedence > 1 and copy.selection == "fulls":
            last_start = fact.start
        else:
            next_full = fulls[index + 1]
            # Daily jobs: the cycle's last job is the one the day before its next full.
            last_start = next_full - SECONDS_PER_DAY
        until = max(fulls[target], last_start + days * SECONDS_PER_DAY)
        cycles = "1 cycle" if copy.cycles == 1 else f"{copy.cycles} cycles"
        return Retention(until, 1, f"Basic retention: {days} days, {cycles}", False)

    def _extended(self, copy: Copy, fact: Fact, now: int) -> Retention | None:
        fulls = self.full_starts(fact.client, now)
        position = bisect.bisect_left(fulls, fact.start)
        if position >= len(fulls) or fulls[position] != fact.start:
            return None
        best: Retention | None = None
        for rule in copy.extended:
            if not self._selected(rule, fulls, position):
                continue
            if rule.end_days == -1:
                until = INFINITE
            else:
                until = fact.start + rule.end_days * SECONDS_PER_DAY
            candidate = Retention(
                until, 2, f"Extended retention: {rule.rule}, {rule.end_days} days", True
            )
            if best is None or _later(candidate.retain_until, best.retain_until):
                best = candidate
        return best

    def _selected(self, rule: ExtendedRule, fulls: list[int], position: int) -> bool:
        """True when the full is the last qualifying full of its period so far."""
        if position + 1 >= len(fulls):
            return True
        period = _period(rule.rule, fulls[position])
        return _period(rule.rule, fulls[position + 1]) != period

    def _manual(self, fact: Fact) -> Retention | None:
        if fact.job_id == self.manual_infinite_job:
            return Retention(INFINITE, 4, "Manual retention: infinite", False)
        if mix(self.seed, SALT_MANUAL, fact.job_id) % 400 != 0:
            return None
        until = fact.start + MANUAL_RETENTION_DAYS * SECONDS_PER_DAY
        return Retention(until, 4, "Manual retention", False)

    def _mismatched(self, fact: Fact) -> bool:
        per_mille = self.env.retention_mismatch_per_mille
        return mix(self.seed, SALT_MISMATCH, fact.job_id) % 1000 < per_mille

    def is_aged(self, retain_until: int, now: int) -> bool:
        """True when a data aging run that did not fail ran at or after the date."""
        if retain_until <= 0:
            return False
        day = day_of(retain_until)
        if day_start(day) + DATA_AGING_OFFSET < retain_until:
            day += 1
        return (
            day_start(self._aging_run(day)) + DATA_AGING_OFFSET + (DATA_AGING_DURATION)
            <= now
        )

    def _aging_run(self, day: int) -> int:
        """Return the first day from `day` on whose data aging run did not fail."""
        cached = self._aging_day.get(day)
        if cached is not None:
            return cached
        run = day
        while self.timeline is not None and (
            self.timeline.data_aging(run).status == "Failed"
        ):
            run += 1
        self._aging_day[day] = run
        return run

    @staticmethod
    def copied_time(copy: Copy, fact: Fact, now: int) -> int:
        """Return when the copy got the job, or 0 while it waits to be copied."""
        if copy.precedence == 1:
            return fact.end
        day = day_of(fact.end)
        copied = day_start(day) + AUX_COPY_OFFSET
        if copied <= fact.end:
            copied += SECONDS_PER_DAY
        return copied if copied <= now else 0

    # Listing ---------------------------------------------------------------------

    def _on_copy(self, copy: Copy, fact: Fact, query: CopyJobQuery, now: int) -> bool:
        if fact.status not in DATA_STATUSES or fact.end > now:
            return False
        if not query.start <= fact.start <= query.end:
            return False
        return copy.precedence == 1 or copy.selection != "fulls" or fact.is_full

    def _matches(
        self,
        policy: StoragePolicy,
        copy: Copy,
        fact: Fact,
        query: CopyJobQuery,
        now: int,
    ) -> bool:
        retention = self.retention(policy, copy, fact, now)
        aged = self.is_aged(retention.retain_until, now)
        if (query.aged_data == 0 and aged) or (query.aged_data == 1 and not aged):
            return False
        state = query.copy_state
        if state == 1:
            return self.copied_time(copy, fact, now) != 0 and not aged
        if state == 4:
            return self.copied_time(copy, fact, now) == 0
        if state == 8:
            # Jobs marked "do not copy": the simulator marks none.
            return False
        if state == 16:
            return retention.extended
        return True

    def listing(
        self, policy: StoragePolicy, copy: Copy, query: CopyJobQuery, now: int
    ) -> array:
        """Return packed (client index, job index) keys of the copy's jobs, by job id."""
        key = (copy.copy_id, query, now)
        cached = self._lists.get(key)
        if cached is not None:
            self._lists.move_to_end(key)
            return cached

        clients = self.clients_of.get(policy.policy_id, [])
        selected: list[tuple[int, int]] = []
        for client_index, facts in enumerate(self._facts_of_policy(policy, now)):
            self.full_starts(clients[client_index], now, facts)
            for job_index, fact in enumerate(facts):
                if not self._on_copy(copy, fact, query, now):
                    continue
                if self._matches(policy, copy, fact, query, now):
                    selected.append((fact.job_id, client_index * 100_000 + job_index))
        selected.sort()
        packed = array("q", (packed_key for _, packed_key in selected))

        self._lists[key] = packed
        if len(self._lists) > CACHE_ENTRIES:
            self._lists.popitem(last=False)
        return packed

    def _facts_of_policy(self, policy: StoragePolicy, now: int) -> list[list[Fact]]:
        """Return `facts(client, now)` of each client of the policy, kept for reuse."""
        key = (policy.policy_id, now)
        if self._policy_facts is not None and self._policy_facts[0] == key:
            return self._policy_facts[1]
        self._policy_facts = None
        clients = self.clients_of.get(policy.policy_id, [])
        facts = [self.facts(client, now) for client in clients]
        self._policy_facts = (key, facts)
        return facts

    def page(
        self,
        policy: StoragePolicy,
        copy: Copy,
        query: CopyJobQuery,
        now: int,
        offset: int,
        limit: int,
    ) -> tuple[int, list[dict[str, Any]]]:
        """Return the total and the rows of one page of the copy's job list."""
        packed = self.listing(policy, copy, query, now)
        clients = self.clients_of.get(policy.policy_id, [])
        rows = []
        for packed_key in packed[offset : offset + limit]:
            client_index, job_index = divmod(packed_key, 100_000)
            fact = self.fact_at(clients[client_index], job_index)
            rows.append(self.render(policy, copy, fact, now))
        return len(packed), rows

    def render(
        self, policy: StoragePolicy, copy: Copy, fact: Fact, now: int
    ) -> dict[str, Any]:
        retention = self.retention(policy, copy, fact, now)
        aged = self.is_aged(retention.retain_until, now)
        static = self.renderer.client_static(fact.client)
        subclient = static["subclient"]
        savings = round(100.0 * (1.0 - fact.media / fact.app), 2) if fact.app else 0.0
        throughput = fact.app / 1024**3 / max(fact.duration, 1) * 3600
        return {
            "jobId": fact.job_id,
            "status": fact.status,
            "statusId": STATUS_IDS.get(fact.status, 0),
            "jobType": fact.level,
            "startTime": fact.start,
            "endTime": fact.end,
            "duration": fact.duration,
            "sizeOfApplication": fact.app,
            "dataWritten": fact.media,
            "savingPercentage": savings,
            "avgThroughput": round(throughput, 2),
            "retainUntil": retention.retain_until,
            "retentionReason": retention.reason,
            "retainedBy": retention.retained_by,
            "strRetainedBy": RETAINED_BY_TEXT[retention.retained_by],
            "isAged": aged,
            "isSoftAged": False,
            "copiedTime": self.copied_time(copy, fact, now),
            "requiredByJobs": self._required_by(fact, now),
            "server": {"id": fact.client.client_id, "name": fact.client.name},
            "subClient": {
                "id": subclient["subclientId"],
                "name": subclient["subclientName"],
            },
            "instance": {"id": subclient["instanceId"], "name": "DefaultInstanceName"},
            "backupSet": {"id": subclient["backupsetId"], "name": "defaultBackupSet"},
            "agentType": {
                "id": subclient["applicationId"],
                "name": subclient["appName"],
            },
            "deduplicated": self.env.pool_by_id[copy.pool_id].dedup,
            "encrypted": False,
            "hardwareEncrypted": False,
            "dataVerificationStatus": 0,
            "strDataVerificationStatus": "Not Picked",
            "parentJobId": 0,
            "username": "admin",
            "description": "",
            "region": {"id": 0, "name": ""},
            "jobAttributesEx": 0,
        }

    def _required_by(self, fact: Fact, now: int) -> str:
        """Return the ids of the later jobs of a full's cycle, separated by commas."""
        if not fact.is_full or fact.status not in DATA_STATUSES:
            return ""
        later = []
        for other in self.facts_after(fact, now):
            if other.is_full and other.status in DATA_STATUSES:
                break
            if other.status in DATA_STATUSES and other.end <= now:
                later.append(str(other.job_id))
        return ",".join(later)


def _later(candidate: int, current: int) -> bool:
    """True when retain-until `candidate` keeps a job longer than `current`."""
    if current == INFINITE:
        return False
    if candidate == INFINITE:
        return True
    if current == 0:
        # No date yet: only an infinite date is later.
        return False
    return candidate > current
