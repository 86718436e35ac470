"""The worked examples of the retention formula and the field cases FC-01 and FC-02.

D days and C cycles keep the full of a cycle about max(C * P, D + P - 1) days with
fulls every P days, until the first daily data aging run (12:00) after that.
"""

from apps.retention.engine import (
    CopyRetention,
    EngineSettings,
    Reason,
    evaluate_chain,
    next_aging_run,
)

from .builders import at, history, job, kept_days


def test_fourteen_days_two_cycles_weekly_keeps_twenty_days():
    jobs = history(70, full_every=7)

    result = evaluate_chain(jobs, CopyRetention(days=14, cycles=2), at(71))

    first_full = result.verdict(1)
    assert first_full.retain_until == at(22, 12)
    assert 20 <= kept_days(first_full, at(1)) <= 21
    assert first_full.reason is Reason.ELIGIBLE


def test_fourteen_days_two_cycles_ages_in_third_week():
    jobs = history(20, full_every=7)

    result = evaluate_chain(jobs, CopyRetention(days=14, cycles=2), at(20, 23))

    # Two newer fulls exist (days 8 and 15), but day 7's incremental is 13 days old.
    verdict = result.verdict(1)
    assert verdict.reason is Reason.BASIC_DAYS
    assert verdict.retain_until == at(22, 12)
    assert result.verdict(7).retain_until == verdict.retain_until


def test_monthly_four_cycles_about_120_days():
    jobs = history(300, full_every=30)

    result = evaluate_chain(jobs, CopyRetention(days=30, cycles=4), at(300))

    verdict = result.verdict(1)
    assert 120 <= kept_days(verdict, at(1)) <= 121
    assert result.verdict(30).retain_until == verdict.retain_until


def test_weekly_thirty_days_about_36_days():
    jobs = history(100, full_every=7)

    result = evaluate_chain(jobs, CopyRetention(days=30, cycles=1), at(100))

    verdict = result.verdict(1)
    assert verdict.retain_until == at(38, 12)
    assert 36 <= kept_days(verdict, at(1)) <= 37


def test_fc01_not_eligible_day_31():
    jobs = history(61, full_every=30)

    result = evaluate_chain(
        jobs, CopyRetention(days=30, cycles=1, dedup=True), at(31, 23)
    )

    verdict = result.verdict(1)
    assert verdict.reason is Reason.BASIC_DAYS
    assert "Days not met for all jobs in the cycle" in verdict.sentence
    assert verdict.retain_until == at(61, 12)


def test_fc01_monthly_day_one_eligible_day_61_noon():
    jobs = history(61, full_every=30)
    retention = CopyRetention(days=30, cycles=1, dedup=True)

    before = evaluate_chain(jobs, retention, at(61, 11, 59))
    after = evaluate_chain(jobs, retention, at(61, 12))

    assert before.verdict(1).reason is Reason.BASIC_DAYS
    assert after.verdict(1).reason is Reason.ELIGIBLE
    assert after.verdict(30).reason is Reason.ELIGIBLE
    assert after.verdict(31).reason is Reason.BASIC_CYCLES
    assert 59 <= kept_days(after.verdict(1), at(1)) <= 60


def test_fc02_single_full_never_ages():
    jobs = [job(1, 0, "full")]

    result = evaluate_chain(jobs, CopyRetention(days=1, cycles=1, worm=True), at(400))

    verdict = result.verdict(1)
    assert verdict.retain_until is None
    assert verdict.reason is Reason.BASIC_CYCLES
    assert "kept indefinitely" in verdict.sentence
    assert "newer qualifying full" in verdict.sentence
    assert result.open_cycle.flagged is True
    assert "Open cycle 400 days old" in result.open_cycle.sentence


def test_fc02_second_full_lets_first_age():
    jobs = [job(1, 0, "full"), job(2, 7, "full")]

    result = evaluate_chain(jobs, CopyRetention(days=1, cycles=1, worm=True), at(8, 13))

    assert result.verdict(1).reason is Reason.ELIGIBLE
    assert result.verdict(1).retain_until == at(8, 12)
    assert result.verdict(2).reason is Reason.BASIC_CYCLES
    assert result.verdict(2).retain_until is None


def test_cycles_bind_when_later_than_days():
    jobs = [job(1, 1, "full"), job(2, 2), job(3, 20, "full")]

    result = evaluate_chain(jobs, CopyRetention(days=3, cycles=1), at(30))

    verdict = result.verdict(1)
    assert verdict.retain_until == at(21, 12)
    assert "Cycles met" in verdict.sentence


def test_aging_run_follows_commserve_offset():
    jobs = history(15, full_every=7)
    settings = EngineSettings(aging_utc_offset_minutes=120)

    result = evaluate_chain(
        jobs, CopyRetention(days=7, cycles=1), at(30), settings=settings
    )

    # Day 7 22:00 UTC + 7 days is day 15 00:00 local; the run is 12:00 local = 10:00 UTC.
    assert result.verdict(1).retain_until == at(15, 10)
    assert "UTC+02:00" in result.verdict(1).sentence


def test_date_on_aging_run_ages_at_that_run():
    jobs = [job(1, 1, "full", hour=12), job(2, 2, "full", hour=12)]

    result = evaluate_chain(jobs, CopyRetention(days=7, cycles=0), at(8, 12))

    assert result.verdict(1).retain_until == at(8, 12)
    assert result.verdict(1).reason is Reason.ELIGIBLE
    assert next_aging_run(at(8, 12, 1), EngineSettings()) == at(9, 12)
