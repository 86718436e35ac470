"""CommServeClient: the calls the collector makes to one CommServe over REST.

One instance owns one httpx connection pool and one session. It logs in on first use,
renews the session on HTTP 401, and retries transient failures (see `transport`).
Responses are decoded with orjson and parsed into `records`.
"""

import dataclasses
import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
import orjson

from . import bodies
from .errors import (
    APIError,
    AuthenticationError,
    MalformedResponse,
    NotFoundError,
)
from .job_parsers import (
    is_data_aging,
    is_visible,
    job_row_id,
    parse_copy_job,
    parse_job,
)
from .paging import JobListingCheck
from .parsers import (
    parse_clients,
    parse_commserve,
    parse_plans,
    parse_storage_policies,
    parse_storage_policy_copies,
    rows,
)
from .records import (
    ClientRecord,
    CommServeInfo,
    CopyJobPage,
    CopyRecord,
    DDBStoreRecord,
    JobPage,
    MediaAgentRecord,
    PlanRecord,
    StoragePolicyRecord,
    StoragePoolRecord,
)
from .responses import (
    parse_login_response,
    parse_renew_response,
    raise_for_error,
    require_keys,
    with_token_prefix,
)
from .storage_parsers import (
    parse_ddb_engines,
    parse_ddb_information,
    parse_ddb_partitions,
    parse_media_agents,
    parse_storage_pools,
)
from .transport import (
    CONNECT_TIMEOUT_SECONDS,
    RetryingSender,
    tls_verification,
    validate_base_url,
)
from .values import as_int, as_list, as_str, dig, excerpt, mapping

logger = logging.getLogger(__name__)

RecordT = TypeVar("RecordT")

# MediaAgent lists from the richest to the plainest; older CommServes lack the first.
MEDIA_AGENT_PATHS = ("/V2/MediaAgents", "/V4/mediaAgent", "/MediaAgent")
# The CommCell id EVGui_SubStoreListReq uses when GET /CommServ gives none.
DEFAULT_COMMCELL_ID = 2


