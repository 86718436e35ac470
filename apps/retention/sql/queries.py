"""SQL text of the retention analysis, built for one dialect.

A chain is the jobs of one client and subclient on one copy. The primary copy of a
storage policy (copy precedence 1) holds the policy's jobs; a secondary copy holds
the jobs the CommServe lists on it (``commcell_joboncopy``). The jobs of every chain
are read once in (start time, job id) order. A running count of qualifying fulls
numbers the cycles: jobs before the first qualifying full form cycle 0, and cycle k
starts at the k-th qualifying full. One row per cycle then carries its full's start,
its last job's start and, through ``LEAD(full, C)``, the start of the C-th newer
qualifying full. Cycle k is due at ``max(start(F[k+C]), start(last job of k) + D
days)`` and ages at the first data aging run at or after that moment. A manual
retain-until date later than that moment moves the job's date to it.

Times are integer milliseconds since 1970 UTC (see ``dialects``). Named parameters:
``now`` (the timestamp column's stored form), ``now_ms``, ``last_run_ms`` (the last
data aging run at or before ``now``), ``offset_ms`` (time of day of the aging runs, in
UTC, at ``now``), ``cycles_unknown``, ``days_only``, ``errors_full``, ``synthetic_full``
(0 or 1), ``open_cycle_factor``, ``tolerance_ms``, ``zone_min_offset_ms`` when a table of
aging runs is used (see ``aging_run``) and, when the scope filters on them,
``commcell_id``, ``storage_policy_id`` and ``copy_id``.
"""

from .dialects import Dialect

DAY_MS = 86_400_000
DAY = f"CAST({DAY_MS} AS BIGINT)"
OFFSET = "CAST(%(offset_ms)s AS BIGINT)"
NOW_MS = "CAST(%(now_ms)s AS BIGINT)"
LAST_RUN_MS = "CAST(%(last_run_ms)s AS BIGINT)"

FULL_LEVELS = "('full', 'synthetic_full')"
# Completed fulls always start a cycle. Completed-with-errors fulls and synthetic
# fulls do when the settings enable them (both by default). Failed, killed, running and
# other fulls never do.
QUALIFYING = (
    f"j.level IN {FULL_LEVELS} "
    "AND (j.outcome IN ('completed', 'completed_warnings') "
    "OR (j.outcome = 'completed_errors' AND %(errors_full)s = 1)) "
    "AND (j.level = 'full' OR %(synthetic_full)s = 1)"
)

# The copy key is 0 for jobs whose storage policy has no primary copy.
CHAIN = "commcell_id, copy_key, storage_policy_id, client_key, subclient_key"

# CommServe "retained by" values: extended retention rules, and manual retention set
# by a user.
RETAINED_BY_EXTENDED = 2
RETAINED_BY_USER = 4

# Reason codes of the per-job query.
REASONS = (
    "eligible",
    "basic_days",
    "basic_cycles",
    "manual_retention",
    "job_running",
    "aging_disabled",
    "infinite_retention",
    "extended_retention",
    "aged",
    "no_rule",
)

# Sources of a copy's jobs (CopyRetentionSummary.job_source).
POLICY_JOBS = "policy_jobs"
COPY_JOBS = "copy_jobs"
NOT_COLLECTED = "not_collected"


def aging_run(moment: str, runs_table: str | None = None) -> str:
    """Return SQL for the first data aging run at or after ``moment`` (milliseconds).

    Without ``runs_table`` the runs are a whole number of days apart at the fixed
    ``offset_ms``. With it, the run of each local date comes from that table
    (``day_no``: days since 1970-01-01 in local time, ``run_ms``), so the time of day
    in UTC follows daylight saving time. The local date of ``moment`` is at least
    ``(moment + zone_min_offset_ms) / DAY``, and the run sought is on that date or
    one of the next two. Moments outside the table fall back to the fixed offset.
    """
    fixed = f"((({moment}) - {OFFSET} + {DAY} - 1) / {DAY}) * {DAY} + {OFFSET}"
    if runs_table is None:
        return fixed

    first_day = f"((({moment}) + CAST(%(zone_min_offset_ms)s AS BIGINT)) / {DAY})"
    return f"""COALESCE((
                SELECT MIN(ar.run_ms) FROM {runs_table} ar
                WHERE ar.day_no BETWEEN {first_day} AND {first_day} + 2
                    AND ar.run_ms >= ({moment})
            ), {fixed})"""


