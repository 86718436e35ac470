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


def seed_built_in_matchers() -> None:
    """Create the built-in matchers again after a transactional test emptied the tables.

    Browser tests run with `transaction=True`, and Django empties every table after
    each such test, including the rows that data migrations seeded.
    """
    from apps.logs.defaults import DEFAULT_MATCHERS
    from apps.logs.models import LogMatcher

    for spec in DEFAULT_MATCHERS:
        LogMatcher.objects.update_or_create(
            code=spec.code,
            defaults={
                "log_type": spec.log_type,
                "kind": spec.kind,
                "pattern": spec.pattern,
                "category": spec.category,
                "severity": spec.severity,
                "store_id_from": spec.store_id_from,
                "job_id_from": spec.job_id_from,
                "priority": spec.priority,
                "built_in": True,
            },
        )
