"""Batch writers for job rows: COPY and one upsert on PostgreSQL, executemany of an
upsert on SQLite, bulk_create elsewhere.

A writer buffers rows by job id up to FLUSH_ROWS and writes each buffer in one
transaction. On PostgreSQL the buffer is copied into a temporary staging table and
merged with one INSERT ... ON CONFLICT (commcell_id, job_id) DO UPDATE.
"""

import logging
import queue
import threading

from django.db import connection, models, transaction

from apps.commcell.models import Job

logger = logging.getLogger(__name__)

# Rows per write transaction: large enough to amortize the statement overhead, small
# enough that a buffer stays a few megabytes.
FLUSH_ROWS = 20_000

# Job fields as written, in COPY column order. An upsert updates all but the key.
JOB_FIELDS = (
    "commcell",
    "job_id",
    "job_type",
    "level",
    "level_name",
    "status",
    "outcome",
    "client",
    "client_name",
    "storage_policy",
    "plan",
    "subclient_cv_id",
    "subclient_name",
    "app_type",
    "start_time",
    "end_time",
    "application_bytes",
    "media_bytes",
    "percent_savings",
    "is_aged",
)
UPDATE_FIELDS = JOB_FIELDS[2:]


class BulkCreateJobWriter:
    """Buffers job rows by job id and upserts them with `bulk_create`."""

    def __init__(self) -> None:
        self.buffer: dict[int, tuple] = {}
        self.written = 0

    def add(self, row: tuple) -> None:
        # Keyed by job id: a job on two pages (the list shifted while paging) is
        # written once, with the newer values.
        self.buffer[row[1]] = row
        if len(self.buffer) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        with transaction.atomic():
            self.write(list(self.buffer.values()))
        self.written += len(self.buffer)
        self.buffer = {}

    def finish(self) -> None:
        """Write the rows still buffered."""
        self.flush()

    def close(self) -> None:
        """Release what the writer holds; buffered rows that finish() did not write
        are dropped."""

    def write(self, rows: list[tuple]) -> None:
        fields = [Job._meta.get_field(name) for name in JOB_FIELDS]
        attnames = [field.attname for field in fields]
        # Cut strings to their column, as the PostgreSQL writer does in SQL.
        limits = [
            (index, field.max_length)
            for index, field in enumerate(fields)
            if isinstance(field, models.CharField)
        ]
        objects = []
        for row in rows:
            values = list(row)
            for index, limit in limits:
                values[index] = values[index][:limit]
            objects.append(Job(**dict(zip(attnames, values, strict=True))))

        Job.objects.bulk_create(
            objects,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["commcell", "job_id"],
            update_fields=list(UPDATE_FIELDS),
        )


class PostgresJobWriter(BulkCreateJobWriter):
    """Writes each buffer with COPY into a staging table and one upsert statement."""

    def write(self, rows: list[tuple]) -> None:
        create, copy, merge, drop = _postgres_statements()
        with connection.cursor() as cursor:
            cursor.execute(create)
            with cursor.copy(copy) as writer:
                for row in rows:
                    writer.write_row(row)
            cursor.execute(merge)
            cursor.execute(drop)


class SqliteJobWriter(BulkCreateJobWriter):
    """Writes each buffer with one executemany of INSERT ... ON CONFLICT DO UPDATE.

    It builds no model instance per row, the largest Python cost of `bulk_create`,
    which matters for the first collection of a large CommCell.
    """

    def write(self, rows: list[tuple]) -> None:
        sql, datetime_indexes, limits = _sqlite_statement()
        adapt = connection.ops.adapt_datetimefield_value
        params = []
        for row in rows:
            values = list(row)
            for index in datetime_indexes:
                values[index] = adapt(values[index])
            for index, limit in limits:
                values[index] = values[index][:limit]
            params.append(values)

        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


