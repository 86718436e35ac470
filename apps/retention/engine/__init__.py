"""The retention rules engine: when each job on a copy ages, and why not yet.

Plain Python with no Django imports, so it runs on rows from SQL or from tests alike.
"""

from .cadence import (
    CadenceSummary,
    copy_full_interval,
    effective_retention,
    kept_days,
    measured_full_interval,
)
from .chain import evaluate_chain, qualifies_as_full
from .clock import next_aging_run
from .feed import evaluate_copy, iter_chains
from .inputs import (
    INFINITE_DAYS,
    CopyRetention,
    EngineSettings,
    ExtendedKind,
    ExtendedRule,
    JobRecord,
    Level,
    Outcome,
    PendingAuxCopy,
    ReportedRetention,
)
from .results import ChainResult, DataQualityNote, JobVerdict, OpenCycle, Reason
from .whatif import (
    Recommendation,
    RetentionChange,
    WhatIfResult,
    apply_change,
    intent_group,
    recommend,
    what_if,
)

__all__ = [
    "INFINITE_DAYS",
    "CadenceSummary",
    "ChainResult",
    "CopyRetention",
    "DataQualityNote",
    "EngineSettings",
    "ExtendedKind",
    "ExtendedRule",
    "JobRecord",
    "JobVerdict",
    "Level",
    "OpenCycle",
    "Outcome",
    "PendingAuxCopy",
    "Reason",
    "Recommendation",
    "ReportedRetention",
    "RetentionChange",
    "WhatIfResult",
    "apply_change",
    "copy_full_interval",
    "effective_retention",
    "evaluate_chain",
    "evaluate_copy",
    "intent_group",
    "iter_chains",
    "kept_days",
    "measured_full_interval",
    "next_aging_run",
    "qualifies_as_full",
    "recommend",
    "what_if",
]
