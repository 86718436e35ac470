"""Chain-by-chain feeding of a copy's jobs, as rows arrive from SQL."""

from dataclasses import replace

from apps.retention.engine import (
    CopyRetention,
    Reason,
    copy_full_interval,
    evaluate_copy,
    iter_chains,
)

from .builders import at, history


def two_chains():
    first = [replace(job, chain_key="a/1") for job in history(30, 7)]
    second = [
        replace(job, chain_key="b/1", job_id=job.job_id + 100)
        for job in history(30, 30)
    ]
    return first + second


def test_iter_chains_groups_consecutive_keys():
    groups = list(iter_chains(two_chains()))

    assert [key for key, _ in groups] == ["a/1", "b/1"]
    assert [len(jobs) for _, jobs in groups] == [30, 30]


def test_evaluate_copy_dates_each_chain_alone():
    results = list(evaluate_copy(two_chains(), CopyRetention(days=7, cycles=1), at(31)))

    weekly, monthly = results
    assert weekly.verdict(1).reason is Reason.ELIGIBLE
    assert monthly.verdict(101).reason is Reason.BASIC_CYCLES
    assert copy_full_interval(results) == 7
