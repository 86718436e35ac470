"""SQL text of the retention analysis, built for one dialect.

The jobs of a chain (commcell, storage policy, client, subclient) are read once in
(start time, job id) order. A running count of qualifying fulls numbers the cycles:
jobs before the first qualifying full form cycle 0, and cycle k starts at the k-th
qualifying full. One row per cycle then carries its full's start, its last job's
start and, through ``LEAD(full, C)``, the start of the C-th newer qualifying full.
Cycle k is due at ``max(start(F[k+C]), start(last job of k) + D days)`` and ages at
the first data aging run at or after that moment.

Times are integer milliseconds since 1970 UTC (see ``dialects``). Named parameters:
``now`` (the timestamp column's stored form), ``now_ms``, ``last_run_ms`` (the last
data aging run at or before ``now``), ``offset_ms`` (time of day of the aging runs, in
UTC), ``cycles_unknown`` and, when the scope filters on them, ``commcell_id`` and
``storage_policy_id``.
"""

from .dialects import Dialect

DAY_MS = 86_400_000
DAY = f"CAST({DAY_MS} AS BIGINT)"
OFFSET = "CAST(%(offset_ms)s AS BIGINT)"

FULL_LEVELS = "('full', 'synthetic_full')"
# Completed-with-errors fulls start a cycle, as Commvault treats them for most agents.
# Failed, killed, running and other fulls do not.
GOOD_OUTCOMES = "('completed', 'completed_warnings', 'completed_errors')"
QUALIFYING = f"j.level IN {FULL_LEVELS} AND j.outcome IN {GOOD_OUTCOMES}"

CHAIN = "commcell_id, storage_policy_id, client_key, subclient_key"

# Reason codes of the per-job query.
REASONS = (
    "eligible",
    "basic_days",
    "basic_cycles",
    "job_running",
    "aging_disabled",
    "infinite_retention",
    "aged",
    "no_rule",
)


def aging_run(moment: str) -> str:
    """Return SQL for the first data aging run at or after ``moment`` (milliseconds)."""
    return f"((({moment}) - {OFFSET} + {DAY} - 1) / {DAY}) * {DAY} + {OFFSET}"


def scope_filter(*, commcell: bool, storage_policy: bool, alias: str = "j") -> str:
    parts = []
    if commcell:
        parts.append(f"AND {alias}.commcell_id = %(commcell_id)s")
    if storage_policy:
        parts.append(f"AND {alias}.storage_policy_id = %(storage_policy_id)s")
    return " ".join(parts)


def _rule_cte() -> str:
    # The primary copy (precedence 1) of each storage policy and its retention rule.
    # Unknown cycles count as `cycles_unknown`. Invalid values make the rule unusable.
    return """
    primary_copy AS (
        SELECT storage_policy_id, MIN(id) AS copy_id
        FROM commcell_storagepolicycopy
        WHERE copy_precedence = 1 AND removed_at IS NULL
        GROUP BY storage_policy_id
    ),
    rule AS (
        SELECT
            p.storage_policy_id,
            p.copy_id,
            r.id AS rule_id,
            r.retention_days AS days,
            CASE WHEN r.cycles_reported THEN r.retention_cycles
                ELSE %(cycles_unknown)s END AS cycles,
            CASE WHEN r.data_aging_enabled THEN 1 ELSE 0 END AS aging,
            CASE WHEN r.id IS NULL OR r.retention_days < -1
                OR r.retention_cycles < 0 THEN 0 ELSE 1 END AS valid
        FROM primary_copy p
        LEFT JOIN retention_retentionrule r ON r.copy_id = p.copy_id
    )"""


