"""The few SQL fragments that differ between PostgreSQL and SQLite.

Every query computes on whole milliseconds since 1970-01-01 UTC stored in 64-bit
integers, so day arithmetic and the rounding up to the next data aging run are exact
and the same in both databases. Only the conversion of a timestamp column to those
milliseconds and back differs.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    # Template turning a timestamp column into integer milliseconds.
    to_ms: str
    # Template turning integer milliseconds into a value the timestamp column stores.
    from_ms: str
    # Statements run before a large analysis, in its transaction.
    session_setup: tuple[str, ...]
    # Clause that stops the planner from merging a subquery into its parent.
    fence: str
    # Schema of the connection's temporary tables, and the clause that drops such a
    # table at the end of the transaction where the database has one.
    temp_schema: str
    temp_table_end: str
    # Keyword that makes a common table expression computed once, or "".
    materialized: str
    # Whether the per-job stream runs in a transaction. PostgreSQL's server-side
    # cursors need one. SQLite reads without one, because its transactions start
    # IMMEDIATE (see settings) and would wait for a running analysis to write.
    stream_in_transaction: bool


POSTGRESQL = Dialect(
    name="postgresql",
    to_ms="CAST(round(date_part('epoch', {0}) * 1000) AS BIGINT)",
    from_ms="to_timestamp({0} / 1000.0)",
    # The analysis sorts every job of the scope once. An in-memory sort of one
    # million jobs took 157 MB, so 64 MB (the default is 4 MB) keeps about 400,000
    # in memory, an estimate. Larger scopes spill to temporary files, about 100 MB
    # at one million jobs. Just-in-time compilation of the analysis's expressions
    # took 3.5 s of a 10.7 s refresh of one million jobs (planner cost about
    # 525,000). It saved about 7 s of 67 s at ten million (cost about 5,700,000).
    # So it starts at a cost of 2,500,000, about four million jobs. SET LOCAL ends
    # with the transaction.
    session_setup=(
        "SET LOCAL work_mem = '64MB'",
        "SET LOCAL jit_above_cost = 2500000",
        "SET LOCAL jit_inline_above_cost = 2500000",
        "SET LOCAL jit_optimize_above_cost = 2500000",
    ),
    fence="OFFSET 0",
    temp_schema="pg_temp",
    temp_table_end="ON COMMIT DROP",
    materialized="MATERIALIZED",
    stream_in_transaction=True,
)

# Django stores aware datetimes in SQLite as UTC text, "YYYY-MM-DD HH:MM:SS.ffffff".
# julianday() reads that text with millisecond precision.
SQLITE = Dialect(
    name="sqlite",
    to_ms="CAST(round((julianday({0}) - 2440587.5) * 86400000.0) AS INTEGER)",
    from_ms="strftime('%%Y-%%m-%%d %%H:%%M:%%f', {0} / 1000.0, 'unixepoch')",
    session_setup=(),
    fence="",
    temp_schema="temp",
    temp_table_end="",
    # SQLite stores a grouped subquery that a join reads (MATERIALIZE in its query
    # plan), so the keyword, which would need SQLite 3.35, is left out.
    materialized="",
    stream_in_transaction=False,
)


def dialect_for(vendor: str) -> Dialect:
    """Return the fragments for a Django connection vendor ("postgresql", "sqlite")."""
    if vendor == "postgresql":
        return POSTGRESQL
    if vendor == "sqlite":
        return SQLITE
    raise ValueError(
        f"The retention SQL supports PostgreSQL and SQLite, not {vendor!r}; "
        "set DATABASE_URL to one of them."
    )
