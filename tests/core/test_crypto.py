"""Fernet encryption of CommServe secrets and the startup check of its keys."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings
from django.views.debug import ExceptionReporter

from apps.core import crypto

KEY = Fernet.generate_key().decode()
OLD_KEY = Fernet.generate_key().decode()
# A module constant, so the test's own frame in an error report contains no copy.
PLAINTEXT = "crypto-test-secret-5150"


def test_parse_keys_accepts_list():
    assert crypto.parse_keys(f"{KEY}, {OLD_KEY}") == [KEY, OLD_KEY]


def test_parse_keys_rejects_missing():
    with pytest.raises(ImproperlyConfigured, match="missing"):
        crypto.parse_keys("")


def test_parse_keys_rejects_empty_entry():
    with pytest.raises(ImproperlyConfigured, match="position 2"):
        crypto.parse_keys(f"{KEY},,{OLD_KEY}")


def test_parse_keys_rejects_trailing_comma():
    with pytest.raises(ImproperlyConfigured, match="position 2"):
        crypto.parse_keys(f"{KEY},")


def test_parse_keys_names_position_not_key():
    bad = "short-key-value"

    with pytest.raises(ImproperlyConfigured) as raised:
        crypto.parse_keys(f"{KEY},{bad}")

    message = str(raised.value)
    assert "key 2 of 2" in message
    assert "generate_key" in message
    assert bad not in message


def test_encrypt_round_trip():
    with override_settings(ENCRYPTION_KEYS=[KEY]):
        ciphertext = crypto.encrypt(PLAINTEXT)

        assert PLAINTEXT not in ciphertext
        assert crypto.decrypt(ciphertext) == PLAINTEXT


def test_decrypt_with_old_key():
    with override_settings(ENCRYPTION_KEYS=[OLD_KEY]):
        ciphertext = crypto.encrypt(PLAINTEXT)

    with override_settings(ENCRYPTION_KEYS=[KEY, OLD_KEY]):
        assert crypto.decrypt(ciphertext) == PLAINTEXT


def test_decrypt_without_key_fails():
    with override_settings(ENCRYPTION_KEYS=[OLD_KEY]):
        ciphertext = crypto.encrypt(PLAINTEXT)

    with (
        override_settings(ENCRYPTION_KEYS=[KEY]),
        pytest.raises(crypto.DecryptionError),
    ):
        crypto.decrypt(ciphertext)


@override_settings(DEBUG=True, ENCRYPTION_KEYS=["not-a-fernet-key"])
def test_debug_report_hides_encrypt_argument():
    request = RequestFactory().get("/")
    request.exception_reporter_filter = crypto.SecretReporterFilter()

    try:
        crypto.encrypt(PLAINTEXT)
    except ImproperlyConfigured:
        exc_info = sys.exc_info()

    html = ExceptionReporter(request, *exc_info).get_traceback_html()
    assert "plaintext" in html
    assert PLAINTEXT not in html


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ("bad-key-7f3a", "key 1 of 1"),
        (f"{KEY},,", "empty entry at position 2"),
    ],
)
def test_startup_rejects_bad_key(keys, expected):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cvanalytics.settings",
        "DJANGO_SECRET_KEY": "startup-test-only",
        "CVANALYTICS_ENCRYPTION_KEYS": keys,
    }
    manage = str(Path(settings.BASE_DIR) / "manage.py")

    result = subprocess.run(
        [sys.executable, manage, "check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert expected in result.stderr
    for key in filter(None, keys.split(",")):
        assert key not in result.stderr
