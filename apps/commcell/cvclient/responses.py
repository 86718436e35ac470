"""Parsers for responses that report success or failure: login, token renewal, error
envelopes and POST /CreateTask.

Error messages here name the problem and the fix; the client adds the CommServe URL.
"""

from collections.abc import Mapping
from typing import Any

from .errors import APIError, AuthenticationError, MalformedResponse
from .records import CreateTaskResult
from .values import (
    as_bool,
    as_int,
    as_list,
    as_str,
    dig,
    excerpt,
    mapping,
    positive_id,
)

TOKEN_PREFIX = "QSDK "

# Keys a response may carry besides its data: an empty list can come back as only these.
ENVELOPE_KEYS = frozenset(
    {"error", "errorCode", "errorMessage", "errList", "processinginstructioninfo"}
)


def with_token_prefix(token: str) -> str:
    """Return the token as the Authtoken header needs it, with the "QSDK " prefix."""
    token = token.strip()
    if token.upper().startswith(TOKEN_PREFIX):
        return TOKEN_PREFIX + token[len(TOKEN_PREFIX) :].strip()
    return TOKEN_PREFIX + token


def parse_login_response(payload: Mapping[str, Any], username: str = "") -> str:
    """Return the session token of POST /Login, or raise AuthenticationError.

    A rejected login is HTTP 200 without `token`, with the reason in
    `errList[0].errLogMessage` and the lock state in `isAccountLocked` and
    `remainingLockTime` (seconds).
    """
    token = as_str(payload.get("token"))
    if token:
        return with_token_prefix(token)

    errors = as_list(payload.get("errList"))
    first = mapping(errors[0]) if errors else {}
    reason = as_str(first.get("errLogMessage"))
    code = as_int(first.get("errorCode"))
    envelope = find_error(payload)
    if not reason and envelope is not None:
        code, reason = envelope
    reason = reason or "no token in the response"
    who = f" as {username!r}" if username else ""
    message = f"Login{who} was rejected: {reason}"
    if code is not None:
        message += f" (error code {code})"

    if as_bool(payload.get("isAccountLocked"), default=False):
        wait = as_int(payload.get("remainingLockTime")) or 0
        message += (
            f". The account is locked for another {wait} s. Wait for the lock to end "
            "or ask a Commvault administrator to unlock it."
        )
    else:
        message += ". Check the user name and password saved for this CommCell."
    raise AuthenticationError(message)


def parse_renew_response(payload: Mapping[str, Any]) -> str:
    """Return the new session token of POST /RenewLoginToken, or raise
    AuthenticationError when the CommServe did not renew it."""
    token = as_str(payload.get("token"))
    if token:
        return with_token_prefix(token)
    reason = as_str(dig(payload, "error", "errorMessage")) or "no token in the response"
    raise AuthenticationError(f"Renewing the session token failed: {reason}")


def parse_access_token_renewal(payload: Mapping[str, Any]) -> tuple[str, str]:
    """Return (access token, refresh token) of POST /V4/AccessToken/Renew."""
    access = as_str(payload.get("accessToken"))
    refresh = as_str(payload.get("refreshToken"))
    if not access or not refresh:
        keys = ", ".join(sorted(payload)) or "none"
        raise MalformedResponse(
            "The access token renewal response lacks accessToken or refreshToken "
            f"(keys present: {keys})."
        )
    return access, refresh


def _error_in(envelope: Any) -> tuple[int, str] | None:
    """Return (code, message) of a non-zero error object, else None."""
    code = as_int(dig(envelope, "errorCode"))
    if not code:
        return None
    message = (
        as_str(dig(envelope, "errorMessage"))
        or as_str(dig(envelope, "errorString"))
        or as_str(dig(envelope, "errLogMessage"))
    )
    return code, message


def find_error(payload: Any) -> tuple[int, str] | None:
    """Return (code, message) of the first non-zero error envelope in `payload`.

    Classic responses report errors as top-level `errorCode`/`errorMessage`, as
    `error{errorCode, errorMessage}`, or as `response[{errorCode, errorString}]`.
    """
    if not isinstance(payload, Mapping):
        return None
    candidates = [payload, payload.get("error"), *as_list(payload.get("response"))]
    for candidate in candidates:
        found = _error_in(candidate)
        if found is not None:
            return found
    return None


def raise_for_error(payload: Any, request: str = "") -> None:
    """Raise APIError when `payload` carries a non-zero error code."""
    found = find_error(payload)
    if found is None:
        return
    code, message = found
    where = f"{request} " if request else "The request "
    raise APIError(
        f"{where}was rejected by the CommServe with error code {code}: "
        f"{message or 'no message'}. Check that the CommCell user has permission "
        "for this request and that the object still exists.",
        error_code=code,
    )


def require_keys(
    payload: Mapping[str, Any],
    keys: tuple[str, ...],
    request: str,
    *,
    may_be_empty: bool,
    secrets: tuple[str, ...] = (),
) -> None:
    """Raise MalformedResponse unless `payload` has one of `keys`.

    With `may_be_empty`, a payload that has only error-envelope keys (or none) is an
    empty list, because classic responses leave out empty arrays. Any other payload
    without the key is rejected, so an unexpected shape is never read as "no objects".
    """
    if any(key in payload for key in keys):
        return
    if may_be_empty and set(payload) <= ENVELOPE_KEYS:
        return
    expected = " or ".join(repr(key) for key in keys)
    found = ", ".join(sorted(payload)) or "none"
    raise MalformedResponse(
        f"{request}: the response lacks {expected} (keys present: {found}): "
        f"{excerpt(payload, secrets=secrets)!r}. This CommServe version may return a "
        "shape the client does not know; report the excerpt."
    )


def parse_create_task(payload: Mapping[str, Any]) -> CreateTaskResult:
    """Parse POST /CreateTask; raises APIError for an error envelope."""
    raise_for_error(payload, "POST /CreateTask")
    ids = (positive_id(job_id) for job_id in as_list(payload.get("jobIds")))
    return CreateTaskResult(
        task_id=positive_id(payload.get("taskId")),
        job_ids=tuple(job_id for job_id in ids if job_id is not None),
    )
