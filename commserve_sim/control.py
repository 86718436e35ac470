"""The control API under `/__sim__/`: faults, statistics, summary and clock."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import orjson

from commserve_sim.app import Response, SimulatorApp, error_response, json_response
from commserve_sim.faults import FaultError, Stats, parse_fault
from commserve_sim.joblist import QueryError

logger = logging.getLogger(__name__)

CONTROL_BASE = "/__sim__"


def _body(raw: bytes) -> Any:
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return None


def handle_control(
    app: SimulatorApp, method: str, path: str, params: dict[str, str], raw_body: bytes
) -> Response:
    route = path[len(CONTROL_BASE) :].rstrip("/")
    if route == "/faults":
        return _faults(app, method, _body(raw_body))
    if route == "/stats" and method == "GET":
        return json_response(200, app.stats.as_dict())
    if route == "/stats" and method == "DELETE":
        app.stats = Stats()
        return json_response(200, app.stats.as_dict())
    if route == "/summary" and method == "GET":
        try:
            return json_response(200, app.summary(params))
        except QueryError as error:
            return error_response(400, str(error), 400)
    if route == "/clock" and method == "POST":
        return _set_clock(app, _body(raw_body))
    if route == "/clock" and method == "GET":
        return json_response(200, {"now": app.clock.now()})
    if route == "/logs" and method == "POST":
        return _write_logs(app)
    return error_response(
        404,
        f"{method} {path} is not a control endpoint: use /__sim__/faults, "
        "/__sim__/stats, /__sim__/summary, /__sim__/clock or /__sim__/logs.",
        404,
    )


def _faults(app: SimulatorApp, method: str, body: Any) -> Response:
    if method == "GET":
        return json_response(200, {"faults": app.faults.describe()})

    if method == "DELETE":
        app.faults.clear()
        app.tokens.cancel_pending_revocation()
        logger.info("Faults cleared on %s", app.env.name)
        return json_response(200, {"faults": []})

    if method != "POST":
        return error_response(405, f"{method} is not allowed: use GET, POST or DELETE.")
    try:
        fault = parse_fault(body)
    except FaultError as error:
        return error_response(400, str(error), 400)

    if fault.name == "expire_tokens":
        app.tokens.revoke_all(fault.after_requests)
    else:
        app.faults.add(fault)
    logger.info("Fault set on %s: %s", app.env.name, fault.describe())
    return json_response(200, {"faults": app.faults.describe()})


CLOCK_USAGE = (
    'Body must be {"advance_seconds": N} with N zero or more seconds, or '
    '{"now": "2026-01-15T12:00:00Z"} (ISO 8601 with a time zone, or Unix seconds).'
)


def parse_moment(value: Any) -> int | None:
    """Return Unix seconds from an ISO 8601 text with a time zone or a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return int(moment.timestamp())


def _set_clock(app: SimulatorApp, body: Any) -> Response:
    if isinstance(body, dict) and "now" in body:
        moment = parse_moment(body["now"]) if len(body) == 1 else None
        if moment is None:
            return error_response(
                400, f"now={body['now']!r} is invalid. {CLOCK_USAGE}", 400
            )
        app.clock.set(moment)
        logger.info("Clock of %s set to %s", app.env.name, moment)
        return json_response(200, {"now": app.clock.now()})

    seconds = body.get("advance_seconds") if isinstance(body, dict) else None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        return error_response(400, CLOCK_USAGE, 400)
    app.clock.advance(seconds)
    logger.info("Clock of %s advanced by %s s", app.env.name, seconds)
    return json_response(200, {"now": app.clock.now()})


def _write_logs(app: SimulatorApp) -> Response:
    if app.log_writer is None:
        return error_response(
            409,
            "No log folder is set: start the simulator with --log-dir DIR.",
            409,
        )
    now = app.clock.now()
    written = app.log_writer.write(now)
    logger.info("Logs of %s written up to %s: %d files", app.env.name, now, written)
    return json_response(
        200, {"now": now, "files": written, "log_dir": str(app.log_writer.root)}
    )
