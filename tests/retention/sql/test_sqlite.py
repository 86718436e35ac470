"""The portable SQL gives the same results on SQLite as on PostgreSQL."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

from tests.retention.sql.scenarios import (
    build_held,
    build_mixed,
    held_results,
    mixed_results,
)

pytestmark = pytest.mark.django_db

# Runs inside `manage.py shell` on a SQLite database file.
SQLITE_SCRIPT = """
import json
from tests.retention.sql.scenarios import build_held, build_mixed, held_results
from tests.retention.sql.scenarios import mixed_results
mixed = mixed_results(build_mixed())
print(json.dumps({"mixed": mixed, "held": held_results(build_held())}))
"""

# Window functions, including LEAD with a per-row offset, need SQLite 3.28 or later.
MIN_SQLITE = (3, 28, 0)


def run_on_sqlite(tmp_path: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cvanalytics.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SECRET_KEY": "sqlite-test-only",
        "DJANGO_DEBUG": "false",
        "CVANALYTICS_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    migrate = subprocess.run(
        [*manage, "migrate", "--verbosity", "0"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stderr

    shell = subprocess.run(
        [*manage, "shell", "--no-imports", "-c", SQLITE_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.BASE_DIR,
    )
    assert shell.returncode == 0, shell.stderr
    return json.loads(shell.stdout.strip().splitlines()[-1])


def test_sqlite_version_has_window_functions():
    assert sqlite3.sqlite_version_info >= MIN_SQLITE


def test_sqlite_results_equal_postgresql(tmp_path: Path):
    expected = json.loads(json.dumps(mixed_results(build_mixed())))
    expected_held = json.loads(json.dumps(held_results(build_held())))

    results = run_on_sqlite(tmp_path)

    actual = results["mixed"]
    assert len(actual["jobs"]) == len(expected["jobs"])
    assert actual["jobs"] == expected["jobs"]
    assert actual["chains"] == expected["chains"]
    assert results["held"] == expected_held