def scope_filter(
    *,
    commcell: bool,
    storage_policy: bool,
    alias: str = "j",
    copy: bool = False,
    copy_alias: str = "r",
) -> str:
    parts = []
    if commcell:
        parts.append(f"AND {alias}.commcell_id = %(commcell_id)s")
    if storage_policy:
        parts.append(f"AND {alias}.storage_policy_id = %(storage_policy_id)s")
    if copy:
        parts.append(f"AND {copy_alias}.copy_id = %(copy_id)s")
    return " ".join(parts)


def _rule_cte() -> str:
    # Every copy analysed: the primary copy (precedence 1, the lowest id when a
    # policy lists several) and each active secondary copy, with its retention rule.
    # Unknown cycles count as `cycles_unknown`, and days-only retention turns every
    # rule's cycles to 0. Invalid values make the rule unusable.
    return """
    primary_copy AS (
        SELECT storage_policy_id, MIN(id) AS copy_id
        FROM commcell_storagepolicycopy
        WHERE copy_precedence = 1 AND removed_at IS NULL
        GROUP BY storage_policy_id
    ),
    rule AS (
        SELECT
            c.storage_policy_id,
            c.id AS copy_id,
            CASE WHEN p.copy_id IS NULL THEN 0 ELSE 1 END AS is_primary,
            r.id AS rule_id,
            r.retention_days AS days,
            CASE
                WHEN %(days_only)s = 1 THEN 0
                WHEN r.cycles_reported THEN r.retention_cycles
                ELSE %(cycles_unknown)s
            END AS cycles,
            CASE WHEN r.data_aging_enabled THEN 1 ELSE 0 END AS aging,
            CASE WHEN r.id IS NULL OR r.retention_days < -1
                OR r.retention_cycles < 0 THEN 0 ELSE 1 END AS valid
        FROM commcell_storagepolicycopy c
        LEFT JOIN primary_copy p ON p.copy_id = c.id
        LEFT JOIN retention_retentionrule r ON r.copy_id = c.id
        WHERE c.removed_at IS NULL
            AND (p.copy_id IS NOT NULL OR (c.active AND COALESCE(c.copy_precedence, 0) <> 1))
    )"""


def _flag(condition: str) -> str:
    # A 0/1 column. SMALLINT keeps the rows that the window sorts narrow.
    return f"CAST(CASE WHEN {condition} THEN 1 ELSE 0 END AS SMALLINT)"


def _job_columns(dialect: Dialect, aged: str) -> str:
    # The columns of one job on one copy, projected to a few integers. ``aged`` is
    # the aged flag of that copy: the job table's for the primary copy, the
    # CommServe's per-copy flag for a secondary copy. The rule's values and the
    # client's data aging switch are joined again per cycle (``_cycle_ctes``), so
    # the rows stay narrow for the sort. Rows are ordered by start in whole
    # milliseconds, then job id.
    start_ms = dialect.to_ms.format("j.start_time")
    reported_ms = dialect.to_ms.format("jc.retain_until")
    datable = f"({aged}) = FALSE AND j.outcome <> 'running'"
    manual = f"jc.retained_by = {RETAINED_BY_USER}"
    extended = f"jc.retained_by = {RETAINED_BY_EXTENDED} AND NOT jc.is_aged"
    # COALESCE keeps a job without a CommServe row (all NULLs here) at "not held",
    # so that NOT(manual_hold) stays true for it.
    manual_hold = (
        f"COALESCE({datable} AND {manual} AND (jc.retain_infinite "
        f"OR {reported_ms} > {LAST_RUN_MS}), FALSE)"
    )
    extended_hold = f"COALESCE({datable} AND NOT ({manual_hold}) AND {extended}, FALSE)"
    return f"""
                j.id,
                j.job_id,
                j.commcell_id,
                j.storage_policy_id,
                COALESCE(r.copy_id, 0) AS copy_key,
                COALESCE(j.client_id, 0) AS client_key,
                COALESCE(j.subclient_cv_id, -1) AS subclient_key,
                {start_ms} AS start_ms,
                {_flag(aged)} AS is_aged,
                {_flag("j.outcome = 'running'")} AS is_running,
                {_flag(datable)} AS is_datable,
                {_flag(QUALIFYING)} AS is_full,
                {_flag("j.level = 'synthetic_full'")} AS is_synthetic,
                {_flag(f"j.level IN {FULL_LEVELS} AND NOT ({QUALIFYING})")}
                    AS is_failed_full,
                {_flag(manual_hold)} AS manual_hold,
                {_flag(extended_hold)} AS extended_hold,
                {
        _flag(
            f"{datable} AND NOT ({manual_hold}) AND NOT ({extended_hold}) "
            f"AND {start_ms} + r.days * {DAY} <= {LAST_RUN_MS}"
        )
    } AS days_only_eligible,
                {_flag("jc.id IS NOT NULL")} AS has_report,
                {_flag(extended)} AS extended_kept,
                {_flag("jc.is_aged")} AS reported_aged,
                {_flag("jc.retain_infinite")} AS reported_infinite,
                {reported_ms} AS reported_ms,
                {_flag(f"{manual} AND jc.retain_infinite")} AS manual_infinite,
                CASE WHEN {manual} AND NOT jc.retain_infinite THEN {reported_ms}
                    END AS manual_ms"""


