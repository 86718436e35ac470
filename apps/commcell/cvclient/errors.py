"""Errors the CommServe client raises. Each message names the CommServe URL and the fix."""


class CommServeError(Exception):
    """Base class: a call to the CommServe failed."""

    retryable = False


class AuthenticationError(CommServeError):
    """Login was rejected (wrong user name or password, locked account, bad token)."""


class CommServeUnreachable(CommServeError):
    """No connection could be made, or the request timed out, after all retries."""

    retryable = True


class TLSVerificationError(CommServeError):
    """The CommServe's certificate failed verification."""


class ServerError(CommServeError):
    """The CommServe kept returning 5xx or 429 after all retries."""

    retryable = True


class MalformedResponse(CommServeError):
    """The response was not JSON, or lacked the fields its endpoint always has."""


class PagingError(CommServeError):
    """A paged list repeated a page or returned fewer rows than it announced."""


class APIError(CommServeError):
    """The CommServe rejected a request with an HTTP 4xx status or an error code."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error_code = error_code


class NotFoundError(APIError):
    """HTTP 404: this CommServe version lacks the endpoint, or the object is gone."""
