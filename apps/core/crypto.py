"""Encryption at rest for CommServe secrets (Fernet, keys from settings)."""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A stored secret cannot be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "CVANALYTICS_ENCRYPTION_KEYS holds an invalid Fernet key: each key must be "
            "32 bytes in urlsafe base64 (create one with "
            "`python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`)."
        ) from exc


def encrypt(plaintext: str) -> str:
    return _fernet(tuple(settings.ENCRYPTION_KEYS)).encrypt(plaintext.encode()).decode()


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
