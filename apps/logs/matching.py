"""Match log records against matcher rules and turn matches into event data.

Plain Python: the rules come in as MatcherSpec values, from the database or from
`defaults.py`, so the parser and its benchmark run without Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .logformat import LogRecord

# Sources of an event's DDB store id and job id.
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
    """Event fields taken from one matched record."""

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
        self.required = required_literals(spec)

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


_META = set(".^$*+?{}[]()|\\")
_QUANTIFIERS = set("?*{")
_ESCAPED_LITERALS = set("[](){}.*+?^$|\\/-,:;=<>!@#%&'\" ")


def _literal_runs(pattern: str) -> list[str] | None:
    """Return the literal text runs outside groups, or None on top-level alternation."""
    # NOTE: a pattern in verbose mode (?x) is excluded by the caller, because its
    # spaces are not literal.
    runs: list[str] = []
    current: list[str] = []
    depth = 0
    index = 0
    in_class = False

    def close() -> None:
        if current:
            runs.append("".join(current))
            current.clear()

    while index < len(pattern):
        char = pattern[index]
        following = pattern[index + 1] if index + 1 < len(pattern) else ""
        if in_class:
            if char == "\\":
                index += 1
            elif char == "]":
                in_class = False
            index += 1
            continue
        if char == "\\":
            literal = following in _ESCAPED_LITERALS
            after = pattern[index + 2] if index + 2 < len(pattern) else ""
            if depth == 0 and literal and after not in _QUANTIFIERS:
                current.append(following)
            else:
                close()
            index += 2
            continue
        if char == "[":
            in_class = True
            close()
        elif char == "(":
            depth += 1
            close()
        elif char == ")":
            depth -= 1
            close()
        elif char == "|" and depth == 0:
            return None
        elif char in _META:
            close()
        elif depth == 0 and following not in _QUANTIFIERS:
            current.append(char)
        else:
            close()
        index += 1

    close()
    return runs


def _split_branches(pattern: str) -> list[str]:
    """Split a pattern at its top-level `|`, outside groups and character classes."""
    branches = []
    start = 0
    depth = 0
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(pattern[start:index])
            start = index + 1
        index += 1
    branches.append(pattern[start:])
    return branches


_FLAG_GROUP_RE = re.compile(r"\(\?[aiLmsux]+[:)]")


def required_literals(spec: MatcherSpec) -> tuple[str, ...] | None:
    """Return texts of which every match of the rule contains one, or None if unknown.

    The reading is conservative: patterns with inline flags, or with a top-level
    branch that has no literal text, have none, so their rule is always tried.
    """
    if spec.kind == KIND_LITERAL:
        return (spec.pattern,) if spec.pattern else None
    if _FLAG_GROUP_RE.search(spec.pattern):
        return None

    found = []
    for branch in _split_branches(spec.pattern):
        runs = _literal_runs(branch)
        if not runs:
            return None
        found.append(max(runs, key=len))
    return tuple(found)


class _Screen:
    """One search over the required texts of all rules of a log type.

    Most lines match no rule, and one regex search for any of the texts is much
    cheaper than one search per rule. Rules without a required text are always
    tried.
    """

    def __init__(self, matchers: list[CompiledMatcher]) -> None:
        literals = {text for matcher in matchers for text in matcher.required or ()}
        self.always = [matcher for matcher in matchers if not matcher.required]
        self.all = matchers
        self.regex = (
            re.compile("|".join(re.escape(text) for text in sorted(literals)))
            if literals
            else None
        )

    def candidates(self, message: str) -> list[CompiledMatcher]:
        if self.regex is None or self.regex.search(message) is None:
            return self.always
        return self.all


class MatcherSet:
    """The enabled matchers, grouped by log type; the first match in priority order wins."""

    def __init__(self, specs: Iterable[MatcherSpec]) -> None:
        ordered = sorted(specs, key=lambda spec: (spec.priority, spec.code))
        self._all = [CompiledMatcher(spec) for spec in ordered]
        self._by_type: dict[str, _Screen] = {}

    def for_type(self, log_type: str) -> list[CompiledMatcher]:
        return self._screen(log_type).all

    def _screen(self, log_type: str) -> _Screen:
        screen = self._by_type.get(log_type)
        if screen is None:
            matchers = [
                matcher
                for matcher in self._all
                if matcher.spec.log_type in (ANY_LOG_TYPE, log_type)
            ]
            screen = _Screen(matchers)
            self._by_type[log_type] = screen
        return screen

    def match(self, log_type: str, record: LogRecord) -> EventData | None:
        message = record.message
        for matcher in self._screen(log_type).candidates(message):
            required = matcher.required
            if required is not None and not any(text in message for text in required):
                continue
            event = matcher.match(record)
            if event is not None:
                return event
        return None