def _jobs_cte(dialect: Dialect, scope: str) -> str:
    # The inner query projects each job to a few integers before the window sorts
    # them, so the sort stores about 70 bytes per job instead of every column. All
    # window functions share one window, so the jobs are sorted once. Running sums
    # at the last job of each cycle then give the cycle's counts without grouping
    # every job a second time.
    start_ms = dialect.to_ms.format("j.start_time")
    days_only_eligible = (
        f"CASE WHEN j.is_aged = FALSE AND j.outcome <> 'running' AND "
        f"{start_ms} + r.days * {DAY} <= CAST(%(last_run_ms)s AS BIGINT) "
        "THEN 1 ELSE 0 END"
    )
    return f"""
    jobs AS (
        SELECT
            k.*,
            SUM(k.is_full) OVER chain_order AS cycle_no,
            LEAD(k.is_full) OVER chain_order AS next_is_full,
            MAX(CASE WHEN k.is_full = 1 THEN k.start_ms END) OVER chain_order
                AS full_ms,
            MIN(k.start_ms) OVER chain_order AS chain_first_ms,
            MAX(k.id) OVER chain_order AS newest_id,
            COUNT(*) OVER chain_order AS jobs_so_far,
            SUM(k.is_aged) OVER chain_order AS aged_so_far,
            SUM(k.is_datable) OVER chain_order AS datable_so_far,
            SUM(k.is_failed_full) OVER chain_order AS failed_fulls_so_far,
            SUM(k.days_only_eligible) OVER chain_order AS days_only_so_far
        FROM (
            SELECT
                j.id,
                j.job_id,
                j.commcell_id,
                j.storage_policy_id,
                j.client_id,
                j.subclient_cv_id,
                j.start_time,
                COALESCE(j.client_id, 0) AS client_key,
                COALESCE(j.subclient_cv_id, -1) AS subclient_key,
                {start_ms} AS start_ms,
                r.days,
                r.cycles,
                r.aging,
                COALESCE(r.valid, 0) AS valid,
                CASE WHEN j.is_aged THEN 1 ELSE 0 END AS is_aged,
                CASE WHEN j.outcome = 'running' THEN 1 ELSE 0 END AS is_running,
                CASE WHEN j.is_aged = FALSE AND j.outcome <> 'running'
                    THEN 1 ELSE 0 END AS is_datable,
                CASE WHEN {QUALIFYING} THEN 1 ELSE 0 END AS is_full,
                CASE WHEN j.level IN {FULL_LEVELS} AND NOT ({QUALIFYING})
                    THEN 1 ELSE 0 END AS is_failed_full,
                {days_only_eligible} AS days_only_eligible
            FROM commcell_job j
            LEFT JOIN rule r ON r.storage_policy_id = j.storage_policy_id
            WHERE j.storage_policy_id IS NOT NULL
                AND j.start_time <= %(now)s
                {scope}
            {dialect.fence}
        ) k
        WINDOW chain_order AS (
            PARTITION BY k.commcell_id, k.storage_policy_id, k.client_id,
                k.subclient_cv_id
            ORDER BY k.start_time, k.job_id
            ROWS UNBOUNDED PRECEDING
        )
    )"""


def _since_previous(column: str) -> str:
    return f"{column} - COALESCE(LAG({column}) OVER chain_cycles, 0)"


def _cycle_ctes() -> str:
    # One row per cycle: the last job of each cycle, where the next job of the
    # chain starts a new cycle or the chain ends.
    return f"""
    cycles AS (
        SELECT
            {CHAIN},
            cycle_no,
            newest_id,
            days,
            cycles,
            aging,
            valid,
            full_ms,
            CASE WHEN cycle_no = 0 THEN chain_first_ms ELSE full_ms END AS first_ms,
            start_ms AS last_ms,
            {_since_previous("jobs_so_far")} AS job_count,
            {_since_previous("aged_so_far")} AS aged_count,
            {_since_previous("datable_so_far")} AS datable_count,
            {_since_previous("failed_fulls_so_far")} AS failed_fulls,
            {_since_previous("days_only_so_far")} AS days_only_eligible
        FROM jobs
        WHERE next_is_full = 1 OR next_is_full IS NULL
        WINDOW chain_cycles AS (PARTITION BY {CHAIN} ORDER BY cycle_no)
    ),
    cyc AS (
        SELECT
            c.*,
            LEAD(c.full_ms, CASE WHEN c.cycles > 0 THEN c.cycles ELSE 1 END)
                OVER chain_cycles AS next_full_ms,
            c.full_ms - LAG(c.full_ms) OVER chain_cycles AS interval_ms,
            MAX(c.cycle_no) OVER chain_all AS last_cycle_no
        FROM cycles c
        WINDOW
            chain_cycles AS (
                PARTITION BY c.commcell_id, c.storage_policy_id, c.client_key,
                    c.subclient_key
                ORDER BY c.cycle_no
            ),
            chain_all AS (
                PARTITION BY c.commcell_id, c.storage_policy_id, c.client_key,
                    c.subclient_key
            )
    ),
    due AS (
        SELECT
            cyc.*,
            CASE
                WHEN valid = 0 OR aging = 0 OR days = -1 OR cycles = 0
                    OR next_full_ms IS NULL THEN NULL
                WHEN next_full_ms > last_ms + days * {DAY} THEN next_full_ms
                ELSE last_ms + days * {DAY}
            END AS due_ms
        FROM cyc
    ),
    dated AS (
        SELECT
            due.*,
            {aging_run("due_ms")} AS run_ms,
            CASE
                WHEN valid = 0 OR aging = 0 OR days = -1 OR full_ms IS NULL THEN NULL
                WHEN cycles = 0 THEN {aging_run(f"full_ms + days * {DAY}")}
                ELSE {aging_run("due_ms")}
            END AS full_run_ms
        FROM due
    )"""


