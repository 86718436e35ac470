"""Attributes of one simulated backup job, computed from (client, day) without state.

Every value comes from a 64-bit hash of (seed, client id, day), so the same seed gives
the same job whenever it is asked for, and no job is ever stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from commserve_sim.model import (
    DAY_ZERO_EPOCH,
    SECONDS_PER_DAY,
    Client,
    Environment,
    ExplicitJob,
)

MASK64 = (1 << 64) - 1
DAY_ZERO_ORDINAL = dt.date(2020, 1, 1).toordinal()

# Jobs of ordinary clients finish within this many seconds; clients with a larger
# `max_duration` are checked one by one when looking for running jobs.
NORMAL_MAX_DURATION = 4 * 3600

# Data aging runs daily at 12:00 (Commvault's default schedule), as the CommServe client.
DATA_AGING_OFFSET = 12 * 3600
DATA_AGING_DURATION = 600

BACKUP_LEVEL_CODES = {
    "Full": 1,
    "Incremental": 2,
    "Differential": 4,
    "Synthetic Full": 64,
}

STATUS_COLORS = {
    "Completed": "black",
    "Completed w/ one or more errors": "black",
    "Completed w/ one or more warnings": "black",
    "Failed": "red",
    "Killed": "red",
    "Running": "green",
}

KIND_BACKUP = "Backup"
KIND_SYNTHETIC_FULL = "Synthetic Full"
KIND_DATA_AGING = "Data Aging"


def mix(a: int, b: int, c: int) -> int:
    """Hash three integers to 64 well-mixed bits (a splitmix64 finalizer)."""
    x = (
        a * 0x9E3779B97F4A7C15 + b * 0xBF58476D1CE4E5B9 + c * 0x94D049BB133111EB
    ) & MASK64
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & MASK64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def day_start(day: int) -> int:
    return DAY_ZERO_EPOCH + day * SECONDS_PER_DAY


def day_of(timestamp: int) -> int:
    return (timestamp - DAY_ZERO_EPOCH) // SECONDS_PER_DAY


def backup_level(cadence: str, phase: int, day: int) -> str:
    """Return the level of a client's daily job on an absolute day number."""
    if cadence == "incremental_forever":
        return "Incremental"

    if cadence == "monthly_full":
        day_of_month = dt.date.fromordinal(DAY_ZERO_ORDINAL + day).day
        return "Full" if day_of_month == phase else "Incremental"

    weekday_phase = day % 7
    if cadence == "weekly_synthetic_full":
        return "Synthetic Full" if weekday_phase == phase else "Incremental"
    if weekday_phase == phase:
        return "Full"
    if cadence == "weekly_full_differential" and (day - phase) % 7 == 3:
        return "Differential"
    return "Incremental"


def job_status(client: Client, level: str, full_failure_rate: float, h: int) -> str:
    """Return the final status of a job from its hash."""
    u = (h & 0xFFFF) / 65536.0
    is_full = level in ("Full", "Synthetic Full")
    if is_full and full_failure_rate > 0:
        v = ((h >> 48) & 0xFFFF) / 65536.0
        if v < full_failure_rate:
            return "Failed"

    rate = client.failure_rate
    if u < rate * 0.75:
        return "Failed"
    if u < rate:
        return "Killed"
    if u < rate + 0.02:
        return "Completed w/ one or more errors"
    if u < rate + 0.04:
        return "Completed w/ one or more warnings"
    return "Completed"


def job_duration(client: Client, level: str, h: int) -> int:
    """Return the run time in seconds; it never exceeds the client's max_duration."""
    spread = (h >> 16) & 0xFFFFFF
    if client.max_duration > NORMAL_MAX_DURATION:
        return client.max_duration - spread % 3600

    if level == "Full":
        low = 1800
    elif level == "Synthetic Full":
        low = 1200
    elif level == "Differential":
        low = 600
    else:
        low = 120
    high = client.max_duration if level != "Incremental" else client.max_duration // 4
    return low + spread % max(1, high - low)


def job_sizes(client: Client, level: str, status: str, h: int) -> tuple[int, int]:
    """Return (sizeOfApplication, sizeOfMediaOnDisk) in bytes."""
    if status in ("Failed", "Killed"):
        return 0, 0

    jitter = 0.9 + ((h >> 40) & 0xFF) / 1275.0
    base = client.base_size_bytes
    if level in ("Full", "Synthetic Full"):
        app = int(base * jitter)
    elif level == "Differential":
        app = int(base * client.change_rate * 3 * jitter)
    else:
        app = int(base * client.change_rate * jitter)

    savings = 0.80 + ((h >> 32) & 0xFF) / 1700.0
    if level == "Synthetic Full":
        savings = 0.99
    return app, int(app * (1.0 - savings))


