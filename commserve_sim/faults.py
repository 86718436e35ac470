"""Switchable faults, set through the control API, that the HTTP handler applies."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

API_BASE = "/webconsole/api"

# Fault name -> parameters it accepts (besides "fault").
FAULT_PARAMETERS = {
    "wrong_password": set(),
    "error_500": {"path", "count"},
    "rate_limit_429": {"path", "count"},
    "expire_tokens": {"after_requests"},
    "malformed_json": {"path", "count"},
    "repeat_page": {"from_offset", "count"},
    "truncate_pages": {"from_offset", "count"},
    "slow": {"path", "seconds", "count"},
}


class FaultError(ValueError):
    """A fault request is invalid; the message names the key and the fix."""


@dataclass
class Fault:
    name: str
    path: str = ""  # API path prefix, without the base path; "" = every path
    remaining: int | None = None  # None = until cleared
    seconds: float = 0.0
    from_offset: int = 0
    after_requests: int | None = None

    def matches(self, api_path: str) -> bool:
        return api_path.lower().startswith(self.path.lower())

    def describe(self) -> dict[str, Any]:
        return {
            "fault": self.name,
            "path": self.path,
            "count": self.remaining,
            "seconds": self.seconds,
            "from_offset": self.from_offset,
            "after_requests": self.after_requests,
        }


def _integer(params: dict[str, Any], key: str, minimum: int) -> int | None:
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FaultError(
            f"{key}={value!r} is invalid: give a whole number of at least {minimum}."
        )
    return value


def parse_fault(params: Any) -> Fault:
    """Build a Fault from a `POST /__sim__/faults` body, raising FaultError."""
    if not isinstance(params, dict):
        raise FaultError('The body must be a JSON object such as {"fault": "slow"}.')
    name = params.get("fault")
    if name not in FAULT_PARAMETERS:
        known = ", ".join(sorted(FAULT_PARAMETERS))
        raise FaultError(f"fault={name!r} is unknown: use one of {known}.")
    unknown = set(params) - FAULT_PARAMETERS[name] - {"fault"}
    if unknown:
        allowed = ", ".join(sorted(FAULT_PARAMETERS[name])) or "none"
        raise FaultError(
            f"{name} does not take {', '.join(sorted(unknown))}: "
            f"its parameters are {allowed}."
        )

    path = params.get("path", "")
    if not isinstance(path, str):
        raise FaultError(f"path={path!r} is invalid: give a path prefix such as /Job.")
    if path.startswith(API_BASE):
        path = path[len(API_BASE) :]

    seconds = params.get("seconds", 1.0 if name == "slow" else 0.0)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise FaultError(f"seconds={seconds!r} is invalid: give 0 or more seconds.")

    return Fault(
        name=name,
        path=path,
        remaining=_integer(params, "count", 1),
        seconds=float(seconds),
        from_offset=_integer(params, "from_offset", 0) or 0,
        after_requests=_integer(params, "after_requests", 1),
    )


@dataclass
class Stats:
    requests: Counter = field(default_factory=Counter)
    logins: Counter = field(default_factory=Counter)
    renewals: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        by_path: dict[str, dict[str, int]] = {}
        for (method_path, status), count in sorted(self.requests.items()):
            by_path.setdefault(method_path, {})[str(status)] = count
        return {
            "requests": by_path,
            "logins": {"ok": self.logins["ok"], "failed": self.logins["failed"]},
            "renewals": {"ok": self.renewals["ok"], "failed": self.renewals["failed"]},
        }


class FaultSet:
    """Active faults; `take` consumes one use of the first matching fault."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.describe() for fault in self._faults]

    def active(self, name: str) -> bool:
        with self._lock:
            return any(fault.name == name for fault in self._faults)

    def take(self, name: str, api_path: str, offset: int | None = None) -> Fault | None:
        """Return a matching fault and count one use of it, or None."""
        with self._lock:
            for fault in self._faults:
                if fault.name != name or not fault.matches(api_path):
                    continue
                if offset is not None and offset < fault.from_offset:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                return fault
        return None
