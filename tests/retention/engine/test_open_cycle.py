"""Open cycles: the newest cycle with no later full, flagged past twice the days (FC-04)."""

from apps.retention.engine import CopyRetention, Reason, evaluate_chain

from .builders import at, history, job

THIRTY_ONE = CopyRetention(days=30, cycles=1)


def test_fc04_incremental_forever_keeps_everything():
    jobs = history(1096, full_every=100_000, first_day=1)

    result = evaluate_chain(jobs, THIRTY_ONE, at(1097, 23))

    eligible = [v for v in result.verdicts if v.reason is Reason.ELIGIBLE]
    assert eligible == []
    assert {v.reason for v in result.verdicts} == {Reason.BASIC_CYCLES}


def test_fc04_open_cycle_flagged_high():
    jobs = history(1096, full_every=100_000, first_day=1)

    result = evaluate_chain(jobs, THIRTY_ONE, at(1097, 22))

    open_cycle = result.open_cycle
    assert round(open_cycle.age_days) == 1096
    assert open_cycle.flagged is True
    assert open_cycle.severity == "high"
    assert "Open cycle 1096 days old" in open_cycle.sentence
    assert "no full or synthetic full since 2025-01-01" in open_cycle.sentence


def test_failed_fulls_keep_cycle_open():
    full_days = {1, 8, 15, 22, 29, 36, 43, 50, 57, 64}
    jobs = [
        job(day, day, "full", "completed" if day == 1 else "failed")
        if day in full_days
        else job(day, day)
        for day in range(1, 70)
    ]

    result = evaluate_chain(jobs, THIRTY_ONE, at(70))

    open_cycle = result.open_cycle
    assert open_cycle.flagged is True
    assert open_cycle.failed_fulls == 9
    assert open_cycle.first_failed_full == at(8)
    assert "9 failed full(s) since 2025-01-01" in open_cycle.sentence
    assert result.verdict(1).reason is Reason.BASIC_CYCLES


def test_young_open_cycle_not_flagged():
    result = evaluate_chain(history(40, 7), THIRTY_ONE, at(41))

    assert result.open_cycle.flagged is False
    assert result.open_cycle.severity == "info"


def test_chain_without_full_reports_orphan_cycle():
    jobs = [job(day, day) for day in range(1, 80)]

    result = evaluate_chain(jobs, THIRTY_ONE, at(80))

    assert result.open_cycle.has_full is False
    assert result.open_cycle.flagged is True
    assert "no qualifying full at all" in result.open_cycle.sentence
    assert result.verdict(1).reason is Reason.BASIC_CYCLES


def test_orphan_jobs_age_with_first_cycle():
    jobs = [job(1, 1), job(2, 2), job(3, 3, "full"), job(4, 10, "full")]

    result = evaluate_chain(jobs, CopyRetention(days=2, cycles=1), at(20))

    # The jobs before the first full close when that full starts.
    assert result.verdict(1).retain_until == at(5, 12)
    assert result.verdict(3).retain_until == at(11, 12)