def chain_select(dialect: Dialect, scope: str) -> str:
    """Return the SELECT of one ChainCadence row per chain, in column order."""
    ms = dialect.from_ms
    return f"""
    WITH {_rule_cte()},
    {_jobs_cte(dialect, scope)},
    {_cycle_ctes()},
    ranked AS (
        SELECT
            dated.*,
            ROW_NUMBER() OVER (
                PARTITION BY {CHAIN}
                ORDER BY CASE WHEN interval_ms IS NULL THEN 1 ELSE 0 END, interval_ms
            ) AS interval_rank,
            COUNT(interval_ms) OVER (PARTITION BY {CHAIN}) AS interval_count
        FROM dated
    ),
    chain AS (
        SELECT
            {CHAIN},
            MAX(newest_id) AS newest_id,
            MAX(days) AS days,
            MAX(cycles) AS cycles,
            MAX(valid) AS valid,
            SUM(job_count) AS job_count,
            SUM(CASE WHEN cycle_no > 0 THEN 1 ELSE 0 END) AS full_count,
            SUM(failed_fulls) AS failed_fulls,
            SUM(CASE WHEN cycle_no = last_cycle_no THEN failed_fulls ELSE 0 END)
                AS failed_fulls_open,
            MIN(first_ms) AS first_ms,
            MAX(last_ms) AS last_ms,
            MAX(full_ms) AS last_full_ms,
            MAX(CASE WHEN cycle_no = last_cycle_no THEN first_ms END) AS open_ms,
            AVG(CASE WHEN interval_rank = (interval_count + 1) / 2
                OR interval_rank = (interval_count + 2) / 2
                THEN interval_ms END) AS median_interval_ms,
            MAX(CASE WHEN cycle_no >= 1 AND cycle_no = last_cycle_no
                - (CASE WHEN cycles > 0 THEN cycles ELSE 0 END)
                THEN full_run_ms - full_ms END) AS kept_ms,
            SUM(CASE
                WHEN valid = 0 OR aging = 0 OR days = -1 THEN 0
                WHEN cycles = 0 THEN days_only_eligible
                WHEN run_ms <= CAST(%(now_ms)s AS BIGINT) THEN datable_count
                ELSE 0
            END) AS eligible_count,
            SUM(aged_count) AS aged_count
        FROM ranked
        GROUP BY {CHAIN}
    )
    SELECT
        chain.commcell_id,
        chain.storage_policy_id,
        NULLIF(client_key, 0),
        NULLIF(subclient_key, -1),
        newest.client_name,
        newest.subclient_name,
        rule.copy_id,
        rule.rule_id,
        job_count,
        full_count,
        failed_fulls,
        failed_fulls_open,
        {ms.format("first_ms")},
        {ms.format("last_ms")},
        CASE WHEN last_full_ms IS NULL THEN NULL
            ELSE {ms.format("last_full_ms")} END,
        median_interval_ms / {DAY_MS}.0,
        (CAST(%(now_ms)s AS BIGINT) - open_ms) / {DAY_MS}.0,
        CASE WHEN chain.valid = 1 AND chain.cycles > 0 AND chain.days > 0
            AND CAST(%(now_ms)s AS BIGINT) - open_ms > 2 * chain.days * {DAY}
            THEN TRUE ELSE FALSE END,
        kept_ms / {DAY_MS}.0,
        CASE WHEN kept_ms IS NULL OR chain.days < 0 THEN NULL
            ELSE kept_ms / {DAY_MS}.0 - chain.days END,
        eligible_count,
        aged_count,
        job_count - eligible_count - aged_count,
        %(now)s
    FROM chain
    JOIN commcell_job newest ON newest.id = chain.newest_id
    LEFT JOIN rule ON rule.storage_policy_id = chain.storage_policy_id"""


