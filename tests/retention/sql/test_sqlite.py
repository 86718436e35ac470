"""The portable SQL gives the same results on SQLite as on PostgreSQL."""

import json
import sqlite3
from pathlib import Path

import pytest

from tests.factories import CommCellFactory
from tests.retention.sql.scenarios import (
    SUMMER_NOW,
    build_held,
    build_mixed,
    held_results,
    mixed_results,
    new_york_settings,
)
from tests.sqlite_project import SqliteProject

pytestmark = pytest.mark.django_db

# Runs inside `manage.py shell` on a SQLite database file.
SQLITE_SCRIPT = """
import json
from tests.factories import CommCellFactory
from tests.retention.sql.scenarios import build_held, build_mixed, held_results
from tests.retention.sql.scenarios import SUMMER_NOW, mixed_results
from tests.retention.sql.scenarios import new_york_settings
mixed = mixed_results(build_mixed())
zoned = build_mixed(CommCellFactory(name="cs-mixed-zoned"))
new_york = mixed_results(zoned, new_york_settings(zoned), SUMMER_NOW)
held = held_results(build_held())
print(json.dumps({"mixed": mixed, "new_york": new_york, "held": held}))
"""

# Window functions, including LEAD with a per-row offset, need SQLite 3.28 or later.
MIN_SQLITE = (3, 28, 0)


def run_on_sqlite(tmp_path: Path) -> dict:
    project = SqliteProject(tmp_path / "db.sqlite3")
    migrate = project.migrate()
    assert migrate.returncode == 0, migrate.stderr

    shell = project.shell(SQLITE_SCRIPT)
    assert shell.returncode == 0, shell.stderr
    return json.loads(shell.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def sqlite_results(tmp_path_factory) -> dict:
    return run_on_sqlite(tmp_path_factory.mktemp("sqlite"))


def test_sqlite_version_has_window_functions():
    assert sqlite3.sqlite_version_info >= MIN_SQLITE


def test_sqlite_results_equal_postgresql(sqlite_results):
    expected = json.loads(json.dumps(mixed_results(build_mixed())))
    expected_held = json.loads(json.dumps(held_results(build_held())))

    results = sqlite_results

    actual = results["mixed"]
    assert len(actual["jobs"]) == len(expected["jobs"])
    assert actual["jobs"] == expected["jobs"]
    assert actual["chains"] == expected["chains"]
    assert results["held"] == expected_held


def test_sqlite_follows_daylight_saving_time_as_postgresql(sqlite_results):
    zoned = build_mixed(CommCellFactory(name="cs-mixed-zoned"))
    settings = new_york_settings(zoned)
    expected = json.loads(json.dumps(mixed_results(zoned, settings, SUMMER_NOW)))

    results = sqlite_results

    assert results["new_york"] == expected
    # Summer dates run an hour earlier in UTC than winter dates, and the mixed
    # scenario has both.
    hours = {job[3][11:13] for job in expected["jobs"] if job[3] != "None"}
    assert hours == {"07", "08"}