class BackgroundJobWriter:
    """Writes full buffers in a second thread while the caller reads the next pages.

    The thread has a database connection of its own, so it cannot see rows of a
    transaction the caller has open. At most one full buffer waits while another is
    written, so memory stays at about two buffers.
    """

    def __init__(self, target: BulkCreateJobWriter) -> None:
        self.target = target
        self.buffer: dict[int, tuple] = {}
        self.written = 0
        self.error: Exception | None = None
        self._batches: queue.Queue[list[tuple] | None] = queue.Queue(maxsize=1)
        self._closed = False
        self._thread = threading.Thread(
            target=self._write_batches, name="job-writer", daemon=True
        )
        self._thread.start()

    def add(self, row: tuple) -> None:
        self.buffer[row[1]] = row
        if len(self.buffer) >= FLUSH_ROWS:
            self._hand_off()

    def finish(self) -> None:
        """Write the rows still buffered, wait for the thread, and raise its error."""
        if self.buffer:
            self._hand_off()
        self.close()
        self._raise_error()

    def close(self) -> None:
        """Stop the thread after the batches already handed off."""
        if self._closed:
            return
        self._closed = True
        self._batches.put(None)
        self._thread.join()

    def _hand_off(self) -> None:
        self._raise_error()
        self._batches.put(list(self.buffer.values()))
        self.buffer = {}

    def _raise_error(self) -> None:
        if self.error is not None:
            raise self.error

    def _write_batches(self) -> None:
        try:
            while (batch := self._batches.get()) is not None:
                # After an error, batches are taken but not written, so the caller
                # never blocks on a full queue.
                if self.error is not None:
                    continue
                try:
                    with transaction.atomic():
                        self.target.write(batch)
                except Exception as exc:  # re-raised in the caller by finish()
                    self.error = exc
                    continue
                self.written += len(batch)
        finally:
            connection.close()


JobWriter = BulkCreateJobWriter | BackgroundJobWriter


def job_writer() -> JobWriter:
    """Return the fastest writer the database connection allows.

    Inside a transaction the rows must be written on the same connection, so the
    background thread is used only outside one. SQLite gets no thread because it
    locks the whole database for each writer.
    """
    if connection.vendor == "sqlite":
        return SqliteJobWriter()
    if connection.vendor != "postgresql":
        return BulkCreateJobWriter()
    if connection.in_atomic_block:
        return PostgresJobWriter()
    return BackgroundJobWriter(PostgresJobWriter())


_STAGING = "cvanalytics_job_staging"


def _postgres_statements() -> tuple[str, str, str, str]:
    """Return the SQL that creates, fills, merges and drops the staging table.

    The staging table has no constraints, so COPY into it is fast. The INSERT cuts
    strings to their column length. Rows whose values did not change are not
    updated, which keeps re-read overlap windows cheap.
    """
    quote = connection.ops.quote_name
    fields = [Job._meta.get_field(name) for name in JOB_FIELDS]
    columns = [quote(field.column) for field in fields]
    staging_types = [_staging_type(field) for field in fields]
    selected = [
        f"left({column}, {field.max_length})"
        if isinstance(field, models.CharField)
        else column
        for column, field in zip(columns, fields, strict=True)
    ]
    updated = columns[2:]
    table = quote(Job._meta.db_table)

    create = "CREATE TEMPORARY TABLE {} ({})".format(
        _STAGING,
        ", ".join(
            f"{column} {kind}"
            for column, kind in zip(columns, staging_types, strict=True)
        ),
    )
    copy = "COPY {} ({}) FROM STDIN".format(_STAGING, ", ".join(columns))
    merge = (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"SELECT {', '.join(selected)} FROM {_STAGING} "
        f"ON CONFLICT ({columns[0]}, {columns[1]}) DO UPDATE SET "
        + ", ".join(f"{column} = EXCLUDED.{column}" for column in updated)
        + f" WHERE ({', '.join(f'{table}.{c}' for c in updated)}) IS DISTINCT FROM "
        f"({', '.join(f'EXCLUDED.{c}' for c in updated)})"
    )
    drop = f"DROP TABLE {_STAGING}"
    return create, copy, merge, drop


def _sqlite_statement() -> tuple[str, list[int], list[tuple[int, int]]]:
    """Return the SQLite upsert, the datetime column positions and string limits."""
    quote = connection.ops.quote_name
    fields = [Job._meta.get_field(name) for name in JOB_FIELDS]
    columns = [quote(field.column) for field in fields]
    sql = (
        f"INSERT INTO {quote(Job._meta.db_table)} ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({columns[0]}, {columns[1]}) DO UPDATE SET "
        + ", ".join(f"{column} = excluded.{column}" for column in columns[2:])
    )
    datetime_indexes = [
        index
        for index, field in enumerate(fields)
        if isinstance(field, models.DateTimeField)
    ]
    limits = [
        (index, field.max_length)
        for index, field in enumerate(fields)
        if isinstance(field, models.CharField)
    ]
    return sql, datetime_indexes, limits


def _staging_type(field: models.Field) -> str:
    # A foreign key reports the type of the key it points to.
    if isinstance(field, models.CharField):
        return "text"
    return field.db_type(connection)
