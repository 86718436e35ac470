"""Encryption at rest for CommServe secrets (Fernet, keys from settings)."""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter
from django.views.decorators.debug import sensitive_variables


class SecretReporterFilter(SafeExceptionReporterFilter):
    """Error-report filter that hides marked secrets even when DEBUG is on.

    Django's default filter hides nothing under DEBUG, but the debug page of a view
    that saves a CommServe password is shown to the user who triggered the error.
    Settings make it the default filter, and views that handle a secret also set it
    as `request.exception_reporter_filter`.
    """

    def is_active(self, request: HttpRequest | None) -> bool:
        return True


class DecryptionError(Exception):
    """A stored secret cannot be decrypted with any configured key."""


KEY_HOWTO = (
    "create one with `python -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())'`"
)


def parse_keys(value: str) -> list[str]:
    """Split CVANALYTICS_ENCRYPTION_KEYS on commas and check each Fernet key.

    Raises ImproperlyConfigured naming the position of an empty or invalid key, never
    the key itself.
    """
    keys = [key.strip() for key in value.split(",")]
    if keys == [""]:
        raise ImproperlyConfigured(
            "CVANALYTICS_ENCRYPTION_KEYS is missing: set it to one or more Fernet keys "
            f"separated by commas ({KEY_HOWTO}, or run `./run setup`)."
        )

    for position, key in enumerate(keys, start=1):
        if not key:
            raise ImproperlyConfigured(
                f"CVANALYTICS_ENCRYPTION_KEYS has an empty entry at position {position}"
                ": remove the extra comma."
            )
        try:
            Fernet(key.encode())
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"CVANALYTICS_ENCRYPTION_KEYS key {position} of {len(keys)} is not a "
                f"Fernet key (32 bytes in urlsafe base64): {KEY_HOWTO}."
            ) from exc
    return keys


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "CVANALYTICS_ENCRYPTION_KEYS contains an invalid Fernet key: each key must be "
            f"32 bytes in urlsafe base64 ({KEY_HOWTO})."
        ) from exc


@sensitive_variables("plaintext")
def encrypt(plaintext: str) -> str:
    return _fernet(tuple(settings.ENCRYPTION_KEYS)).encrypt(plaintext.encode()).decode()


@sensitive_variables("ciphertext")
def decrypt(ciphertext: str) -> str:
    try:
        return (
            _fernet(tuple(settings.ENCRYPTION_KEYS))
            .decrypt(ciphertext.encode())
            .decode()
        )
    except InvalidToken as exc:
        raise DecryptionError(
            "The stored secret cannot be decrypted with CVANALYTICS_ENCRYPTION_KEYS: "
            "add the key it was saved with, or enter the secret again in the admin."
        ) from exc
