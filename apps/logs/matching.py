"""Match log records against matcher rules and turn matches into event data.

Plain Python: the rules come in as MatcherSpec values, from the database or from
`defaults.py`, so the parser and its benchmark run without Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]

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
        compiled = re.compile(pattern)
    except re.error as exc:
        raise InvalidPatternError(
            f'The regular expression "{pattern}" is invalid: {exc}. Fix the pattern, '
            "or set the kind to literal to match the text as written."
        ) from exc
    problem = backtracking_problem(pattern)
    if problem:
        raise InvalidPatternError(
            f'The regular expression "{pattern}" can take exponential time on one '
            f"line: {problem}. Repeat a single item instead (write (a+)+ as a+), "
            "put a required separator the inner repeat cannot match inside the "
            "repeated group (such as (\\d+,)*), or make the inner repeat "
            "possessive (a++)."
        )
    repeats = count_unbounded_repeats(pattern)
    if repeats > MAX_UNBOUNDED_REPEATS:
        raise InvalidPatternError(
            f'The regular expression "{pattern}" has {repeats} unbounded repeats '
            f"(*, + or {{n,}}), but at most {MAX_UNBOUNDED_REPEATS} are accepted, "
            "because each one multiplies the work on a line that almost matches. Give a "
            "repeat an upper bound (write .{0,200} for .*), match literal text in "
            "their place, or merge neighbouring repeats (write .* once for .*.*)."
        )
    if has_overlapping_neighbour_repeats(pattern):
        raise InvalidPatternError(
            f'The regular expression "{pattern}" has two unbounded repeats in a row '
            "that can match the same characters (such as .*.* or a*a+), so a line "
            "that almost matches is split between them in every possible way. Merge "
            "them into one repeat."
        )
    return compiled


# Catastrophic backtracking -----------------------------------------------------------
#
# A repeated group whose body can match the same text in more than one way makes a
# failing search try every split of the line, which doubles with each character.
# The check below reads the parsed pattern and rejects the two usual shapes: a
# repeat inside a repeat with nothing required between them, and a repeated
# alternation whose branches can start alike.

_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT)

# Repeats in a row that can match the same text, such as a*a*a*b or .*.*=x, make a
# failing search try every way to split the line among them, which costs about
# n**k steps for k repeats on n characters. The built-in rules use at most 6
# unbounded repeats (physicaldeletes.hole_drilled), so 7 leaves a margin of one.
# Two such repeats side by side (.*.*) are rejected on their own. NOTE: the cap
# bounds the degree, not the time. Repeats split by a character they also match
# (.*=.*=.*=x) still overlap, so a pattern within the cap can be slow on a long line.
MAX_UNBOUNDED_REPEATS = 7
_SINGLE_CHAR = (
    sre_constants.LITERAL,
    sre_constants.NOT_LITERAL,
    sre_constants.ANY,
    sre_constants.IN,
)


def backtracking_problem(pattern: str) -> str:
    """Return why a regex can backtrack catastrophically, or "" when it cannot."""
    try:
        parsed = sre_parser.parse(pattern)
    except re.error:
        return ""
    return _check_items(list(parsed), inside_repeat=False)


def count_unbounded_repeats(pattern: str) -> int:
    """Count the backtracking repeats without an upper bound (*, +, {n,}) in a regex."""
    try:
        parsed = sre_parser.parse(pattern)
    except re.error:
        return 0
    return _count_unbounded(list(parsed))


def _count_unbounded(items: list) -> int:
    count = 0
    for op, value in items:
        if op in _REPEATS:
            count += value[1] == sre_constants.MAXREPEAT
            count += _count_unbounded(list(value[2]))
        elif op == sre_constants.SUBPATTERN:
            count += _count_unbounded(list(value[-1]))
        elif op == sre_constants.BRANCH:
            count += sum(_count_unbounded(list(branch)) for branch in value[1])
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            count += _count_unbounded(list(value[1]))
    return count


def has_overlapping_neighbour_repeats(pattern: str) -> bool:
    """Return True when two unbounded single-character repeats in a row can overlap."""
    try:
        parsed = sre_parser.parse(pattern)
    except re.error:
        return False
    return _sequence_has_overlap(list(parsed))


def _sequence_has_overlap(items: list) -> bool:
    flat = _flatten(items)
    for (op, value), (next_op, next_value) in zip(flat, flat[1:], strict=False):
        if (
            op in _REPEATS
            and next_op in _REPEATS
            and _repeats_overlap(value, next_value)
        ):
            return True

    for op, value in flat:
        if op in _REPEATS:
            nested = [list(value[2])]
        elif op == sre_constants.BRANCH:
            nested = [list(branch) for branch in value[1]]
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            nested = [list(value[1])]
        else:
            nested = []
        if any(_sequence_has_overlap(body) for body in nested):
            return True
    return False


def _repeats_overlap(first: tuple, second: tuple) -> bool:
    """True when both repeats are unbounded over character sets that share a character."""
    if first[1] != sre_constants.MAXREPEAT or second[1] != sre_constants.MAXREPEAT:
        return False
    first_body = _flatten(list(first[2]))
    second_body = _flatten(list(second[2]))
    if len(first_body) != 1 or len(second_body) != 1:
        return False
    if first_body[0][0] not in _SINGLE_CHAR or second_body[0][0] not in _SINGLE_CHAR:
        return False
    # Only code points 0 to 255 are tried, so two sets that share only characters
    # above them are not reported.
    return any(
        _char_matches(first_body[0], char) and _char_matches(second_body[0], char)
        for char in map(chr, range(256))
    )


def _check_items(items: list, inside_repeat: bool) -> str:
    for op, value in items:
        if op in _REPEATS:
            low, high, body = value
            body_items = list(body)
            if high > 1:
                problem = _repeated_body_problem(body_items)
                if problem:
                    return problem
            problem = _check_items(body_items, inside_repeat or high > 1)
        elif op == sre_constants.SUBPATTERN:
            problem = _check_items(list(value[-1]), inside_repeat)
        elif op == sre_constants.BRANCH:
            problem = next(
                (
                    found
                    for branch in value[1]
                    if (found := _check_items(list(branch), inside_repeat))
                ),
                "",
            )
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            problem = _check_items(list(value[1]), inside_repeat)
        else:
            # Atomic groups and possessive repeats do not backtrack into themselves.
            problem = ""
        if problem:
            return problem
    return ""


def _flatten(items: list) -> list:
    """Drop group wrappers that hold a plain sequence."""
    flat = []
    for op, value in items:
        if op == sre_constants.SUBPATTERN:
            flat.extend(_flatten(list(value[-1])))
        else:
            flat.append((op, value))
    return flat


def _repeated_body_problem(body: list) -> str:
    flat = _flatten(body)
    inner = [value for op, value in flat if op in _REPEATS and value[1] > 1]
    if inner:
        required = [
            (op, value)
            for op, value in flat
            if op in _SINGLE_CHAR or (op in _REPEATS and value[0] > 0 and value[1] <= 1)
        ]
        separated = any(
            op in (sre_constants.LITERAL,)
            and not any(_repeat_can_match(repeat, value) for repeat in inner)
            for op, value in required
        )
        if not separated:
            return "a repeated group holds another repeat and nothing separates them"
    for op, value in flat:
        if op == sre_constants.BRANCH and _branches_overlap(value[1]):
            return "a repeated group holds alternatives that can match the same text"
    return ""


def _repeat_can_match(repeat: tuple, code: int) -> bool:
    """True unless the repeat's body is one character class that excludes `code`."""
    body = _flatten(list(repeat[2]))
    if len(body) != 1 or body[0][0] not in _SINGLE_CHAR:
        return True
    return _char_matches(body[0], chr(code))


