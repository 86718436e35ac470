"""Property checks on random job histories with a fixed seed."""

import random
from datetime import timedelta

import pytest

from apps.retention.engine import CopyRetention, evaluate_chain

from .builders import at, job

SEEDS = range(40)


def random_history(rng: random.Random, days: int = 120) -> list:
    jobs = [job(1, 1, "full")]
    for day in range(2, days + 1):
        roll = rng.random()
        if roll < 0.15:
            outcome = rng.choice(
                ["completed", "completed", "completed_errors", "failed"]
            )
            jobs.append(job(day, day, "full", outcome, hour=rng.randrange(24)))
        elif roll < 0.9:
            jobs.append(job(day, day, hour=rng.randrange(24)))
    return jobs


def dates(result) -> dict:
    return {v.job_id: v.retain_until for v in result.verdicts}


def no_earlier(later, earlier) -> bool:
    """Return True when ``later`` is no earlier than ``earlier`` (None means never)."""
    if later is None:
        return True
    return earlier is not None and later >= earlier


@pytest.mark.parametrize("seed", SEEDS)
def test_extra_cycles_never_age_sooner(seed):
    rng = random.Random(seed)
    jobs = random_history(rng)
    days = rng.choice([0, 1, 7, 14, 30])
    now = at(121)

    fewer = dates(evaluate_chain(jobs, CopyRetention(days=days, cycles=1), now))
    more = dates(evaluate_chain(jobs, CopyRetention(days=days, cycles=3), now))

    assert all(no_earlier(more[job_id], fewer[job_id]) for job_id in fewer)


@pytest.mark.parametrize("seed", SEEDS)
def test_later_full_never_delays_earlier_cycles(seed):
    rng = random.Random(seed)
    jobs = random_history(rng)
    retention = CopyRetention(days=rng.choice([1, 7, 14]), cycles=rng.choice([1, 2]))
    extra = job(10_000, 121, "full")
    now = at(122)

    before = dates(evaluate_chain(jobs, retention, now))
    after = dates(evaluate_chain([*jobs, extra], retention, now))

    assert all(no_earlier(before[job_id], after[job_id]) for job_id in before)


@pytest.mark.parametrize("seed", SEEDS)
def test_more_days_never_age_sooner(seed):
    rng = random.Random(seed)
    jobs = random_history(rng)
    now = at(121)

    short = dates(evaluate_chain(jobs, CopyRetention(days=7, cycles=1), now))
    long = dates(evaluate_chain(jobs, CopyRetention(days=21, cycles=1), now))

    assert all(no_earlier(long[job_id], short[job_id]) for job_id in short)


@pytest.mark.parametrize("seed", SEEDS)
def test_no_job_ages_before_its_days(seed):
    rng = random.Random(seed)
    jobs = random_history(rng)
    days = rng.choice([1, 7, 14, 30])
    starts = {j.job_id: j.start for j in jobs}

    result = evaluate_chain(
        jobs, CopyRetention(days=days, cycles=rng.choice([1, 2])), at(121)
    )

    for verdict in result.verdicts:
        if verdict.retain_until is not None:
            assert verdict.retain_until >= starts[verdict.job_id] + timedelta(days=days)


@pytest.mark.parametrize("seed", SEEDS)
def test_whole_cycle_shares_one_date(seed):
    rng = random.Random(seed)
    jobs = random_history(rng)

    result = evaluate_chain(jobs, CopyRetention(days=7, cycles=1), at(121))

    by_cycle: dict[int, set] = {}
    for verdict in result.verdicts:
        by_cycle.setdefault(verdict.cycle_index, set()).add(verdict.retain_until)
    assert all(len(values) == 1 for values in by_cycle.values())
