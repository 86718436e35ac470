"""Match log records against matcher rules and turn matches into event data.

Plain Python: the rules come in as MatcherSpec values, from the database or from
`defaults.py`, so the parser and its benchmark run without Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .logformat import LogRecord

# Where a matcher reads the DDB store id and the job id.
STORE_FROM_TOKEN = "engine_token"
STORE_FROM_GROUP = "group"
FROM_NONE = "none"
JOB_FROM_PREFIX = "prefix"
JOB_FROM_GROUP = "group"

# Regex group names with a fixed meaning; every other named group that captured
# digits becomes a count.
STORE_GROUP = "store_id"
JOB_GROUP = "job_id"

KIND_REGEX = "regex"
KIND_LITERAL = "literal"

# Log type of matchers that apply to every log, known or not.
ANY_LOG_TYPE = ""


@dataclass(frozen=True)
class MatcherSpec:
    """A matcher rule as plain data."""

    code: str
    log_type: str
    kind: str
    pattern: str
    category: str
    severity: str
    store_id_from: str = FROM_NONE
    job_id_from: str = JOB_FROM_PREFIX
    priority: int = 100
    description: str = ""


@dataclass
class EventData:
    """What one matched record contributes to a LogEvent."""

    code: str
    category: str
    severity: str
    store_cv_id: int | None
    job_id: int | None
    counts: dict[str, int] = field(default_factory=dict)


class InvalidPatternError(ValueError):
    """A matcher pattern does not compile."""


def compile_pattern(kind: str, pattern: str) -> re.Pattern[str]:
    """Compile a matcher pattern, or raise InvalidPatternError naming it."""
    if kind == KIND_LITERAL:
        return re.compile(re.escape(pattern))
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise InvalidPatternError(
            f"The regular expression {pattern!r} is invalid: {exc}. Fix the pattern, "
            "or set the kind to literal to match the text as written."
        ) from exc


class CompiledMatcher:
    def __init__(self, spec: MatcherSpec) -> None:
        self.spec = spec
        self.regex = compile_pattern(spec.kind, spec.pattern)
        self.literal = spec.pattern if spec.kind == KIND_LITERAL else None

    def match(self, record: LogRecord) -> EventData | None:
        if self.literal is not None:
            if self.literal not in record.message:
                return None
            groups: dict[str, str | None] = {}
        else:
            found = self.regex.search(record.message)
            if found is None:
                return None
            groups = found.groupdict()

        return EventData(
            code=self.spec.code,
            category=self.spec.category,
            severity=self.spec.severity,
            store_cv_id=self._store_id(record, groups),
            job_id=self._job_id(record, groups),
            counts=_counts(groups),
        )

    def _store_id(self, record: LogRecord, groups: dict) -> int | None:
        source = self.spec.store_id_from
        if source == STORE_FROM_TOKEN:
            token = record.engine_token
            return token.store_id if token is not None else None
        if source == STORE_FROM_GROUP:
            return _int_or_none(groups.get(STORE_GROUP))
        return None

    def _job_id(self, record: LogRecord, groups: dict) -> int | None:
        source = self.spec.job_id_from
        if source == JOB_FROM_GROUP:
            return _int_or_none(groups.get(JOB_GROUP)) or record.job_id
        if source == JOB_FROM_PREFIX:
            return record.job_id
        return None


def _int_or_none(value: str | None) -> int | None:
    if value is None or not value.isdigit():
        return None
    return int(value)


def _counts(groups: dict[str, str | None]) -> dict[str, int]:
    return {
        name: int(value)
        for name, value in groups.items()
        if name not in (STORE_GROUP, JOB_GROUP) and value and value.isdigit()
    }


class MatcherSet:
    """The enabled matchers, grouped by log type; the first match in priority order wins."""

    def __init__(self, specs: Iterable[MatcherSpec]) -> None:
        ordered = sorted(specs, key=lambda spec: (spec.priority, spec.code))
        self._all = [CompiledMatcher(spec) for spec in ordered]
        self._by_type: dict[str, list[CompiledMatcher]] = {}

    def for_type(self, log_type: str) -> list[CompiledMatcher]:
        matchers = self._by_type.get(log_type)
        if matchers is None:
            matchers = [
                matcher
                for matcher in self._all
                if matcher.spec.log_type in (ANY_LOG_TYPE, log_type)
            ]
            self._by_type[log_type] = matchers
        return matchers

    def match(self, log_type: str, record: LogRecord) -> EventData | None:
        for matcher in self.for_type(log_type):
            event = matcher.match(record)
            if event is not None:
                return event
        return None
