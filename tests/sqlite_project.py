"""Run `manage.py` commands of this project against a SQLite file in a child process.

The test run itself uses PostgreSQL, so the SQLite default of the quick start is
checked through a separate process with its own `DATABASE_URL`.
"""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings


class SqliteProject:
    """The project's settings pointed at one SQLite file, for `manage.py` commands."""

    def __init__(self, database: Path) -> None:
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cvanalytics.settings",
            "DATABASE_URL": f"sqlite:///{database}",
            "DJANGO_SECRET_KEY": "sqlite-test-only",
            "DJANGO_DEBUG": "false",
            "CVANALYTICS_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        }

    def manage(
        self, *args: str, timeout: float | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run one `manage.py` command and return it finished, output captured."""
        return subprocess.run(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            cwd=settings.BASE_DIR,
            timeout=timeout,
        )

    def migrate(self) -> subprocess.CompletedProcess[str]:
        """Create the tables in the SQLite file."""
        return self.manage("migrate", "--verbosity", "0")

    def shell(
        self, script: str, timeout: float | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a Python script in `manage.py shell`."""
        return self.manage("shell", "--no-imports", "-c", script, timeout=timeout)
