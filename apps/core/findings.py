"""Analyzer results (`FindingData`) and the registry the analysis runs through.

Each domain app writes its health rules as plain functions that take a CommCell and
the time of the analysis and return `FindingData` values. It registers them here
from its `AppConfig.ready`. The analysis stores the values as findings: a finding is
identified by its code and subject, so one seen again keeps its first-seen time, and
one no longer reported is marked resolved.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apps.commcell.models import CommCell

# The kinds of object a finding is about.
SUBJECT_TYPES = (
    "commcell",
    "plan",
    "storage_policy",
    "copy",
    "client",
    "job",
    "pool",
    "media_agent",
    "ddb_store",
    "log_file",
)


@dataclass(frozen=True)
class FindingData:
    """One diagnosed problem, before it is stored.

    `code` is stable and dotted by domain, such as "storage.pool_critical".
    `severity` is one of "critical", "high", "medium", "info", "ok".
    `subject_id` is the primary key of the subject's row in this database (None for
    the CommCell itself). `evidence` contains numbers and short strings that JSON can
    carry. `title` says the problem in one plain sentence and `recommendation` the
    action.
    """

    code: str
    severity: str
    subject_type: str
    subject_id: int | None
    subject_name: str
    title: str
    recommendation: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)


Analyzer = Callable[["CommCell", datetime], Iterable[FindingData]]

_ANALYZERS: dict[str, Analyzer] = {}


def register_analyzer(name: str, analyzer: Analyzer) -> None:
    """Add an analyzer under a unique dotted name, such as "storage.pools"."""
    existing = _ANALYZERS.get(name)
    if existing is not None and existing is not analyzer:
        raise ValueError(f"An analyzer named {name!r} is already registered.")
    _ANALYZERS[name] = analyzer


def registered_analyzers() -> dict[str, Analyzer]:
    """Return the registered analyzers by name, in registration order."""
    return dict(_ANALYZERS)
