"""Health rules that turn recent error events of the logs into findings."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q

from apps.commcell.models import CommCell
from apps.core.findings import FindingData
from apps.core.severity import SEVERITY_RANK

from .defaults import DEFAULT_MATCHERS
from .models import LogEvent, LogMatcher

logger = logging.getLogger(__name__)

RECENT_DAYS = 7
MAX_EXAMPLE_CHARS = 300
MAX_NAMES = 10

# Rank of a severity the core does not know: below "ok", the least severe.
UNKNOWN_RANK = len(SEVERITY_RANK)

# Event code: (finding severity, the problem in the title, the recommendation).
KNOWN_ERRORS: dict[str, tuple[str, str, str]] = {
    "storage.permission_denied": (
        "high",
        "cannot read or delete on a mount path: permission denied",
        "Give the MediaAgent's Commvault service account read, write and delete "
        "rights on the mount path folder (and on the share, for a network path), "
        "then check that pruning deletes chunks again.",
    ),
    "storage.mount_path_inaccessible": (
        "high",
        "cannot reach a mount path",
        "Check that the mount path's disk or share is mounted on the MediaAgent and "
        "that the path in the library configuration still exists; volumes on an "
        "unreachable path are neither sized nor pruned.",
    ),
    "mmprune.data_aging_failed": (
        "high",
        "reported a failed data aging job, so no prune requests were sent",
        "Open the data aging job in the job history of the CommCell Console, fix "
        "the reason it failed and run data aging again. Until a data aging job "
        "completes, aged jobs are not pruned and their space is not freed.",
    ),
    "sidbengine.ddb_offline": (
        "critical",
        "has a deduplication database that went offline",
        "Bring the DDB partition online on its MediaAgent (check the DDB disk and "
        "the SIDBEngine log for the cause); backups to the store and its pruning "
        "stop while it is offline.",
    ),
}
# Logs that the CommServe writes; the host that wrote any other log is a MediaAgent.
COMMSERVE_LOG_TYPES = frozenset({"MediaManager", "MediaManagerPrune"})

DEFAULT_RECOMMENDATION = (
    "Read the log lines on the log events page and fix the cause on the MediaAgent "
    "or CommServe that wrote them."
)


@dataclass
class _Group:
    code: str
    subject_type: str
    subject_id: int | None
    subject_name: str
    severity: str = "info"
    count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    media_agent_names: set[str] = field(default_factory=set)
    store_ids: set[int] = field(default_factory=set)
    log_types: set[str] = field(default_factory=set)
    example: str = ""

    def add(self, event: LogEvent) -> None:
        self.count += 1
        if (
            SEVERITY_RANK.get(event.severity, UNKNOWN_RANK)
            < SEVERITY_RANK[self.severity]
        ):
            self.severity = event.severity
        if self.first_seen is None or event.occurred_at < self.first_seen:
            self.first_seen = event.occurred_at
        if self.last_seen is None or event.occurred_at >= self.last_seen:
            self.last_seen = event.occurred_at
            self.example = event.message[:MAX_EXAMPLE_CHARS]
        if event.media_agent_name:
            self.media_agent_names.add(event.media_agent_name)
        if event.store_cv_id is not None:
            self.store_ids.add(event.store_cv_id)
        self.log_types.add(event.log_type)

    @property
    def host_role(self) -> str:
        """CommServe when every event comes from a CommServe log, else MediaAgent."""
        if self.log_types and self.log_types <= COMMSERVE_LOG_TYPES:
            return "CommServe"
        return "MediaAgent"


def recent_error_events(commcell: CommCell, now: datetime):
    """Error and critical events of the CommCell's logs in the RECENT_DAYS before now."""
    return (
        LogEvent.objects.filter(
            commcell=commcell,
            occurred_at__gt=now - timedelta(days=RECENT_DAYS),
            occurred_at__lte=now,
        )
        .filter(Q(category="error") | Q(severity="critical"))
        .select_related("media_agent", "ddb_store")
        .only(
            "code",
            "log_type",
            "severity",
            "occurred_at",
            "message",
            "media_agent_name",
            "store_cv_id",
            "media_agent__name",
            "ddb_store__name",
        )
        .order_by("occurred_at", "pk")
    )