CHAIN_COLUMNS = (
    "commcell_id",
    "storage_policy_id",
    "client_id",
    "subclient_cv_id",
    "client_name",
    "subclient_name",
    "copy_id",
    "retention_rule_id",
    "job_count",
    "qualifying_full_count",
    "failed_full_count",
    "failed_fulls_since_last_full",
    "first_job_start",
    "last_job_start",
    "last_full_start",
    "median_full_interval_days",
    "open_cycle_age_days",
    "open_cycle_flagged",
    "effective_retention_days",
    "retention_delay_days",
    "eligible_job_count",
    "aged_job_count",
    "retained_job_count",
    "computed_at",
)


def _median(column: str, rank: str, count: str) -> str:
    return (
        f"AVG(CASE WHEN {rank} = ({count} + 1) / 2 OR {rank} = ({count} + 2) / 2 "
        f"THEN {column} END)"
    )


def copy_summary_select(*, commcell: bool) -> str:
    """Return the SELECT of one CopyRetentionSummary row per primary copy.

    It reads the ChainCadence rows, so those must be refreshed first.
    """
    scope = scope_filter(commcell=commcell, storage_policy=False, alias="c")
    chain_scope = scope_filter(commcell=commcell, storage_policy=False, alias="cc")
    return f"""
    WITH ranked AS (
        SELECT
            cc.*,
            ROW_NUMBER() OVER (
                PARTITION BY copy_id
                ORDER BY CASE WHEN median_full_interval_days IS NULL THEN 1 ELSE 0 END,
                    median_full_interval_days
            ) AS interval_rank,
            COUNT(median_full_interval_days) OVER (PARTITION BY copy_id)
                AS interval_count,
            ROW_NUMBER() OVER (
                PARTITION BY copy_id
                ORDER BY CASE WHEN effective_retention_days IS NULL THEN 1 ELSE 0 END,
                    effective_retention_days
            ) AS kept_rank,
            COUNT(effective_retention_days) OVER (PARTITION BY copy_id) AS kept_count
        FROM retention_chaincadence cc
        WHERE cc.copy_id IS NOT NULL {chain_scope}
    ),
    per_copy AS (
        SELECT
            copy_id,
            COUNT(*) AS chain_count,
            SUM(job_count) AS job_count,
            SUM(qualifying_full_count) AS full_count,
            SUM(failed_full_count) AS failed_fulls,
            SUM(CASE WHEN failed_fulls_since_last_full > 0 THEN 1 ELSE 0 END)
                AS chains_failing,
            {_median("median_full_interval_days", "interval_rank", "interval_count")}
                AS median_interval,
            {_median("effective_retention_days", "kept_rank", "kept_count")}
                AS median_kept,
            MAX(open_cycle_age_days) AS max_open_age,
            SUM(CASE WHEN open_cycle_flagged THEN 1 ELSE 0 END) AS flagged,
            SUM(eligible_job_count) AS eligible,
            SUM(retained_job_count) AS retained,
            SUM(aged_job_count) AS aged
        FROM ranked
        GROUP BY copy_id
    )
    SELECT
        c.commcell_id,
        c.id,
        c.storage_policy_id,
        r.plan_id,
        r.id,
        r.retention_days,
        r.retention_cycles,
        COALESCE(r.data_aging_enabled, TRUE),
        COALESCE(p.chain_count, 0),
        COALESCE(p.job_count, 0),
        COALESCE(p.full_count, 0),
        COALESCE(p.failed_fulls, 0),
        COALESCE(p.chains_failing, 0),
        p.median_interval,
        p.median_kept,
        CASE WHEN p.median_kept IS NULL OR r.retention_days IS NULL
            OR r.retention_days < 0 THEN NULL
            ELSE p.median_kept - r.retention_days END,
        p.max_open_age,
        COALESCE(p.flagged, 0),
        COALESCE(p.eligible, 0),
        COALESCE(p.retained, 0),
        COALESCE(p.aged, 0),
        %(now)s
    FROM commcell_storagepolicycopy c
    LEFT JOIN retention_retentionrule r ON r.copy_id = c.id
    LEFT JOIN per_copy p ON p.copy_id = c.id
    WHERE c.id IN (
        SELECT MIN(id) FROM commcell_storagepolicycopy
        WHERE copy_precedence = 1 AND removed_at IS NULL
        GROUP BY storage_policy_id
    ) {scope}"""