def _jobs_cte(dialect: Dialect, scope: str, *, secondary: bool, copy: bool) -> str:
    # The inner query projects each job to a few integers before the window sorts
    # them, so the sort stores those integers instead of every column. All
    # window functions share one partition and order, so the jobs are sorted once.
    # Running sums at the last job of each cycle then give the cycle's counts
    # without grouping every job a second time.
    copy_filter = "AND r.copy_id = %(copy_id)s" if copy else ""
    primary = f"""
            SELECT {_job_columns(dialect, "j.is_aged")}
            FROM commcell_job j
            LEFT JOIN rule r
                ON r.storage_policy_id = j.storage_policy_id AND r.is_primary = 1
            LEFT JOIN commcell_joboncopy jc
                ON jc.copy_id = r.copy_id AND jc.job_id = j.job_id
            WHERE j.storage_policy_id IS NOT NULL
                AND j.start_time <= %(now)s
                {scope} {copy_filter}"""
    secondary_sql = f"""
            UNION ALL
            SELECT {_job_columns(dialect, "jc.is_aged")}
            FROM commcell_joboncopy jc
            JOIN rule r ON r.copy_id = jc.copy_id AND r.is_primary = 0
            JOIN commcell_job j
                ON j.commcell_id = jc.commcell_id AND j.job_id = jc.job_id
            WHERE j.start_time <= %(now)s
                {scope} {copy_filter}"""
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
            SUM(k.manual_hold) OVER chain_order AS manual_held_so_far,
            SUM(k.extended_hold) OVER chain_order AS extended_held_so_far,
            SUM(k.is_failed_full) OVER chain_order AS failed_fulls_so_far,
            SUM(k.is_full * k.is_synthetic) OVER chain_order AS synthetic_so_far,
            SUM(k.days_only_eligible) OVER chain_order AS days_only_so_far
        FROM ({primary}
            {secondary_sql if secondary else ""}
            {dialect.fence}
        ) k
        WINDOW chain_order AS (
            PARTITION BY k.commcell_id, k.copy_key, k.storage_policy_id,
                k.client_key, k.subclient_key
            ORDER BY k.start_ms, k.job_id
            ROWS UNBOUNDED PRECEDING
        )
    )"""


def _since_previous(column: str) -> str:
    return f"{column} - COALESCE(LAG({column}) OVER chain_cycles, 0)"


def _cycle_ctes(source: str = "jobs", runs_table: str | None = None) -> str:
    # One row per cycle: the last job of each cycle, where the next job of the
    # chain starts a new cycle or the chain ends. Each cycle after cycle 0 contains
    # exactly one qualifying full, so the count of synthetic qualifying fulls in the
    # cycle tells which kind started it.
    return f"""
    cycle_ends AS (
        SELECT
            j.*,
            r.rule_id,
            r.days,
            r.cycles,
            CASE WHEN cl.data_aging_enabled = FALSE THEN 0 ELSE r.aging END AS aging,
            COALESCE(r.valid, 0) AS valid
        FROM {source} j
        LEFT JOIN rule r ON r.copy_id = j.copy_key
        LEFT JOIN commcell_client cl ON cl.id = j.client_key
        WHERE j.next_is_full = 1 OR j.next_is_full IS NULL
    ),
    cycles AS (
        SELECT
            {CHAIN},
            cycle_no,
            newest_id,
            rule_id,
            days,
            cycles,
            aging,
            valid,
            full_ms,
            CASE WHEN cycle_no = 0 THEN chain_first_ms ELSE full_ms END AS first_ms,
            start_ms AS last_ms,
            CASE WHEN cycle_no = 0 THEN -1
                ELSE {_since_previous("synthetic_so_far")} END AS full_kind,
            {_since_previous("jobs_so_far")} AS job_count,
            {_since_previous("aged_so_far")} AS aged_count,
            {_since_previous("datable_so_far")} AS datable_count,
            {_since_previous("manual_held_so_far")} AS manual_held,
            {_since_previous("extended_held_so_far")} AS extended_held,
            {_since_previous("failed_fulls_so_far")} AS failed_fulls,
            {_since_previous("days_only_so_far")} AS days_only_eligible
        FROM cycle_ends
        WINDOW chain_cycles AS (PARTITION BY {CHAIN} ORDER BY cycle_no)
    ),
    cyc AS (
        SELECT
            c.*,
            LEAD(c.full_ms, CASE WHEN c.cycles > 0 THEN c.cycles ELSE 1 END)
                OVER chain_cycles AS next_full_ms,
            c.full_ms - LAG(c.full_ms) OVER chain_cycles AS interval_ms,
            c.full_ms - LAG(c.full_ms) OVER kind_cycles AS kind_interval_ms,
            MAX(c.cycle_no) OVER chain_all AS last_cycle_no
        FROM cycles c
        WINDOW
            chain_cycles AS (
                PARTITION BY c.commcell_id, c.copy_key, c.storage_policy_id,
                    c.client_key, c.subclient_key
                ORDER BY c.cycle_no
            ),
            kind_cycles AS (
                PARTITION BY c.commcell_id, c.copy_key, c.storage_policy_id,
                    c.client_key, c.subclient_key, c.full_kind
                ORDER BY c.cycle_no
            ),
            chain_all AS (
                PARTITION BY c.commcell_id, c.copy_key, c.storage_policy_id,
                    c.client_key, c.subclient_key
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
            {aging_run("due_ms", runs_table)} AS run_ms,
            CASE
                WHEN valid = 0 OR aging = 0 OR days = -1 OR full_ms IS NULL THEN NULL
                WHEN cycles = 0 THEN {aging_run(f"full_ms + days * {DAY}", runs_table)}
                ELSE {aging_run("due_ms", runs_table)}
            END AS full_run_ms
        FROM due
    )"""


def _judged_cte(where: str, source: str = "jobs", runs_table: str | None = None) -> str:
    # Each job with its cycle: the rule's moment, whether a later manual date wins,
    # the reason code and the retain-until date (the aging run), and whether the
    # CommServe's own date disagrees with it. The reason order follows the engine:
    # aged, no usable rule, aging disabled, running, manual infinite retention,
    # infinite days, kept by extended retention on the CommServe (with the
    # CommServe's date, as this SQL does not model extended rules), no date yet,
    # eligible, manual retention, then the rule's reason.
    moment = f"""
                CASE
                    WHEN d.valid = 0 OR d.days = -1 THEN NULL
                    WHEN d.cycles = 0 THEN j.start_ms + d.days * {DAY}
                    ELSE d.due_ms
                END"""
    return f"""
    ruled AS (
        SELECT
            j.id,
            j.job_id,
            j.commcell_id,
            j.copy_key,
            j.storage_policy_id,
            j.client_key,
            j.subclient_key,
            j.cycle_no,
            j.start_ms,
            j.is_aged,
            j.is_running,
            j.has_report,
            j.extended_kept,
            j.reported_aged,
            j.reported_infinite,
            j.reported_ms,
            j.manual_infinite,
            j.manual_ms,
            d.valid,
            d.aging,
            d.days,
            d.cycles,
            d.last_ms,
            d.next_full_ms,
            {moment} AS rule_ms
        FROM {source} j
        JOIN dated d
            ON d.commcell_id = j.commcell_id
            AND d.copy_key = j.copy_key
            AND d.storage_policy_id = j.storage_policy_id
            AND d.client_key = j.client_key
            AND d.subclient_key = j.subclient_key
            AND d.cycle_no = j.cycle_no
        {where}
    ),
    won AS (
        SELECT
            ruled.*,
            CASE WHEN manual_ms IS NOT NULL AND rule_ms IS NOT NULL
                AND manual_ms > rule_ms THEN 1 ELSE 0 END AS manual_wins
        FROM ruled
    ),
    dated_job AS (
        SELECT
            won.*,
            CASE WHEN manual_wins = 1 THEN {aging_run("manual_ms", runs_table)}
                ELSE {aging_run("rule_ms", runs_table)} END AS final_ms
        FROM won
    ),
    judged AS (
        SELECT
            dated_job.*,
            CASE
                WHEN is_aged = 1 THEN 'aged'
                WHEN valid = 0 THEN 'no_rule'
                WHEN aging = 0 THEN 'aging_disabled'
                WHEN is_running = 1 THEN 'job_running'
                WHEN manual_infinite = 1 OR days = -1 THEN 'infinite_retention'
                WHEN extended_kept = 1 THEN 'extended_retention'
                WHEN rule_ms IS NULL THEN 'basic_cycles'
                WHEN final_ms <= {NOW_MS} THEN 'eligible'
                WHEN manual_wins = 1 THEN 'manual_retention'
                WHEN cycles = 0 THEN 'basic_days'
                WHEN next_full_ms > last_ms + days * {DAY} THEN 'basic_cycles'
                ELSE 'basic_days'
            END AS reason,
            CASE
                WHEN is_aged = 1 OR valid = 0 OR aging = 0 OR is_running = 1
                    OR manual_infinite = 1 OR days = -1 THEN NULL
                WHEN extended_kept = 1 THEN CASE WHEN reported_infinite = 1
                    THEN NULL ELSE reported_ms END
                ELSE final_ms
            END AS retain_ms
        FROM dated_job
    ),
    compared AS (
        SELECT
            judged.*,
            {_disagrees()} AS disagrees,
            CASE WHEN reported_infinite = 0 AND reported_ms IS NOT NULL
                AND retain_ms IS NOT NULL
                THEN ABS(reported_ms - retain_ms) END AS difference_ms
        FROM judged
    )"""


def _disagrees() -> str:
    # The CommServe disagrees with the computed result in five cases. It aged a job
    # the rules keep. It keeps a job past the tolerance that the rules let go or
    # that the job table marks aged. It keeps a job forever where the rules give a
    # date, or gives a date where the rules give none. Or both dates are more than
    # the tolerance apart. Jobs without a usable rule are not compared, and neither
    # are jobs the CommServe keeps by extended retention, which this SQL does not
    # model (``extended_kept``, counted apart).
    tolerance = "CAST(%(tolerance_ms)s AS BIGINT)"
    return f"""CASE
                WHEN has_report = 0 OR valid = 0 OR extended_kept = 1 THEN 0
                WHEN reason = 'aged' THEN CASE WHEN reported_aged = 0
                    AND (reported_infinite = 1
                        OR reported_ms > {NOW_MS} + {tolerance})
                    THEN 1 ELSE 0 END
                WHEN reported_aged = 1 THEN CASE WHEN reason <> 'eligible'
                    THEN 1 ELSE 0 END
                WHEN reported_infinite = 1 THEN CASE WHEN retain_ms IS NOT NULL
                    THEN 1 ELSE 0 END
                WHEN reported_ms IS NULL THEN 0
                WHEN retain_ms IS NULL THEN 1
                WHEN ABS(reported_ms - retain_ms) > {tolerance} THEN 1
                ELSE 0
            END"""


def _median(column: str, rank: str, count: str, when: str = "") -> str:
    condition = f"({rank} = ({count} + 1) / 2 OR {rank} = ({count} + 2) / 2)"
    if when:
        condition = f"{when} AND {condition}"
    return f"AVG(CASE WHEN {condition} THEN {column} END)"


def chain_select(dialect: Dialect, scope: str, runs_table: str | None = None) -> str:
    """Return the SELECT of one ChainCadence row per chain and copy, in column order.

    ``runs_table`` names the table of data aging runs per local date when the aging
    clock follows daylight saving time (see ``aging_run``).
    """
    ms = dialect.from_ms
    not_null_first = "CASE WHEN {0} IS NULL THEN 1 ELSE 0 END, {0}"
    # One pass over the windowed jobs keeps the last job of each cycle and every job
    # the CommServe reported. Only that smaller set is stored for the two readers,
    # where reading the jobs twice would store every job (in temporary files).
    return f"""
    WITH {_rule_cte()},
    {_jobs_cte(dialect, scope, secondary=True, copy=False)},
    picked AS (
        SELECT * FROM jobs
        WHERE next_is_full = 1 OR next_is_full IS NULL OR has_report = 1
    ),
    {_cycle_ctes("picked", runs_table)},
    {_judged_cte("WHERE j.has_report = 1", "picked", runs_table)},
    reported AS (
        SELECT
            {CHAIN},
            COUNT(*) AS reported_count,
            SUM(disagrees) AS disagreeing_count,
            SUM(extended_kept) AS extended_count,
            MAX(CASE WHEN disagrees = 1 THEN difference_ms END) AS max_difference_ms,
            MAX(CASE WHEN example_rank = 1 AND disagrees = 1 THEN id END)
                AS example_id
        FROM (
            SELECT
                compared.*,
                ROW_NUMBER() OVER (
                    PARTITION BY {CHAIN}
                    ORDER BY disagrees DESC,
                        {not_null_first.format("difference_ms")} DESC, job_id
                ) AS example_rank
            FROM compared
        ) ranked_reports
        GROUP BY {CHAIN}
    ),
    ranked AS (
        SELECT
            dated.*,
            ROW_NUMBER() OVER (
                PARTITION BY {CHAIN}
                ORDER BY {not_null_first.format("interval_ms")}
            ) AS interval_rank,
            COUNT(interval_ms) OVER (PARTITION BY {CHAIN}) AS interval_count,
            ROW_NUMBER() OVER (
                PARTITION BY {CHAIN}, full_kind
                ORDER BY {not_null_first.format("kind_interval_ms")}
            ) AS kind_rank,
            COUNT(kind_interval_ms) OVER (PARTITION BY {CHAIN}, full_kind)
                AS kind_count
        FROM dated
    ),
    chain AS (
        SELECT
            {CHAIN},
            MAX(newest_id) AS newest_id,
            MAX(rule_id) AS rule_id,
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
            {_median("interval_ms", "interval_rank", "interval_count")}
                AS median_interval_ms,
            {_median("kind_interval_ms", "kind_rank", "kind_count", "full_kind = 0")}
                AS median_full_ms,
            {_median("kind_interval_ms", "kind_rank", "kind_count", "full_kind = 1")}
                AS median_synthetic_ms,
            MAX(CASE WHEN cycle_no >= 1 AND cycle_no = last_cycle_no
                - (CASE WHEN cycles > 0 THEN cycles ELSE 0 END)
                THEN full_run_ms - full_ms END) AS kept_ms,
            SUM(CASE
                WHEN valid = 0 OR aging = 0 OR days = -1 THEN 0
                WHEN cycles = 0 THEN days_only_eligible
                WHEN run_ms <= {NOW_MS}
                    THEN datable_count - manual_held - extended_held
                ELSE 0
            END) AS eligible_count,
            SUM(aged_count) AS aged_count
        FROM ranked
        GROUP BY {CHAIN}
    )
    SELECT
        chain.commcell_id,
        chain.storage_policy_id,
        NULLIF(chain.client_key, 0),
        NULLIF(chain.subclient_key, -1),
        newest.client_name,
        newest.subclient_name,
        NULLIF(chain.copy_key, 0),
        chain.rule_id,
        job_count,
        full_count,
        failed_fulls,
        failed_fulls_open,
        {ms.format("first_ms")},
        {ms.format("last_ms")},
        CASE WHEN last_full_ms IS NULL THEN NULL
            ELSE {ms.format("last_full_ms")} END,
        median_interval_ms / {DAY_MS}.0,
        median_full_ms / {DAY_MS}.0,
        median_synthetic_ms / {DAY_MS}.0,
        ({NOW_MS} - open_ms) / {DAY_MS}.0,
        CASE WHEN chain.valid = 1 AND chain.cycles > 0 AND chain.days > 0
            AND ({NOW_MS} - open_ms) / {DAY_MS}.0
                > %(open_cycle_factor)s * chain.days
            THEN TRUE ELSE FALSE END,
        kept_ms / {DAY_MS}.0,
        CASE WHEN kept_ms IS NULL OR chain.days < 0 THEN NULL
            ELSE kept_ms / {DAY_MS}.0 - chain.days END,
        eligible_count,
        aged_count,
        job_count - eligible_count - aged_count,
        COALESCE(reported.reported_count, 0),
        COALESCE(reported.disagreeing_count, 0),
        COALESCE(reported.extended_count, 0),
        reported.max_difference_ms / {DAY_MS}.0,
        reported.example_id,
        %(now)s
    FROM chain
    JOIN commcell_job newest ON newest.id = chain.newest_id
    LEFT JOIN reported
        ON reported.commcell_id = chain.commcell_id
        AND reported.copy_key = chain.copy_key
        AND reported.storage_policy_id = chain.storage_policy_id
        AND reported.client_key = chain.client_key
        AND reported.subclient_key = chain.subclient_key"""


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
    "median_full_only_interval_days",
    "median_synthetic_full_interval_days",
    "open_cycle_age_days",
    "open_cycle_flagged",
    "effective_retention_days",
    "retention_delay_days",
    "eligible_job_count",
    "aged_job_count",
    "retained_job_count",
    "reported_job_count",
    "disagreeing_job_count",
    "extended_retention_job_count",
    "max_disagreement_days",
    "disagreement_example_job_id",
    "computed_at",
)


def copy_summary_select(dialect: Dialect, *, commcell: bool) -> str:
    """Return the SELECT of one CopyRetentionSummary row per analysed copy.

    It reads the ChainCadence rows, so those must be refreshed first. The per-copy
    figures are computed once (``dialect.materialized``): a planner that expects few
    copies would otherwise compute them again for every copy. A secondary
    copy without any collected job row gets the job source "not_collected" and zero
    counts instead of figures guessed from its policy's jobs.
    """
    scope = scope_filter(commcell=commcell, storage_policy=False, alias="c")
    chain_scope = scope_filter(commcell=commcell, storage_policy=False, alias="cc")
    not_null_first = "CASE WHEN {0} IS NULL THEN 1 ELSE 0 END, {0}"

    def rank(column: str, name: str) -> str:
        return f"""
            ROW_NUMBER() OVER (
                PARTITION BY copy_id ORDER BY {not_null_first.format(column)}
            ) AS {name}_rank,
            COUNT({column}) OVER (PARTITION BY copy_id) AS {name}_count"""

    return f"""
    WITH {_rule_cte()},
    ranked AS (
        SELECT
            cc.*,
            {rank("median_full_interval_days", "interval")},
            {rank("median_full_only_interval_days", "full")},
            {rank("median_synthetic_full_interval_days", "synthetic")},
            {rank("effective_retention_days", "kept")},
            ROW_NUMBER() OVER (
                PARTITION BY copy_id
                ORDER BY disagreeing_job_count DESC,
                    {not_null_first.format("max_disagreement_days")} DESC, id
            ) AS example_rank
        FROM retention_chaincadence cc
        WHERE cc.copy_id IS NOT NULL {chain_scope}
    ),
    per_copy AS {dialect.materialized} (
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
            {_median("median_full_only_interval_days", "full_rank", "full_count")}
                AS median_full,
            {
        _median(
            "median_synthetic_full_interval_days", "synthetic_rank", "synthetic_count"
        )
    }
                AS median_synthetic,
            {_median("effective_retention_days", "kept_rank", "kept_count")}
                AS median_kept,
            MAX(open_cycle_age_days) AS max_open_age,
            SUM(CASE WHEN open_cycle_flagged THEN 1 ELSE 0 END) AS flagged,
            SUM(eligible_job_count) AS eligible,
            SUM(retained_job_count) AS retained,
            SUM(aged_job_count) AS aged,
            SUM(reported_job_count) AS reported,
            SUM(disagreeing_job_count) AS disagreeing,
            SUM(extended_retention_job_count) AS extended,
            MAX(max_disagreement_days) AS max_difference,
            MAX(CASE WHEN example_rank = 1 THEN disagreement_example_job_id END)
                AS example_id
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
        CASE
            WHEN rule.is_primary = 1 THEN '{POLICY_JOBS}'
            WHEN EXISTS (
                SELECT 1 FROM commcell_joboncopy jc WHERE jc.copy_id = c.id
            ) THEN '{COPY_JOBS}'
            ELSE '{NOT_COLLECTED}'
        END,
        COALESCE(p.chain_count, 0),
        COALESCE(p.job_count, 0),
        COALESCE(p.full_count, 0),
        COALESCE(p.failed_fulls, 0),
        COALESCE(p.chains_failing, 0),
        p.median_interval,
        p.median_full,
        p.median_synthetic,
        p.median_kept,
        CASE WHEN p.median_kept IS NULL OR r.retention_days IS NULL
            OR r.retention_days < 0 THEN NULL
            ELSE p.median_kept - r.retention_days END,
        p.max_open_age,
        COALESCE(p.flagged, 0),
        COALESCE(p.eligible, 0),
        COALESCE(p.retained, 0),
        COALESCE(p.aged, 0),
        COALESCE(p.reported, 0),
        COALESCE(p.disagreeing, 0),
        COALESCE(p.extended, 0),
        p.max_difference,
        p.example_id,
        %(now)s
    FROM rule
    JOIN commcell_storagepolicycopy c ON c.id = rule.copy_id
    LEFT JOIN retention_retentionrule r ON r.copy_id = c.id
    LEFT JOIN per_copy p ON p.copy_id = c.id
    WHERE 1 = 1 {scope}
    ORDER BY c.storage_policy_id, rule.is_primary DESC, c.id"""


SUMMARY_COLUMNS = (
    "commcell_id",
    "copy_id",
    "storage_policy_id",
    "plan_id",
    "retention_rule_id",
    "retention_days",
    "retention_cycles",
    "data_aging_enabled",
    "job_source",
    "chain_count",
    "job_count",
    "qualifying_full_count",
    "failed_full_count",
    "chains_with_failed_fulls",
    "median_full_interval_days",
    "median_full_only_interval_days",
    "median_synthetic_full_interval_days",
    "effective_retention_days",
    "retention_delay_days",
    "max_open_cycle_age_days",
    "flagged_open_cycles",
    "eligible_job_count",
    "retained_job_count",
    "aged_job_count",
    "reported_job_count",
    "disagreeing_job_count",
    "extended_retention_job_count",
    "max_disagreement_days",
    "disagreement_example_job_id",
    "computed_at",
)


def job_select(
    dialect: Dialect,
    scope: str,
    *,
    every_copy: bool,
    copy: bool,
    runs_table: str | None = None,
) -> str:
    """Return the per-job eligibility SELECT, one row per job and copy in the scope.

    Without ``every_copy`` only the primary copies are read. With ``copy`` the
    scope is the one copy in the ``copy_id`` parameter. Columns: id, job_id,
    commcell_id, storage_policy_id, client_id, subclient_cv_id, cycle_no, start_ms,
    reason, retain_until_ms (NULL when no date is known), copy_id, disagrees.
    """
    secondary = every_copy or copy
    return f"""
    WITH {_rule_cte()},
    {_jobs_cte(dialect, scope, secondary=secondary, copy=copy)},
    {_cycle_ctes(runs_table=runs_table)},
    {_judged_cte("", runs_table=runs_table)}
    SELECT
        id,
        job_id,
        commcell_id,
        storage_policy_id,
        NULLIF(client_key, 0),
        NULLIF(subclient_key, -1),
        cycle_no,
        start_ms,
        reason,
        retain_ms,
        NULLIF(copy_key, 0),
        disagrees
    FROM compared
    ORDER BY commcell_id, storage_policy_id, copy_key, client_key, subclient_key,
        start_ms, job_id"""
