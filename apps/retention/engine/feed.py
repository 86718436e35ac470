"""Feed a copy's jobs to the engine chain by chain, as rows arrive from SQL.

The rows must be ordered by chain key, then start time (``ORDER BY client, subclient,
start_time``), so that each chain's jobs are consecutive and only one chain is held in
memory at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import groupby

from .chain import DEFAULT_SETTINGS, evaluate_chain
from .inputs import CopyRetention, EngineSettings, JobRecord, PendingAuxCopy
from .results import ChainResult


def iter_chains(jobs: Iterable[JobRecord]) -> Iterator[tuple[str, list[JobRecord]]]:
    """Yield ``(chain_key, jobs)`` for each run of consecutive jobs with one chain key.

    A chain key that appears again after another key starts a second group, so
    unordered rows split one chain in two. Order the rows by chain key first.
    """
    for key, group in groupby(jobs, key=lambda job: job.chain_key):
        yield key, list(group)


def evaluate_copy(
    jobs: Iterable[JobRecord],
    retention: CopyRetention,
    now: datetime,
    *,
    settings: EngineSettings = DEFAULT_SETTINGS,
    pending_aux_copies: Sequence[PendingAuxCopy] = (),
) -> Iterator[ChainResult]:
    """Yield one ChainResult per chain of a copy's jobs, ordered by chain then start."""
    for key, chain_jobs in iter_chains(jobs):
        yield evaluate_chain(
            chain_jobs,
            retention,
            now,
            chain_key=key,
            settings=settings,
            pending_aux_copies=pending_aux_copies,
        )
