"""SQLite transactions wait for another writer instead of failing at once."""

import json
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings

# Runs inside `manage.py shell` on a SQLite file. One thread writes in a transaction.
# Meanwhile a second thread starts a transaction that reads, then writes. A deferred
# transaction cannot wait there: its snapshot predates the first commit.
SCRIPT = """
import json, threading, time
from django.db import connection, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE lock_probe (x INTEGER)")
connection.close()

wrote = threading.Event()
read = threading.Event()
result = {}

def writer():
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO lock_probe VALUES (1)")
        wrote.set()
        read.wait(1)
        time.sleep(0.3)
    connection.close()

def reader():
    wrote.wait()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM lock_probe")
                cursor.fetchone()
                read.set()
                cursor.execute("INSERT INTO lock_probe VALUES (2)")
        result["rows"] = 2
    except Exception as error:
        result["error"] = str(error)
    finally:
        connection.close()

threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(result))
"""


def test_reading_transaction_waits_for_writer(tmp_path: Path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cvanalytics.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SECRET_KEY": "sqlite-test-only",
        "DJANGO_DEBUG": "false",
        "CVANALYTICS_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]

    shell = subprocess.run(
        [*manage, "shell", "--no-imports", "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.BASE_DIR,
        timeout=60,
    )

    assert shell.returncode == 0, shell.stderr
    assert json.loads(shell.stdout.strip().splitlines()[-1]) == {"rows": 2}