class CommServeClient:
    """A session with one CommServe's REST API.

    Give either `username` and `password`, or `token` (a QSDK session token; the
    "QSDK " prefix is added when missing). `verify` is True, False or a CA bundle path.
    """

    def __init__(
        self,
        base_url: str,
        *,
        username: str = "",
        password: str = "",
        token: str = "",
        verify: bool | str = True,
        timeout: float = 60.0,
        max_retries: int = 4,
        backoff_seconds: float = 0.5,
        device_id: str | None = None,
        log_context: str = "",
    ) -> None:
        url = validate_base_url(base_url)
        self.base_url = str(url).rstrip("/")
        self.username = username
        self._password = password
        self._configured_token = token.strip()
        self.device_id = device_id or str(uuid.uuid4())
        self.log_context = log_context or f"commserve={url.host}"
        self._token: str | None = None
        self._commserve: CommServeInfo | None = None

        self._http = httpx.Client(
            base_url=self.base_url + "/",
            verify=tls_verification(verify),
            timeout=httpx.Timeout(timeout, connect=CONNECT_TIMEOUT_SECONDS),
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )
        self._sender = RetryingSender(
            self._http,
            max_retries=max_retries,
            backoff_seconds=backoff_seconds,
            log_context=self.log_context,
            read_timeout=timeout,
        )

    def __repr__(self) -> str:
        return f"<CommServeClient {self.base_url} user={self.username!r}>"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # Session

    def login(self) -> None:
        """Start a session: POST /Login with the password, or adopt the given token."""
        if self._configured_token:
            self._token = with_token_prefix(self._configured_token)
            return
        if not self.username or not self._password:
            raise AuthenticationError(
                f"{self.base_url}: no user name and password or token is set. Save "
                "the credentials of a CommCell user on the CommCell."
            )

        body = bodies.login_body(self.username, self._password, self.device_id)
        response = self._send("POST", "/Login", json_body=body)
        where = self._where("POST", "/Login")
        if response.status_code in (401, 403):
            raise AuthenticationError(
                f"{where}: login as {self.username!r} was rejected with HTTP "
                f"{response.status_code}. Check the user name and password saved "
                "for this CommCell."
            )
        payload = self._decode(response, where, check_errors=False)
        try:
            self._token = parse_login_response(payload, self.username)
        except AuthenticationError as exc:
            raise AuthenticationError(f"{where}: {exc}") from exc
        logger.info("%s: logged in as %s", self.log_context, self.username)

    def _renew_session(self) -> None:
        """Renew the session after HTTP 401: RenewLoginToken, else log in again."""
        where = self._where("POST", "/RenewLoginToken")
        if self._token:
            logger.warning("%s: session rejected, renewing the token", self.log_context)
            body = bodies.renew_body(self._token, self.device_id)
            try:
                response = self._send("POST", "/RenewLoginToken", json_body=body)
                if response.status_code == 200:
                    payload = self._decode(response, where, check_errors=False)
                    self._token = parse_renew_response(payload)
                    return
                reason = f"HTTP {response.status_code}"
            except (AuthenticationError, APIError, MalformedResponse) as exc:
                reason = str(exc)
            logger.warning(
                "%s: renewing the session token failed (%s)", self.log_context, reason
            )

        if self._configured_token or not self._password:
            raise AuthenticationError(
                f"{where}: the CommServe rejected the session token and renewing it "
                "failed. Create a new token for the CommCell user and save it on the "
                "CommCell."
            )
        logger.warning("%s: logging in again", self.log_context)
        self._token = None
        self.login()

    # Requests

    def _where(self, method: str, path: str) -> str:
        return f"{method} {self.base_url}{path}"

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
    ) -> httpx.Response:
        request_headers = dict(headers or {})
        content = None
        if json_body is not None:
            content = orjson.dumps(json_body)
            request_headers["Content-Type"] = "application/json"
        if self._token:
            request_headers["Authtoken"] = self._token
        request = self._http.build_request(
            method,
            path.lstrip("/"),
            params=params,
            headers=request_headers,
            content=content,
        )
        return self._sender.send(request, self._where(method, path))

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
    ) -> dict[str, Any]:
        """Send an authenticated request and return its decoded JSON object."""
        if self._token is None:
            self.login()
        where = self._where(method, path)
        response = self._send(
            method, path, params=params, headers=headers, json_body=json_body
        )
        if response.status_code == 401:
            response.close()
            self._renew_session()
            response = self._send(
                method, path, params=params, headers=headers, json_body=json_body
            )
            if response.status_code == 401:
                raise AuthenticationError(
                    f"{where}: the CommServe still returned HTTP 401 after the "
                    "session was renewed. Check that the CommCell user may use the "
                    "REST API and is not locked."
                )
        return self._decode(response, where)

    def _decode(
        self, response: httpx.Response, where: str, *, check_errors: bool = True
    ) -> dict[str, Any]:
        """Return the JSON object of a 2xx response; raise for anything else."""
        status = response.status_code
        body = excerpt(response.content, secrets=self._secrets())
        if status == 404:
            raise NotFoundError(
                f"{where}: HTTP 404 Not Found. This CommServe version lacks the "
                "endpoint, or the object no longer exists.",
                status_code=status,
            )
        if status == 403:
            raise APIError(
                f"{where}: HTTP 403 Forbidden. Give the CommCell user View "
                "permission on the CommCell.",
                status_code=status,
            )
        if 300 <= status < 400:
            location = response.headers.get("Location", "")
            raise APIError(
                f"{where}: HTTP {status} redirect to {location!r}, which the client "
                "does not follow. Set the CommCell's base URL to the REST API itself.",
                status_code=status,
            )
        if status >= 400:
            raise APIError(f"{where}: HTTP {status}: {body}", status_code=status)

        try:
            payload = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            content_type = response.headers.get("Content-Type", "none")
            raise MalformedResponse(
                f"{where}: the response is not JSON (Content-Type {content_type}): "
                f"{body!r}. Check that the base URL points at the REST API, such as "
                "https://<host>/webconsole/api."
            ) from None
        if not isinstance(payload, dict):
            raise MalformedResponse(f"{where}: expected a JSON object, got {body!r}.")
        if check_errors:
            raise_for_error(payload, where)
        return payload

    def _secrets(self) -> tuple[str, ...]:
        secrets = [self._password, self._configured_token, self._token or ""]
        if self._password:
            secrets.append(bodies.login_body("", self._password, "")["password"])
        return tuple(secret for secret in secrets if secret)

    def _require(
        self,
        payload: Mapping[str, Any],
        keys: tuple[str, ...],
        where: str,
        *,
        may_be_empty: bool,
    ) -> None:
        require_keys(
            payload, keys, where, may_be_empty=may_be_empty, secrets=self._secrets()
        )

    def _parse(self, where: str, parser: Callable[..., RecordT], *args: Any) -> RecordT:
        """Run a parser, adding `where` to the MalformedResponse it raises."""
        try:
            return parser(*args)
        except MalformedResponse as exc:
            raise MalformedResponse(f"{where}: {exc}") from exc

    def _get(
        self,
        path: str,
        keys: tuple[str, ...],
        *,
        may_be_empty: bool,
        params: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, Any], str]:
        where = self._where("GET", path)
        payload = self._call("GET", path, params=params)
        self._require(payload, keys, where, may_be_empty=may_be_empty)
        return payload, where

    # Inventory

    def get_commserve(self) -> CommServeInfo:
        """GET /CommServ: the CommServe's name, CommCell id and version."""
        payload, where = self._get("/CommServ", ("commcell",), may_be_empty=False)
        self._commserve = self._parse(where, parse_commserve, payload)
        return self._commserve

    def list_clients(self) -> list[ClientRecord]:
        """GET /Client. Every CommCell has at least the CommServe's own client."""
        payload, where = self._get("/Client", ("clientProperties",), may_be_empty=False)
        return self._parse(where, parse_clients, payload)

    def list_plans(self) -> list[PlanRecord]:
        """GET /V2/Plan: plans with their copies, retention days and cycles."""
        payload, where = self._get("/V2/Plan", ("plans",), may_be_empty=True)
        return self._parse(where, parse_plans, payload)

    def list_storage_policies(self) -> list[StoragePolicyRecord]:
        """GET /V2/StoragePolicy?propertyLevel=20, which adds each policy's plans."""
        payload, where = self._get(
            "/V2/StoragePolicy",
            ("policies",),
            may_be_empty=False,
            params={"propertyLevel": 20},
        )
        return self._parse(where, parse_storage_policies, payload)

    def list_copies(self, storage_policy_cv_id: int) -> list[CopyRecord]:
        """GET /V2/StoragePolicy/{id}?propertyLevel=10: the policy's copies."""
        payload, where = self._get(
            f"/V2/StoragePolicy/{int(storage_policy_cv_id)}",
            ("policies",),
            may_be_empty=False,
            params={"propertyLevel": 10},
        )
        return self._parse(
            where, parse_storage_policy_copies, payload, storage_policy_cv_id
        )

    def get_client(self, client_cv_id: int) -> ClientRecord:
        """GET /Client/{id}: one client with its detail, such as its data aging flag."""
        path = f"/Client/{int(client_cv_id)}"
        payload, where = self._get(path, ("clientProperties",), may_be_empty=False)
        return self._parse(where, parse_clients, payload)[0]

    def get_client_time_zone(self, client_cv_id: int) -> str:
        """GET /Client/{id}: the client's time zone name, "" when it reports none."""
        path = f"/Client/{int(client_cv_id)}"
        payload, where = self._get(path, ("clientProperties",), may_be_empty=False)
        properties = as_list(payload.get("clientProperties"))
        return as_str(dig(mapping(properties[0]), "client", "TimeZone", "TimeZoneName"))

    def list_storage_pools(self) -> list[StoragePoolRecord]:
        """GET /StoragePool."""
        payload, where = self._get(
            "/StoragePool", ("storagePoolList",), may_be_empty=True
        )
        return self._parse(where, parse_storage_pools, payload)

    def list_media_agents(self) -> list[MediaAgentRecord]:
        """List MediaAgents from the first of MEDIA_AGENT_PATHS this CommServe has."""
        keys = ("mediaAgentList", "mediaAgents", "response")
        for path in MEDIA_AGENT_PATHS:
            try:
                payload, where = self._get(path, keys, may_be_empty=True)
            except NotFoundError:
                if path == MEDIA_AGENT_PATHS[-1]:
                    raise
                logger.info(
                    "%s: GET %s returned 404, trying the next MediaAgent list",
                    self.log_context,
                    path,
                )
                continue
            return self._parse(where, parse_media_agents, payload)
        raise AssertionError("unreachable: the loop returns or raises")

    def list_ddb_stores(self) -> list[DDBStoreRecord]:
        """List DDB stores (QCommand EVGui_DDBEnginesReq) with their partitions
        (EVGui_SubStoreListReq) and usage (GET /DDBInformation/{id})."""
        where = self._where("POST", bodies.QCOMMAND_PATH)
        payload = self._call(
            "POST", bodies.QCOMMAND_PATH, json_body=bodies.ddb_engines_body()
        )
        self._require(payload, ("engines",), where, may_be_empty=True)
        stores = self._parse(where, parse_ddb_engines, payload)
        return [self._complete_store(store) for store in stores]

    def _complete_store(self, store: DDBStoreRecord) -> DDBStoreRecord:
        where = self._where("POST", bodies.QCOMMAND_PATH)
        body = bodies.substore_list_body(self._commcell_id(), store.cv_id)
        payload = self._call("POST", bodies.QCOMMAND_PATH, json_body=body)
        self._require(payload, ("subStoreList",), where, may_be_empty=True)
        partitions = self._parse(where, parse_ddb_partitions, payload)
        store = dataclasses.replace(store, partitions=tuple(partitions))

        path = f"/DDBInformation/{store.cv_id}"
        try:
            payload = self._call("GET", path)
        except NotFoundError:
            logger.warning(
                "%s: GET %s returned 404; DDB store %s has no usage figures",
                self.log_context,
                path,
                store.cv_id,
            )
            return store
        where = self._where("GET", path)
        self._require(
            payload, ("SubStoreList", "subStoreList"), where, may_be_empty=True
        )
        usage = self._parse(where, parse_ddb_information, payload)
        return dataclasses.replace(
            store,
            primary_records=usage.primary_records,
            free_disk_space_mb=usage.free_disk_space_mb,
            pending_deletes=usage.pending_deletes,
            partitions_offline=usage.partitions_offline,
            last_backup_at=usage.last_backup_at,
        )

    def _commcell_id(self) -> int:
        if self._commserve is None:
            self.get_commserve()
        assert self._commserve is not None
        return self._commserve.cv_id or DEFAULT_COMMCELL_ID

    # Jobs

    def iter_job_pages(
        self,
        *,
        lookback_seconds: int,
        page_size: int = 1000,
        job_filter: str = "Backup,SYNTHFULL",
        category: str = "All",
    ) -> Iterator[JobPage]:
        """Yield GET /Job page by page, paged by the `limit` and `offset` headers.

        Jobs that completed within `lookback_seconds` are listed; hidden rows
        (isVisible false) are left out. Raises PagingError, after yielding the good
        pages, when a page repeats earlier ids or the listing ends before its total.
        """
        if lookback_seconds <= 0 or page_size <= 0:
            raise ValueError(
                f"lookback_seconds ({lookback_seconds}) and page_size ({page_size}) "
                "must be positive."
            )
        params = {
            "completedJobLookupTime": int(lookback_seconds),
            "jobCategory": category,
            "jobFilter": job_filter,
        }
        check = JobListingCheck(page_size, request=self._where("GET", "/Job"))
        offset = 0
        while True:
            page, row_count = self._job_page(params, offset, page_size, check)
            if row_count == 0:
                # An empty page ends the listing: check.is_finished raises if early.
                check.is_finished(offset, row_count, page.total)
                if offset == 0:
                    yield page
                return
            yield page
            if check.is_finished(offset, row_count, page.total):
                return
            offset += row_count

    def iter_data_aging_pages(
        self, *, lookback_seconds: int, page_size: int = 1000
    ) -> Iterator[JobPage]:
        """Yield GET /Job pages of every job type, each keeping only its Data Aging jobs.

        `total` of each page still counts jobs of every type, for progress.
        """
        # NOTE: no public source names the jobFilter token of data aging jobs, so the
        # request lists every type (an empty jobFilter) and filters here. On a large
        # CommServe this reads every backup job of the window a second time.
        pages = self.iter_job_pages(
            lookback_seconds=lookback_seconds, page_size=page_size, job_filter=""
        )
        for page in pages:
            aging = [job for job in page.jobs if is_data_aging(job)]
            yield dataclasses.replace(page, jobs=aging)

    def iter_copy_job_pages(
        self,
        copy_cv_id: int,
        *,
        start_time: int,
        end_time: int,
        aged_data: int = 0,
        page_size: int = 1000,
    ) -> Iterator[CopyJobPage]:
        """Yield GET /V4/Plan/BackupDestination/{copyId}/Jobs page by page.

        Lists the jobs on the copy that started within [start_time, end_time] (Unix
        seconds); `aged_data` 0 leaves aged jobs out, 1 lists only aged jobs, 2 both.
        Raises PagingError, after yielding the good pages, when a page repeats
        earlier ids or the listing ends before its total.
        """
        # NOTE: the OpenAPI spec names no paging parameters for this request. The
        # client pages by the `limit` and `offset` headers, as GET /Job does, and
        # reads totalRecordsWithoutPaging; both are unverified for this endpoint.
        if page_size <= 0 or aged_data not in (0, 1, 2):
            raise ValueError(
                f"page_size ({page_size}) must be positive and aged_data "
                f"({aged_data}) 0, 1 or 2."
            )
        path = f"/V4/Plan/BackupDestination/{int(copy_cv_id)}/Jobs"
        params = {
            "view": "custom",
            "startTime": int(start_time),
            "endTime": int(end_time),
            "agedData": aged_data,
        }
        check = JobListingCheck(page_size, request=self._where("GET", path))
        offset = 0
        while True:
            page, row_count = self._copy_job_page(path, params, offset, page_size)
            check.check_page(offset, [job.job_id for job in page.jobs], page.total)
            if row_count == 0:
                check.is_finished(offset, row_count, page.total)
                return
            yield page
            if check.is_finished(offset, row_count, page.total):
                return
            offset += row_count

    def _copy_job_page(
        self, path: str, params: Mapping[str, Any], offset: int, page_size: int
    ) -> tuple[CopyJobPage, int]:
        where = self._where("GET", path)
        headers = {"limit": str(page_size), "offset": str(offset)}
        payload = self._call("GET", path, params=params, headers=headers)
        self._require(
            payload, ("totalRecordsWithoutPaging",), where, may_be_empty=False
        )
        total = as_int(payload["totalRecordsWithoutPaging"])
        if total is None or total < 0:
            raise MalformedResponse(
                f"{where}: totalRecordsWithoutPaging is "
                f"{excerpt(payload['totalRecordsWithoutPaging'])!r}, not a count."
            )
        job_rows = rows(payload, "jobs")
        jobs = [self._parse(where, parse_copy_job, row) for row in job_rows]
        return CopyJobPage(jobs=jobs, offset=offset, total=total), len(job_rows)

    def _job_page(
        self,
        params: Mapping[str, Any],
        offset: int,
        page_size: int,
        check: JobListingCheck,
    ) -> tuple[JobPage, int]:
        where = self._where("GET", "/Job")
        headers = {"limit": str(page_size), "offset": str(offset)}
        payload = self._call("GET", "/Job", params=params, headers=headers)
        self._require(
            payload, ("totalRecordsWithoutPaging",), where, may_be_empty=False
        )
        total = as_int(payload["totalRecordsWithoutPaging"])
        if total is None or total < 0:
            raise MalformedResponse(
                f"{where}: totalRecordsWithoutPaging is "
                f"{excerpt(payload['totalRecordsWithoutPaging'])!r}, not a count."
            )

        job_rows = rows(payload, "jobs")
        ids = [job_row_id(row) for row in job_rows]
        check.check_page(offset, [job_id for job_id in ids if job_id], total)
        jobs = []
        for row in job_rows:
            job = self._parse(where, parse_job, row)
            if job is not None:
                jobs.append(job)
            elif is_visible(row):
                logger.debug(
                    "%s: job %s has not started, left out",
                    self.log_context,
                    job_row_id(row),
                )
        logger.debug(
            "%s: job page at offset %d: %d rows, %d kept, total %d",
            self.log_context,
            offset,
            len(job_rows),
            len(jobs),
            total,
        )
        return JobPage(jobs=jobs, offset=offset, total=total), len(job_rows)
