"""Login sessions: QSDK tokens with an idle timeout, renewable with the same deviceId."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
from dataclasses import dataclass
from typing import Any

# Expired and revoked tokens stay renewable for this long, as a CommServe allows
# RenewLoginToken with an expired session.
RENEWABLE_FOR_SECONDS = 24 * 3600


@dataclass
class Session:
    token: str
    username: str
    device_id: str
    last_used: float
    revoked: bool = False


class LoginError(ValueError):
    """A login or renewal was rejected; the message is safe to return."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class TokenStore:
    def __init__(self, username: str, password: str, idle_seconds: int) -> None:
        self.username = username
        self._password = password
        self.idle_seconds = idle_seconds
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self._revoke_after: int | None = None

    def login(self, body: Any, now: float, force_failure: bool) -> Session:
        """Check a `POST /Login` body and open a session, raising LoginError."""
        if not isinstance(body, dict):
            raise LoginError(1, "Login body must be a JSON object.")
        username = body.get("username")
        encoded = body.get("password")
        if not isinstance(username, str) or not isinstance(encoded, str):
            raise LoginError(
                1, "Login body needs username and password (base64 of the UTF-8 text)."
            )
        try:
            password = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise LoginError(
                5, "Invalid username or password (password must be base64)."
            ) from None

        valid = hmac.compare_digest(username, self.username) and hmac.compare_digest(
            password.encode(), self._password.encode()
        )
        if force_failure or not valid:
            raise LoginError(5, "Invalid username or password")

        device_id = body.get("deviceId")
        return self._open(
            username, device_id if isinstance(device_id, str) else "", now
        )

    def _open(self, username: str, device_id: str, now: float) -> Session:
        token = "QSDK " + secrets.token_hex(40)
        session = Session(token, username, device_id, now)
        with self._lock:
            self._purge(now)
            self._sessions[token] = session
        return session

    def _purge(self, now: float) -> None:
        horizon = now - self.idle_seconds - RENEWABLE_FOR_SECONDS
        stale = [t for t, s in self._sessions.items() if s.last_used < horizon]
        for token in stale:
            del self._sessions[token]

    def _is_valid(self, session: Session, now: float) -> bool:
        return not session.revoked and now - session.last_used <= self.idle_seconds

    def authenticate(self, token: str | None, now: float) -> Session | None:
        """Return the live session for an Authtoken header and mark it used."""
        if not token:
            return None
        with self._lock:
            if self._revoke_after is not None:
                self._revoke_after -= 1
                if self._revoke_after < 0:
                    self._revoke_all_locked()
                    self._revoke_after = None
            session = self._sessions.get(token)
            if session is None or not self._is_valid(session, now):
                return None
            session.last_used = now
            return session

    def renew(self, body: Any, now: float) -> Session:
        """Swap a current or expired token for a new one, raising LoginError."""
        if not isinstance(body, dict) or not isinstance(body.get("sessionId"), str):
            raise LoginError(1, "RenewLoginToken body needs sessionId (the token).")
        token = body["sessionId"]
        if not token.startswith("QSDK "):
            token = "QSDK " + token
        device_id = body.get("deviceId")
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                raise LoginError(
                    1, "Session is unknown or too old to renew: log in again."
                )
            if device_id != session.device_id:
                raise LoginError(
                    1,
                    "deviceId does not match the one sent at login: "
                    "send the same deviceId or log in again.",
                )
            del self._sessions[token]
        return self._open(session.username, session.device_id, now)

    def revoke_all(self, after_requests: int | None = None) -> None:
        """Invalidate every current token now, or after that many authenticated calls."""
        with self._lock:
            if after_requests:
                self._revoke_after = after_requests
            else:
                self._revoke_all_locked()

    def _revoke_all_locked(self) -> None:
        for session in self._sessions.values():
            session.revoked = True

    def cancel_pending_revocation(self) -> None:
        with self._lock:
            self._revoke_after = None

    def active_count(self, now: float) -> int:
        with self._lock:
            return sum(1 for s in self._sessions.values() if self._is_valid(s, now))