SUMMARY_COLUMNS = (
    "commcell_id",
    "copy_id",
    "storage_policy_id",
    "plan_id",
    "retention_rule_id",
    "retention_days",
    "retention_cycles",
    "data_aging_enabled",
    "chain_count",
    "job_count",
    "qualifying_full_count",
    "failed_full_count",
    "chains_with_failed_fulls",
    "median_full_interval_days",
    "effective_retention_days",
    "retention_delay_days",
    "max_open_cycle_age_days",
    "flagged_open_cycles",
    "eligible_job_count",
    "retained_job_count",
    "aged_job_count",
    "computed_at",
)


def job_select(dialect: Dialect, scope: str) -> str:
    """Return the per-job eligibility SELECT, one row per job in the scope.

    Columns: id, job_id, commcell_id, storage_policy_id, client_id, subclient_cv_id,
    cycle_no, start_ms, reason, retain_until_ms (NULL when no date is known).
    """
    days_only_run = aging_run(f"j.start_ms + d.days * {DAY}")
    return f"""
    WITH {_rule_cte()},
    {_jobs_cte(dialect, scope)},
    {_cycle_ctes()}
    SELECT
        j.id,
        j.job_id,
        j.commcell_id,
        j.storage_policy_id,
        NULLIF(j.client_key, 0),
        NULLIF(j.subclient_key, -1),
        j.cycle_no,
        j.start_ms,
        CASE
            WHEN j.is_aged = 1 THEN 'aged'
            WHEN d.valid = 0 THEN 'no_rule'
            WHEN d.aging = 0 THEN 'aging_disabled'
            WHEN j.is_running = 1 THEN 'job_running'
            WHEN d.days = -1 THEN 'infinite_retention'
            WHEN d.cycles = 0 THEN CASE
                WHEN j.start_ms + d.days * {DAY} <= CAST(%(last_run_ms)s AS BIGINT)
                THEN 'eligible' ELSE 'basic_days' END
            WHEN d.next_full_ms IS NULL THEN 'basic_cycles'
            WHEN d.run_ms <= CAST(%(now_ms)s AS BIGINT) THEN 'eligible'
            WHEN d.next_full_ms > d.last_ms + d.days * {DAY} THEN 'basic_cycles'
            ELSE 'basic_days'
        END,
        CASE
            WHEN j.is_aged = 1 OR d.valid = 0 OR d.aging = 0 OR j.is_running = 1
                OR d.days = -1 THEN NULL
            WHEN d.cycles = 0 THEN {days_only_run}
            ELSE d.run_ms
        END
    FROM jobs j
    JOIN dated d
        ON d.commcell_id = j.commcell_id
        AND d.storage_policy_id = j.storage_policy_id
        AND d.client_key = j.client_key
        AND d.subclient_key = j.subclient_key
        AND d.cycle_no = j.cycle_no
    ORDER BY j.commcell_id, j.storage_policy_id, j.client_key, j.subclient_key,
        j.start_ms, j.job_id"""
