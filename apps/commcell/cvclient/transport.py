"""HTTP plumbing for the CommServe client: URL and TLS checks, retries with backoff.

`RetryingSender` sends one request and retries connection errors, timeouts, HTTP 5xx
and HTTP 429. It does not handle sessions, so the client handles HTTP 401 on top of it.
"""

import email.utils
import ipaddress
import logging
import random
import ssl
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from .errors import CommServeUnreachable, ServerError, TLSVerificationError

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 10.0
# Upper bounds on one wait between attempts: exponential backoff, and Retry-After.
MAX_BACKOFF_SECONDS = 30.0
MAX_RETRY_AFTER_SECONDS = 60.0
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def validate_base_url(base_url: str) -> httpx.URL:
    """Return `base_url` as a URL, or raise ValueError explaining what to change.

    Only https is accepted, except plain http to a loopback host (a local simulator),
    because the password and session token travel in every request.
    """
    text = base_url.strip()
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise ValueError(f"CommServe URL {text!r} is invalid: {exc}.") from exc

    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(
            f"CommServe URL {text!r} is invalid: use https://<host>/webconsole/api "
            "or https://<host>/commandcenter/api."
        )
    if url.userinfo:
        raise ValueError(
            "CommServe URL must not contain a user name or password; save them in "
            "the CommCell's user name and password fields instead."
        )
    if url.scheme == "http" and not is_loopback(url.host):
        raise ValueError(
            f"CommServe URL {text!r} uses plain http, which would send the password "
            f"and session token unencrypted. Use https://{url.netloc.decode()}"
            f"{url.path} instead."
        )
    return url.copy_with(query=None, fragment=None)


def tls_verification(verify: bool | str) -> ssl.SSLContext | bool:
    """Build the TLS setting for httpx from a CommCell's verify flag or CA bundle path.

    True checks the certificate against the operating system's trust store, a path
    against that CA bundle (a PEM file or a directory of hashed certificates), and
    False turns verification off.
    """
    if verify is False:
        return False
    if verify is True or verify == "":
        return ssl.create_default_context()

    path = Path(verify)
    if not path.exists():
        raise ValueError(
            f"CA bundle {verify!r} does not exist. Set the CA bundle path of the "
            "CommCell to a PEM file that contains the CommServe's CA certificate."
        )
    try:
        if path.is_dir():
            return ssl.create_default_context(capath=str(path))
        return ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError) as exc:
        raise ValueError(
            f"CA bundle {verify!r} could not be read as PEM certificates ({exc}). "
            "Set the CA bundle path of the CommCell to a valid PEM file."
        ) from exc


def certificate_error(exc: BaseException) -> ssl.SSLError | None:
    """Return the ssl error behind an httpx connection error, if there is one."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def retry_after_seconds(value: str | None) -> float | None:
    """Parse a Retry-After header (seconds or an HTTP date), capped."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - datetime.now(tz=UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


class RetryingSender:
    """Send requests through one httpx.Client, retrying transient failures."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        max_retries: int,
        backoff_seconds: float,
        log_context: str,
        read_timeout: float,
    ) -> None:
        self.http = http
        self.max_retries = max(0, max_retries)
        self.backoff_seconds = max(0.0, backoff_seconds)
        self.log_context = log_context
        self.read_timeout = read_timeout

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1-based), with jitter."""
        ceiling = min(MAX_BACKOFF_SECONDS, self.backoff_seconds * 2 ** (retry - 1))
        return random.uniform(ceiling / 2, ceiling)

    def send(self, request: httpx.Request, where: str) -> httpx.Response:
        """Send `request`, retrying up to `max_retries` times; `where` names it in
        messages. Raises TLSVerificationError, CommServeUnreachable or ServerError."""
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            logger.debug("%s: %s (attempt %d)", self.log_context, where, attempt)
            try:
                response = self.http.send(request)
            except httpx.TransportError as exc:
                self._raise_if_tls(exc, where)
                if attempt == attempts:
                    raise self._unreachable(exc, where, attempts) from exc
                self._wait(attempt, where, describe_transport_error(exc), None)
                continue

            if response.status_code == 429 or response.status_code >= 500:
                if attempt == attempts:
                    raise self._server_error(response, where, attempts)
                delay = retry_after_seconds(response.headers.get("Retry-After"))
                self._wait(attempt, where, f"HTTP {response.status_code}", delay)
                response.close()
                continue
            return response
        raise AssertionError("unreachable: the loop returns or raises")

    def _wait(
        self, attempt: int, where: str, reason: str, retry_after: float | None
    ) -> None:
        delay = self.backoff(attempt) if retry_after is None else retry_after
        logger.warning(
            "%s: %s failed (%s); retry %d of %d in %.2f s",
            self.log_context,
            where,
            reason,
            attempt,
            self.max_retries,
            delay,
        )
        time.sleep(delay)

    def _raise_if_tls(self, exc: httpx.TransportError, where: str) -> None:
        tls_error = certificate_error(exc)
        if tls_error is None:
            return
        if isinstance(tls_error, ssl.SSLCertVerificationError):
            raise TLSVerificationError(
                f"{where}: the CommServe's TLS certificate failed verification "
                f"({tls_error.verify_message or tls_error.reason}). Set the CA bundle "
                "path on the CommCell to the CA that signed the certificate, or fix "
                "the certificate (host name, expiry, chain) on the CommServe."
            ) from exc
        raise TLSVerificationError(
            f"{where}: the TLS handshake failed ({tls_error.reason or tls_error}). "
            "Check that the URL names the CommServe's https port."
        ) from exc

    def _unreachable(
        self, exc: httpx.TransportError, where: str, attempts: int
    ) -> CommServeUnreachable:
        if isinstance(exc, httpx.TimeoutException):
            return CommServeUnreachable(
                f"{where}: timed out on all {attempts} attempts "
                f"({describe_transport_error(exc)}; connect timeout "
                f"{CONNECT_TIMEOUT_SECONDS:g} s, read timeout {self.read_timeout:g} s). "
                "Check that the CommServe is up, or raise the CommCell's timeout."
            )
        return CommServeUnreachable(
            f"{where}: could not connect on all {attempts} attempts "
            f"({describe_transport_error(exc)}). Check that the CommServe web server "
            "is running and that this host can reach it."
        )

    def _server_error(
        self, response: httpx.Response, where: str, attempts: int
    ) -> ServerError:
        status = response.status_code
        response.close()
        if status == 429:
            return ServerError(
                f"{where}: the CommServe returned HTTP 429 Too Many Requests on all "
                f"{attempts} attempts. Run fewer collections at once, or try later."
            )
        return ServerError(
            f"{where}: the CommServe returned HTTP {status} on all {attempts} "
            "attempts. Check the CommServe web server's logs, then try again."
        )


def describe_transport_error(exc: httpx.TransportError) -> str:
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {text}" if text else name
