"""Tolerant readers for single values in CommServe JSON.

Classic (XML-derived) responses send numbers as numbers or strings, flags as 0/1 or
booleans, and omit keys that are empty. These helpers turn such values into Python
types or None, and never raise.
"""

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

EXCERPT_LENGTH = 200

_TOKEN_PATTERN = re.compile(r"QSDK\s+[A-Za-z0-9+/=._-]+")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]+")


def dig(value: Any, *keys: str) -> Any:
    """Follow `keys` through nested objects; None when a level is missing."""
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def mapping(value: Any) -> Mapping[str, Any]:
    """Return `value` when it is a JSON object, else an empty one."""
    if isinstance(value, Mapping):
        return value
    return {}


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
        try:
            value = float(text)
        except ValueError:
            return None
    if isinstance(value, float):
        try:
            return int(value)
        except (OverflowError, ValueError):
            return None
    return None


def as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().rstrip("%"))
        except ValueError:
            return None
    return None


def as_bool(value: Any, default: bool | None = None) -> bool | None:
    """Read true/false, 1/0 and "true"/"false"; `default` for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
    return default


def as_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def positive_id(value: Any) -> int | None:
    """Return an object id, or None for a missing id or the 0 sent for "no object"."""
    number = as_int(value)
    if number is None or number <= 0:
        return None
    return number


def size_or_none(value: Any) -> int | None:
    """Return a size or count, or None when missing or negative (-1 is "not reported")."""
    number = as_int(value)
    if number is None or number < 0:
        return None
    return number


def epoch_to_datetime(value: Any) -> datetime | None:
    """Unix epoch seconds as an aware UTC datetime; None for 0, negatives and junk."""
    seconds = as_int(value)
    if seconds is None or seconds <= 0:
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def as_list(value: Any) -> list[Any]:
    """Return a JSON array as a list, and a lone object as a one-item list.

    XML-derived responses send a single element as an object instead of an array.
    """
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        return [value]
    return []


def excerpt(value: Any, *, secrets: tuple[str, ...] = ()) -> str:
    """Return a short, single-line text of `value` for messages, without secrets.

    QSDK tokens and every string in `secrets` are replaced by "[redacted]", control
    characters by a space, and the text is cut to EXCERPT_LENGTH characters.
    """
    if isinstance(value, bytes):
        text = value.decode("utf-8", errors="replace")
    elif isinstance(value, str):
        text = value
    else:
        try:
            text = orjson.dumps(value, default=str).decode()
        except TypeError:
            text = repr(value)

    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    text = _TOKEN_PATTERN.sub("QSDK [redacted]", text)
    text = _CONTROL_CHARACTERS.sub(" ", text).strip()

    if len(text) > EXCERPT_LENGTH:
        return text[:EXCERPT_LENGTH] + "…"
    return text