def log_error_findings(commcell: CommCell, now: datetime) -> Iterator[FindingData]:
    """Yield one finding per event code and MediaAgent or DDB store seen recently."""
    descriptions = {spec.code: spec.description for spec in DEFAULT_MATCHERS}
    descriptions.update(LogMatcher.objects.values_list("code", "description"))
    groups: dict[tuple[str, str, int | None], _Group] = {}
    for event in recent_error_events(commcell, now).iterator(chunk_size=2000):
        subject_type, subject_id, subject_name = _subject(event, commcell)
        key = (event.code, subject_type, subject_id)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(
                event.code, subject_type, subject_id, subject_name
            )
        group.add(event)

    logger.debug(
        "CommCell %s: %s log error groups in the last %s days",
        commcell.pk,
        len(groups),
        RECENT_DAYS,
    )
    for group in groups.values():
        yield _finding(group, descriptions.get(group.code, ""))


def _subject(event: LogEvent, commcell: CommCell) -> tuple[str, int | None, str]:
    if event.ddb_store is not None:
        return "ddb_store", event.ddb_store.pk, event.ddb_store.name
    if event.media_agent is not None:
        return "media_agent", event.media_agent.pk, event.media_agent.name
    return "commcell", None, commcell.name


def _finding(group: _Group, description: str = "") -> FindingData:
    severity, problem, recommendation = KNOWN_ERRORS.get(
        group.code, (_error_severity(group.severity), "", DEFAULT_RECOMMENDATION)
    )
    names = sorted(group.media_agent_names)
    subject_text = _subject_text(group, names)
    problem_text = problem or _problem_from_description(group.code, description)
    title = f"{subject_text} {problem_text} ({_when(group)})"
    return FindingData(
        code=f"logs.{group.code}",
        severity=severity,
        subject_type=group.subject_type,
        subject_id=group.subject_id,
        subject_name=group.subject_name,
        title=title,
        recommendation=recommendation,
        evidence={
            "event_code": group.code,
            "events": group.count,
            "first_seen": group.first_seen.isoformat(),
            "last_seen": group.last_seen.isoformat(),
            "media_agent_names": names[:MAX_NAMES],
            "store_ids": sorted(group.store_ids)[:MAX_NAMES],
            "example": group.example,
            "days": RECENT_DAYS,
        },
    )


def _problem_from_description(code: str, description: str) -> str:
    """Word an error without a KNOWN_ERRORS entry from its matcher's description."""
    text = description.strip().rstrip(".")
    if not text:
        return f'logged errors that the log matcher "{code}" finds'
    return f"logged an error: {text[0].lower()}{text[1:]}"


def _when(group: _Group) -> str:
    first = f"{group.first_seen:%Y-%m-%d %H:%M}"
    last = f"{group.last_seen:%Y-%m-%d %H:%M}"
    if group.count == 1:
        return f"once at {last} UTC"
    if first == last:
        return f"{group.count} times at {last} UTC"
    return f"{group.count} times from {first} to {last} UTC"


def _subject_text(group: _Group, names: list[str]) -> str:
    role = group.host_role
    if group.subject_type == "ddb_store":
        on = f" on {role} {names[0]}" if len(names) == 1 else ""
        return f"DDB store {group.subject_name}{on}"
    if group.subject_type == "media_agent":
        return f"{role} {group.subject_name}"
    if names:
        listed = ", ".join(names[:MAX_NAMES])
        label = role if len(names) == 1 else f"{role}s"
        return f"{label} {listed}"
    return f"CommCell {group.subject_name}"


def _error_severity(event_severity: str) -> str:
    """Return the event's severity, raised to medium: a logged error is never less."""
    if SEVERITY_RANK.get(event_severity, UNKNOWN_RANK) > SEVERITY_RANK["medium"]:
        return "medium"
    return event_severity