def _char_matches(item: tuple, char: str) -> bool:
    op, value = item
    if op == sre_constants.LITERAL:
        return char == chr(value)
    if op == sre_constants.NOT_LITERAL:
        return char != chr(value)
    if op == sre_constants.ANY:
        return char != "\n"
    found = False
    negate = False
    for member_op, member in value:
        if member_op == sre_constants.NEGATE:
            negate = True
        elif member_op == sre_constants.LITERAL:
            found = found or char == chr(member)
        elif member_op == sre_constants.RANGE:
            found = found or member[0] <= ord(char) <= member[1]
        elif member_op == sre_constants.CATEGORY:
            found = found or _in_category(member, char)
        else:
            return True
    return found != negate


_CATEGORY_TESTS = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}


def _in_category(category: object, char: str) -> bool:
    test = _CATEGORY_TESTS.get(str(category))
    return test is None or re.fullmatch(test, char) is not None


def _branches_overlap(branches: list) -> bool:
    """True when two alternatives are empty or can start with the same character."""
    firsts: list[tuple] = []
    for branch in branches:
        flat = _flatten(list(branch))
        if not flat or flat[0][0] not in _SINGLE_CHAR:
            return True
        firsts.append(flat[0])
    for index, first in enumerate(firsts):
        for other in firsts[index + 1 :]:
            if first[0] != sre_constants.LITERAL and other[0] != sre_constants.LITERAL:
                return True
            literal, item = (
                (first, other) if first[0] == sre_constants.LITERAL else (other, first)
            )
            if _char_matches(item, chr(literal[1])):
                return True
    return False


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
