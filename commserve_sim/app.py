"""Request handling of the simulated Commvault REST API, independent of the socket layer."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

import orjson

from commserve_sim import responses
from commserve_sim.auth import LoginError, TokenStore
from commserve_sim.copyjobs import CopyJobQueryError, CopyJobs, parse_copy_job_query
from commserve_sim.evolution import Timeline
from commserve_sim.faults import API_BASE, FaultSet, Stats
from commserve_sim.joblist import (
    ArithmeticJobs,
    ExplicitJobs,
    QueryError,
    parse_job_query,
    parse_paging,
)
from commserve_sim.jobs import JobRenderer, day_of
from commserve_sim.model import Client, Clock, Environment
from commserve_sim.replay import ReplayStore

logger = logging.getLogger(__name__)

MEDIA_AGENT_APIS = ("v2", "v4", "legacy")
MALFORMED_BODY = b'{"jobs": [{"jobSummary": {"jobId": 1, "status": "Comp'


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any, **headers: str) -> Response:
    return Response(status, orjson.dumps(payload), headers)


def error_response(status: int, message: str, code: int = 1) -> Response:
    return json_response(status, {"errorCode": code, "errorMessage": message})


@dataclass
class Request:
    method: str
    path: str  # decoded path below the API base, such as /V2/StoragePolicy/501
    raw_path: str  # the same, percent-encoding kept (for replay file names)
    query: str
    headers: Any  # case-insensitive mapping (http.client.HTTPMessage)
    body: bytes

    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))

    def json(self) -> Any:
        if not self.body:
            return None
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return None


class SimulatorApp:
    """The simulated CommServe: environment, sessions, faults and statistics."""

    def __init__(
        self,
        env: Environment,
        clock: Clock,
        tokens: TokenStore,
        media_agent_api: str = "v2",
        replay: ReplayStore | None = None,
    ) -> None:
        self.env = env
        self.clock = clock
        self.tokens = tokens
        self.media_agent_api = media_agent_api
        self.replay = replay
        self.faults = FaultSet()
        self.stats = Stats()
        self.tls_certificate = ""
        seed = env.generation.seed if env.generation else 0
        self.timeline = Timeline(env, seed)
        self.log_writer: Any = None  # a commserve_sim.logwriter.LogWriter, if any
        self.renderer = JobRenderer(env, seed, self.timeline)
        if env.explicit_jobs is not None:
            self.jobs: ArithmeticJobs | ExplicitJobs = ExplicitJobs(env, self.renderer)
        else:
            history_days = env.generation.history_days if env.generation else 90
            history_start = day_of(clock.now()) - history_days
            self.jobs = ArithmeticJobs(env, self.renderer, history_start)
        self.copy_jobs = CopyJobs(env, self.renderer, self.jobs, seed)
        self._cache: dict[str, tuple[int, bytes]] = {}
        self._routes = self._build_routes()

    # Dispatch -----------------------------------------------------------------

    def handle_api(self, request: Request) -> Response:
        response = self._handle_api(request)
        if response.status >= 400:
            logger.info(
                "%s %s returned %d on %s",
                request.method,
                request.path,
                response.status,
                self.env.name,
            )
        key = (f"{request.method} {API_BASE}{request.path}", response.status)
        self.stats.requests[key] += 1
        return response

    def _handle_api(self, request: Request) -> Response:
        path = request.path
        slow = self.faults.take("slow", path)
        if slow is not None:
            time.sleep(slow.seconds)

        accept = (request.headers.get("Accept") or "").lower()
        if not any(
            kind in accept for kind in ("application/json", "*/*", "application/*")
        ):
            return error_response(
                406,
                f"Accept: {accept or '(missing)'} is not supported: "
                "send Accept: application/json.",
            )
        if self.faults.take("rate_limit_429", path):
            return error_response(429, "Too many requests: retry later.", 429)
        if self.faults.take("error_500", path):
            return error_response(500, "Internal server error (simulated fault).", 500)

        if request.method == "POST" and path.lower() == "/login":
            return self._login(request)
        if request.method == "POST" and path.lower() == "/renewlogintoken":
            return self._renew(request)

        if (
            self.tokens.authenticate(request.headers.get("Authtoken"), self.clock.now())
            is None
        ):
            return error_response(
                401,
                "Authtoken header is missing, unknown or expired: log in with "
                "POST /Login or renew with POST /RenewLoginToken.",
                401,
            )

        response = self._route(request)
        if response.status == 200 and self.faults.take("malformed_json", path):
            response = Response(200, MALFORMED_BODY)
        return response

    def _route(self, request: Request) -> Response:
        if self.replay is not None:
            found = self.replay.find(
                request.method, request.raw_path, request.query, request.json()
            )
            if found is None:
                names = self.replay.candidates(
                    request.method, request.raw_path, request.query, request.json()
                )
                return error_response(
                    404, f"No recorded response: add one of {', '.join(names)}.", 404
                )
            return Response(found[0], found[1])

        for method, pattern, handler in self._routes:
            if method != request.method:
                continue
            match = pattern.fullmatch(request.path)
            if match:
                return handler(request, *match.groups())
        return error_response(
            404,
            f"{request.method} {API_BASE}{request.path} is not a known endpoint.",
            404,
        )

    def _build_routes(self) -> list[tuple[str, re.Pattern, Callable[..., Response]]]:
        table: list[tuple[str, str, Callable[..., Response]]] = [
            ("GET", r"/CommServ", self._commserv),
            ("GET", r"/Client", self._clients),
            ("GET", r"/Client/(\d+)", self._client),
            ("GET", r"/V2/Plan", self._plans),
            ("GET", r"/V2/StoragePolicy", self._policies),
            ("GET", r"/V2/StoragePolicy/(\d+)", self._policy),
            ("GET", r"/V2/StoragePolicy/(\d+)/Copy/(\d+)", self._copy),
            ("GET", r"/StoragePool", self._pools),
            ("GET", r"/StoragePool/(\d+)", self._pool),
            ("GET", r"/V2/MediaAgents", self._media_agents("v2")),
            ("GET", r"/V4/mediaAgent", self._media_agents("v4")),
            ("GET", r"/MediaAgent", self._media_agents("legacy")),
            ("POST", r"/Qcommand/qoperation execute", self._qcommand),
            ("GET", r"/DDBInformation/(\d+)", self._ddb_information),
            ("GET", r"/Job", self._job_list),
            ("GET", r"/Job/(\d+)", self._job),
            ("GET", r"/V4/Plan/BackupDestination/(\d+)/Jobs", self._copy_job_list),
        ]
        return [
            (method, re.compile(pattern, re.IGNORECASE), handler)
            for method, pattern, handler in table
        ]

    def state(self) -> Environment:
        """Return the environment as it is at the simulator's now."""
        return self.timeline.state(self.clock.now())

    def _cached(
        self, key: str, build: Callable[[], Any], evolving: bool = False
    ) -> Response:
        """Serve a cached body; an evolving one is rebuilt whenever now changes."""
        stamp = (self.env.revision, self.clock.now() if evolving else 0)
        cached = self._cache.get(key)
        if cached is None or cached[0] != stamp:
            cached = (stamp, orjson.dumps(build()))
            self._cache[key] = cached
        return Response(200, cached[1])

    # Sessions -----------------------------------------------------------------

    def _login(self, request: Request) -> Response:
        now = self.clock.now()
        try:
            session = self.tokens.login(
                request.json(), now, self.faults.active("wrong_password")
            )
        except LoginError as error:
            self.stats.logins["failed"] += 1
            logger.info("Login rejected on %s: %s", self.env.name, error)
            return json_response(
                200,
                {
                    "errList": [{"errorCode": error.code, "errLogMessage": str(error)}],
                    "loginAttempts": 1,
                    "remainingLockTime": 0,
                    "isAccountLocked": False,
                },
            )
        self.stats.logins["ok"] += 1
        return json_response(200, self._login_body(session.username, session.token))

    def _login_body(self, username: str, token: str) -> dict[str, Any]:
        return {
            "aliasName": "5",
            "userGUID": "6F1C2E9A-0000-4000-8000-000000000005",
            "loginAttempts": 0,
            "remainingLockTime": 0,
            "smtpAddress": f"{username}@example.invalid",
            "userName": username,
            "providerType": 1,
            "ccn": 0,
            "token": token,
            "capability": 4328650366975,
            "forcePasswordChange": False,
            "isAccountLocked": False,
            "ownerOrganization": {
                "GUID": "00000000-0000-4000-8000-000000000000",
                "providerId": 0,
                "providerDomainName": "Commcell",
            },
            "additionalResp": {"nameValues": [{"name": "USERNAME", "value": username}]},
            "errList": [],
        }

    def _renew(self, request: Request) -> Response:
        try:
            session = self.tokens.renew(request.json(), self.clock.now())
        except LoginError as error:
            self.stats.renewals["failed"] += 1
            return json_response(
                200, {"error": {"errorCode": error.code, "errorMessage": str(error)}}
            )
        self.stats.renewals["ok"] += 1
        return json_response(200, {"token": session.token, "error": {}})

    # Inventory ----------------------------------------------------------------

    def _commserv(self, request: Request) -> Response:
        return json_response(200, responses.commserv(self.env))

    def _clients(self, request: Request) -> Response:
        return self._cached("clients", lambda: responses.client_list(self.env))

    def _client(self, request: Request, client_id: str) -> Response:
        if int(client_id) == self.env.commserve_client_id:
            # The CommServe's own client carries the CommServe's time zone.
            commserve = Client(
                client_id=self.env.commserve_client_id,
                name=self.env.name,
                plan_id=0,
                subclient_id=0,
            )
            body = responses.client_detail(self.env, commserve, self.env.time_zone)
            return json_response(200, body)
        client = self.env.client_by_id.get(int(client_id))
        if client is None:
            return error_response(404, f"Client {client_id} is not found.", 404)
        return json_response(200, responses.client_detail(self.env, client))

    def _plans(self, request: Request) -> Response:
        return self._cached("plans", lambda: responses.plan_list(self.env))

    def _policies(self, request: Request) -> Response:
        with_plans = request.params().get("propertyLevel") == "20"
        return self._cached(
            f"policies:{with_plans}",
            lambda: responses.policy_list(self.env, with_plans),
        )

    def _policy(self, request: Request, policy_id: str) -> Response:
        policy = self.env.policy_by_id.get(int(policy_id))
        if policy is None:
            return error_response(404, f"Storage policy {policy_id} is not found.", 404)
        return json_response(200, responses.policy_detail(self.env, policy))

    def _copy(self, request: Request, policy_id: str, copy_id: str) -> Response:
        found = self.env.copy_by_id.get(int(copy_id))
        if found is None or found[0].policy_id != int(policy_id):
            return error_response(
                404, f"Copy {copy_id} of storage policy {policy_id} is not found.", 404
            )
        return json_response(200, responses.copy_detail(self.env, *found))

    def _pools(self, request: Request) -> Response:
        return self._cached(
            "pools", lambda: responses.pool_list(self.state()), evolving=True
        )

    def _pool(self, request: Request, pool_id: str) -> Response:
        state = self.state()
        pool = state.pool_by_id.get(int(pool_id))
        if pool is None:
            return error_response(404, f"Storage pool {pool_id} is not found.", 404)
        return json_response(200, responses.pool_detail(state, pool))

    def _media_agents(self, api: str) -> Callable[[Request], Response]:
        builders = {
            "v2": responses.media_agents_v2,
            "v4": responses.media_agents_v4,
            "legacy": responses.media_agents_legacy,
        }

        def handler(request: Request) -> Response:
            if api != self.media_agent_api:
                return error_response(404, f"{request.path} is not available.", 404)
            return self._cached(
                f"media_agents:{api}",
                lambda: builders[api](self.state()),
                evolving=True,
            )

        return handler

    def _qcommand(self, request: Request) -> Response:
        body = request.json()
        state = self.state()
        if isinstance(body, dict) and "EVGui_DDBEnginesReq" in body:
            return self._cached(
                "engines", lambda: responses.ddb_engines(state), evolving=True
            )
        if isinstance(body, dict) and isinstance(
            body.get("EVGui_SubStoreListReq"), dict
        ):
            store_id = body["EVGui_SubStoreListReq"].get("storeId")
            store = (
                state.store_by_id.get(store_id) if isinstance(store_id, int) else None
            )
            if store is None:
                return error_response(
                    404,
                    f"DDB store {store_id!r} is not found: give a storeId from engines[].",
                    404,
                )
            return json_response(200, responses.substores(state, store))
        return error_response(
            400,
            "Unsupported QCommand: send EVGui_DDBEnginesReq or EVGui_SubStoreListReq.",
            400,
        )

    def _ddb_information(self, request: Request, store_id: str) -> Response:
        state = self.state()
        store = state.store_by_id.get(int(store_id))
        if store is None:
            return error_response(404, f"DDB store {store_id} is not found.", 404)
        return json_response(
            200, responses.ddb_information(state, store, self.clock.now())
        )

    # Jobs ---------------------------------------------------------------------

    def _job_list(self, request: Request) -> Response:
        try:
            query = parse_job_query(request.params(), self.clock.now())
            limit, offset = parse_paging(request.headers)
        except QueryError as error:
            return error_response(400, str(error), 400)

        total = self.jobs.total(query)
        page_offset = offset
        if self.faults.take("truncate_pages", request.path, offset) is not None:
            return self._job_page(total, [])
        if self.faults.take("repeat_page", request.path, offset) is not None:
            page_offset = max(0, offset - limit)
        return self._job_page(total, self.jobs.page(query, page_offset, limit))

    def _job_page(self, total: int, jobs: list[dict[str, Any]]) -> Response:
        payload = {
            "totalRecordsWithoutPaging": total,
            "jobs": [{"jobSummary": job} for job in jobs],
        }
        return json_response(200, payload)

    def _job(self, request: Request, job_id: str) -> Response:
        job = self.jobs.get(int(job_id), self.clock.now())
        return self._job_page(1 if job else 0, [job] if job else [])

    def _copy_job_list(self, request: Request, copy_id: str) -> Response:
        found = self.env.copy_by_id.get(int(copy_id))
        if found is None:
            return error_response(
                404, f"Backup destination (copy) {copy_id} is not found.", 404
            )

        # The list is computed as of the start of the current minute (see copyjobs).
        now = self.clock.now()
        now -= now % 60
        try:
            query = parse_copy_job_query(request.params(), now)
            limit, offset = parse_paging(request.headers)
        except (CopyJobQueryError, QueryError) as error:
            return error_response(400, str(error), 400)

        policy, copy = found
        total, rows = self.copy_jobs.page(policy, copy, query, now, offset, limit)
        return json_response(200, {"totalRecordsWithoutPaging": total, "jobs": rows})

    # Summary ------------------------------------------------------------------

    def summary(self, params: dict[str, str]) -> dict[str, Any]:
        """Return counts of the environment and of the jobs a `GET /Job` would list."""
        env = self.state()
        query = parse_job_query(params, self.clock.now())
        return {
            "commcell": env.name,
            "now": self.clock.now(),
            "clients": len(env.clients) + 1,
            "backup_clients": len(env.clients),
            "clients_with_jobs": sum(1 for client in env.clients if client.has_jobs),
            "plans": len(env.plans),
            "storage_policies": len(env.policies),
            "copies": env.copy_count(),
            "storage_pools": len(env.pools),
            "media_agents": len(env.media_agents),
            "media_agents_offline": sum(1 for ma in env.media_agents if not ma.online),
            "ddb_stores": len(env.ddb_stores),
            "ddb_partitions": sum(len(store.partitions) for store in env.ddb_stores),
            "jobs": self.jobs.total(query),
            "job_query": {
                "completedJobLookupTime": query.now - query.window_start,
                "jobFilter": sorted(query.kinds),
                "jobCategory": query.category,
            },
            "media_agent_api": self.media_agent_api,
            "tls_certificate": self.tls_certificate,
        }


def split_api_path(raw_path: str) -> tuple[str, str, str] | None:
    """Split `/webconsole/api/<rest>?<query>` into (decoded, raw, query), or None."""
    path, _, query = raw_path.partition("?")
    if path.lower() != API_BASE and not path.lower().startswith(API_BASE + "/"):
        return None
    raw = path[len(API_BASE) :] or "/"
    return unquote(raw), raw, query
