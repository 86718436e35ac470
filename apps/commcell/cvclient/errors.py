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
    """The CommServe kept answering 5xx or 429 after all retries."""

    retryable = True


class MalformedResponse(CommServeError):
    """The response was not JSON, or lacked the fields its endpoint always has."""


class PagingError(CommServeError):
    """A paged list repeated a page or returned fewer rows than it announced."""
