"""Command line: build the environment, start the server, print the ready line."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import ipaddress
import logging
import sys
import threading
import time
from pathlib import Path

from commserve_sim.app import MEDIA_AGENT_APIS, SimulatorApp
from commserve_sim.auth import TokenStore
from commserve_sim.faults import API_BASE, FAULT_PARAMETERS, parse_fault
from commserve_sim.joblist import ArithmeticJobs
from commserve_sim.logwriter import (
    DEFAULT_LOG_DAYS,
    DEFAULT_MAX_BYTES,
    DEFAULT_VERSIONS,
    LogWriter,
)
from commserve_sim.model import Clock, Environment, Evolution
from commserve_sim.presets import PRESETS, build_preset
from commserve_sim.replay import ReplayStore
from commserve_sim.scenario import ScenarioError, load_scenario
from commserve_sim.server import SimulatorServer
from commserve_sim.tls import server_context

logger = logging.getLogger("commserve_sim")

# expire_tokens acts on tokens that exist, so it is only available at run time.
STARTUP_FAULTS = sorted(set(FAULT_PARAMETERS) - {"expire_tokens"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m commserve_sim",
        description="Serve a simulated Commvault CommServe REST API on loopback.",
    )
    parser.add_argument(
        "--preset",
        choices=PRESETS,
        default="small",
        help="scale of the generated environment (default small)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        help="seed of the generated environment and jobs (default 1)",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on; loopback only unless --allow-remote",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8400,
        help="TCP port (default 8400; 0 picks a free port)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow --host to be an address other than loopback",
    )
    parser.add_argument(
        "--scenario",
        type=Path,
        help="JSON or YAML scenario file to load instead of --preset",
    )
    parser.add_argument(
        "--time-zone",
        help="the CommServe's time zone name that GET /CommServ and the CommServe's "
        "GET /Client/{id} return, for example '(UTC-05:00) Eastern Time (US & "
        "Canada)' (default: the preset's or scenario's zone)",
    )
    parser.add_argument(
        "--replay", type=Path, help="folder of recorded responses to serve instead"
    )
    parser.add_argument(
        "--tls-self-signed",
        action="store_true",
        help="serve https with a new self-signed certificate",
    )
    parser.add_argument("--username", default="cvadmin", help="login user name")
    parser.add_argument("--password", default="simulator", help="login password")
    parser.add_argument(
        "--token-idle-seconds",
        type=int,
        default=1800,
        help="seconds of inactivity after which a token expires",
    )
    parser.add_argument(
        "--mediaagent-api",
        choices=MEDIA_AGENT_APIS,
        default="v2",
        help="the one MediaAgent list endpoint that responds; "
        "the other two return 404 (default v2)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        choices=STARTUP_FAULTS,
        metavar="NAME",
        help="start with this fault active (repeatable): " + ", ".join(STARTUP_FAULTS),
    )
    parser.add_argument(
        "--now",
        help="fix the clock at this ISO 8601 UTC time, "
        "for example 2026-01-15T12:00:00Z (default: wall clock)",
    )
    parser.add_argument(
        "--freeze-clock",
        action="store_true",
        help="keep now at the start time; only POST /__sim__/clock moves it",
    )
    parser.add_argument(
        "--tls-dir",
        type=Path,
        help="folder for the self-signed certificate (default: a new temporary folder)",
    )
    parser.add_argument(
        "--log-dir",
        type=Path,
        help="write MediaAgent and CommServe log files into this folder at start "
        "and on POST /__sim__/logs",
    )
    parser.add_argument(
        "--log-days",
        type=int,
        default=DEFAULT_LOG_DAYS,
        help=f"days of logs before the start day (default {DEFAULT_LOG_DAYS})",
    )
    parser.add_argument(
        "--log-max-kb",
        type=int,
        default=DEFAULT_MAX_BYTES // 1024,
        help="size in KB after which a log file rolls over "
        f"(default {DEFAULT_MAX_BYTES // 1024})",
    )
    parser.add_argument(
        "--log-versions",
        type=int,
        default=DEFAULT_VERSIONS,
        help=f"rolled-over versions kept per log (default {DEFAULT_VERSIONS})",
    )
    parser.add_argument(
        "--log-refresh-seconds",
        type=int,
        default=0,
        help="with --log-dir, write the logs again every N seconds of wall time "
        "when the clock has moved forward since the last write (default 0: only on "
        "POST /__sim__/logs)",
    )
    parser.add_argument(
        "--log-level",
        default="WARNING",
        help="logging level on stderr (default WARNING)",
    )
    return parser  # fmt: skip


def check_host(host: str, allow_remote: bool) -> str | None:
    """Return an error message if the host is not loopback and remote is not allowed."""
    if allow_remote or host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return (
        f"--host {host} is not a loopback address: the simulator listens on "
        "127.0.0.1 by default; pass --allow-remote to listen on another address."
    )


def parse_now(text: str | None, freeze: bool) -> Clock:
    if text is None:
        return Clock(fixed_now=time.time()) if freeze else Clock()
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"--now {text} has no time zone: end it with Z.")
    return Clock(fixed_now=moment.timestamp())


def build_environment(args: argparse.Namespace, clock: Clock) -> Environment:
    if args.scenario is not None:
        env = load_scenario(args.scenario, args.seed, clock.now())
    else:
        env = build_preset(args.preset, args.seed, clock.now())
    if env.evolution is None:
        env.evolution = Evolution(origin=clock.now())
    if args.time_zone:
        env.time_zone = args.time_zone
    return env


def check_log_options(args: argparse.Namespace) -> str | None:
    """Return what is wrong with the log options, or None."""
    if not 0 <= args.log_days <= 90:
        return f"--log-days {args.log_days} is out of range: give 0 to 90."
    if not 1 <= args.log_max_kb <= 1024 * 1024:
        return f"--log-max-kb {args.log_max_kb} is out of range: give 1 to 1048576."
    if not 0 <= args.log_refresh_seconds <= 86400:
        return (
            f"--log-refresh-seconds {args.log_refresh_seconds} is out of range: "
            "give 0 to 86400."
        )
    if not 1 <= args.log_versions <= 100:
        return f"--log-versions {args.log_versions} is out of range: give 1 to 100."
    if args.log_dir is not None and args.log_dir.exists() and not args.log_dir.is_dir():
        return f"--log-dir {args.log_dir} is not a folder: give a folder path."
    return None


def attach_log_writer(app: SimulatorApp, args: argparse.Namespace) -> None:
    jobs = app.jobs

    def aging_job_id(day: int) -> int | None:
        if isinstance(jobs, ArithmeticJobs) and day >= jobs.history_start_day:
            return jobs.job_id(day, jobs.aging_rank)
        return None

    app.log_writer = LogWriter(
        args.log_dir,
        app.env,
        app.timeline,
        args.seed,
        aging_job_id=aging_job_id,
        max_bytes=args.log_max_kb * 1024,
        versions=args.log_versions,
        log_days=args.log_days,
    )


def start_log_refresh(app: SimulatorApp, seconds: int) -> threading.Thread:
    """Write the logs every `seconds` while the simulated clock moves forward.

    A clock set back (a replay of the past) is skipped, so files never shrink.
    """

    def refresh() -> None:
        while True:
            time.sleep(seconds)
            now = app.clock.now()
            last = app.log_writer.written_until
            if last is not None and now <= last:
                continue
            try:
                app.log_writer.write(now)
            except OSError:
                logger.exception("Writing the logs of %s failed", app.env.name)

    thread = threading.Thread(target=refresh, name="log-refresh", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    problem = check_host(args.host, args.allow_remote) or check_log_options(args)
    if problem:
        print(f"commserve_sim: {problem}", file=sys.stderr)
        return 2

    try:
        clock = parse_now(args.now, args.freeze_clock)
        env = build_environment(args, clock)
        replay = ReplayStore(args.replay) if args.replay is not None else None
    except (ScenarioError, ValueError) as error:
        print(f"commserve_sim: {error}", file=sys.stderr)
        return 2

    # The environment lives as long as the process: keep the collector from rescanning
    # its objects, which shortens pauses on large presets.
    gc.freeze()
    tokens = TokenStore(args.username, args.password, args.token_idle_seconds)
    app = SimulatorApp(env, clock, tokens, args.mediaagent_api, replay)
    for name in args.fault:
        app.faults.add(parse_fault({"fault": name}))
    if args.log_dir is not None:
        attach_log_writer(app, args)
        try:
            app.log_writer.write(clock.now())
        except OSError as error:
            print(
                f"commserve_sim: cannot write logs into {args.log_dir} ({error}); "
                "give a writable --log-dir.",
                file=sys.stderr,
            )
            return 2
        if args.log_refresh_seconds:
            start_log_refresh(app, args.log_refresh_seconds)

    tls = None
    if args.tls_self_signed:
        tls, certificate = server_context(args.tls_dir)
        app.tls_certificate = str(certificate)
    try:
        server = SimulatorServer((args.host, args.port), app, tls)
    except OSError as error:
        print(
            f"commserve_sim: cannot listen on {args.host}:{args.port} ({error.strerror}); "
            "pick another --port or 0 for a free one.",
            file=sys.stderr,
        )
        return 2

    host, port = server.server_address[:2]
    scheme = "https" if tls else "http"
    logger.info(
        "Serving %s (%d clients, %d plans) with seed %d",
        env.name,
        len(env.clients),
        len(env.plans),
        args.seed,
    )
    print(f"commserve_sim listening on {scheme}://{host}:{port}{API_BASE}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        logger.info("Stopped %s on port %d", env.name, port)
    return 0
