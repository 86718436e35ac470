"""Fixtures of the log tests: a private upload folder and the sample log files."""

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def log_storage(tmp_path, settings) -> Path:
    folder = tmp_path / "uploads"
    settings.CVANALYTICS_LOG_STORAGE_DIR = str(folder)
    return folder


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