class JobRenderer:
    """Build `jobSummary` objects for one environment, reusing per-client parts."""

    def __init__(self, env: Environment, seed: int, timeline: Any = None) -> None:
        self.env = env
        self.seed = seed
        # A commserve_sim.evolution.Timeline: the outcome of each data aging run.
        self.timeline = timeline
        self._static: dict[int, dict[str, Any]] = {}
        commserve = {"clientName": env.name, "clientId": env.commserve_client_id}
        self._aging_subclient = commserve

    def client_static(self, client: Client) -> dict[str, Any]:
        cached = self._static.get(client.client_id)
        if cached is not None:
            return cached

        plan = self.env.plan_of(client)
        subclient = {
            "clientName": client.name,
            "clientId": client.client_id,
            "instanceName": "DefaultInstanceName",
            "instanceId": 1,
            "backupsetName": "defaultBackupSet",
            "backupsetId": client.subclient_id,
            "appName": client.app_name,
            "applicationId": 33,
            "subclientName": "default",
            "subclientId": client.subclient_id,
        }
        cached = {
            "subclient": subclient,
            "destinationClient": {"clientName": client.name},
            "storagePolicy": {"storagePolicyName": plan.policy.name},
            "full_failure_rate": max(plan.full_failure_rate, client.full_failure_rate),
            "cadence": self.env.cadence_of(client),
        }
        self._static[client.client_id] = cached
        return cached

    def backup_facts(
        self, client: Client, day: int
    ) -> tuple[str, str, int, int, int, int]:
        """Return (level, status, start, duration, sizeOfApplication, sizeOfMediaOnDisk)."""
        static = self.client_static(client)
        h = mix(self.seed, client.client_id, day)
        level = backup_level(static["cadence"], client.phase, day)
        status = job_status(client, level, static["full_failure_rate"], h)
        duration = job_duration(client, level, h)
        if status in ("Failed", "Killed"):
            duration = max(60, duration // 3)
        app, media = job_sizes(client, level, status, h)
        start = day_start(day) + client.start_offset
        return level, status, start, duration, app, media

    def backup_summary(
        self, job_id: int, client: Client, day: int, now: int
    ) -> dict[str, Any]:
        level, status, start, duration, app, media = self.backup_facts(client, day)
        job_type = KIND_SYNTHETIC_FULL if level == "Synthetic Full" else KIND_BACKUP
        return self._summary(
            job_id,
            job_type,
            level,
            status,
            start,
            duration,
            app,
            media,
            self.client_static(client),
            now,
        )

    def explicit_summary(self, job: ExplicitJob, now: int) -> dict[str, Any]:
        client = self.env.client_by_id[job.client_id]
        static = self.client_static(client)
        job_type = KIND_SYNTHETIC_FULL if job.level == "Synthetic Full" else KIND_BACKUP
        return self._summary(
            job.job_id,
            job_type,
            job.level,
            job.status,
            job.start_time,
            job.duration,
            job.size_bytes,
            job.media_bytes,
            static,
            now,
        )

    def _summary(
        self,
        job_id: int,
        job_type: str,
        level: str,
        status: str,
        start: int,
        duration: int,
        app: int,
        media: int,
        static: dict[str, Any],
        now: int,
    ) -> dict[str, Any]:
        end = start + duration
        percent = 100
        if end > now:
            # Still running: sizes and progress so far.
            elapsed = max(0, now - start)
            percent = min(99, elapsed * 100 // max(1, duration))
            app = app * percent // 100
            media = media * percent // 100
            status, end, duration = "Running", 0, elapsed

        subclient = static["subclient"]
        savings = round(100.0 * (1.0 - media / app), 2) if app else 0.0
        return {
            "jobId": job_id,
            "jobType": job_type,
            "localizedOperationName": job_type,
            "status": status,
            "localizedStatus": status,
            "statusColor": STATUS_COLORS.get(status, "black"),
            "backupLevel": BACKUP_LEVEL_CODES[level],
            "backupLevelName": level,
            "localizedBackupLevelName": level,
            "appTypeName": subclient["appName"],
            "backupSetName": "defaultBackupSet",
            "subclientName": "default",
            "destClientName": subclient["clientName"],
            "percentComplete": percent,
            "percentSavings": savings,
            "isVisible": True,
            "isAged": False,
            "jobStartTime": start,
            "jobEndTime": end,
            "jobElapsedTime": duration,
            "lastUpdateTime": end or now,
            "sizeOfApplication": app,
            "sizeOfMediaOnDisk": media,
            "totalNumOfFiles": app // 180000,
            "totalFailedFiles": 3 if status.startswith("Completed w/") else 0,
            "totalFailedFolders": 0,
            "jobSubmitErrorCode": 0,
            "currentPhaseName": "Backup" if status == "Running" else "",
            "pendingReason": "",
            "subclient": subclient,
            "destinationClient": static["destinationClient"],
            "storagePolicy": static["storagePolicy"],
            "userName": {"userName": "admin", "userId": 1},
        }

    def data_aging_summary(self, job_id: int, day: int, now: int) -> dict[str, Any]:
        start = day_start(day) + DATA_AGING_OFFSET
        end = start + DATA_AGING_DURATION
        status, aged = "Completed", 0
        if self.timeline is not None:
            outcome = self.timeline.data_aging(day)
            status, aged = outcome.status, outcome.aged_jobs
        percent, elapsed = 100, DATA_AGING_DURATION
        if end > now:
            status, percent, elapsed, end = "Running", 50, max(0, now - start), 0
        if status == "Running":
            aged = aged * percent // 100
        return {
            "jobId": job_id,
            "jobType": KIND_DATA_AGING,
            "localizedOperationName": KIND_DATA_AGING,
            "status": status,
            "localizedStatus": status,
            "statusColor": STATUS_COLORS.get(status, "black"),
            "percentComplete": percent,
            "isVisible": True,
            "isAged": False,
            "jobStartTime": start,
            "jobEndTime": end,
            "jobElapsedTime": elapsed,
            "lastUpdateTime": end or now,
            "sizeOfApplication": 0,
            "sizeOfMediaOnDisk": 0,
            # The number of jobs this run aged. Which jobSummary field a CommServe uses
            # for it is not verified: see README.md, "Data aging jobs".
            "totalNumOfFiles": aged,
            "jobSubmitErrorCode": 0,
            "subclient": self._aging_subclient,
        }
