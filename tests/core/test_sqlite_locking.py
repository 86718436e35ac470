"""SQLite transactions wait for another writer instead of failing at once."""

import json
from pathlib import Path

from tests.sqlite_project import SqliteProject

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
    project = SqliteProject(tmp_path / "db.sqlite3")

    shell = project.shell(SCRIPT, timeout=60)

    assert shell.returncode == 0, shell.stderr
    assert json.loads(shell.stdout.strip().splitlines()[-1]) == {"rows": 2}
