"""Which fulls start a cycle, and the rules that keep jobs past their basic date."""

from datetime import timedelta

from apps.retention.engine import (
    CopyRetention,
    EngineSettings,
    ExtendedKind,
    ExtendedRule,
    PendingAuxCopy,
    Reason,
    ReportedRetention,
    evaluate_chain,
)

from .builders import at, history, job

SEVEN_ONE = CopyRetention(days=7, cycles=1)


def test_errors_full_starts_cycle_by_default():
    jobs = [job(1, 1, "full"), job(2, 2), job(3, 8, "full", "completed_errors")]

    result = evaluate_chain(jobs, SEVEN_ONE, at(20))

    assert result.cycle_count == 2
    assert result.verdict(1).reason is Reason.ELIGIBLE
    assert result.verdict(1).retain_until == at(10, 12)


def test_errors_full_setting_off_extends_cycle():
    jobs = [job(1, 1, "full"), job(2, 2), job(3, 8, "full", "completed_errors")]
    settings = EngineSettings(errors_full_starts_cycle=False)

    result = evaluate_chain(jobs, SEVEN_ONE, at(20), settings=settings)

    assert result.cycle_count == 1
    assert result.verdict(1).reason is Reason.BASIC_CYCLES
    assert result.verdict(3).cycle_index == 0


def test_failed_and_killed_fulls_do_not_start_cycle():
    jobs = [
        job(1, 1, "full"),
        job(2, 8, "full", "failed"),
        job(3, 9),
        job(4, 15, "full", "killed"),
    ]

    result = evaluate_chain(jobs, SEVEN_ONE, at(30))

    assert result.cycle_count == 1
    assert result.verdict(1).retain_until is None
    assert result.verdict(1).reason is Reason.BASIC_CYCLES


def test_synthetic_full_starts_cycle():
    jobs = [job(1, 1, "full"), job(2, 8, "synthetic_full")]

    default = evaluate_chain(jobs, SEVEN_ONE, at(20))
    off = evaluate_chain(
        jobs,
        SEVEN_ONE,
        at(20),
        settings=EngineSettings(synthetic_full_starts_cycle=False),
    )

    assert default.verdict(1).reason is Reason.ELIGIBLE
    assert off.verdict(1).reason is Reason.BASIC_CYCLES


def test_extended_monthly_keeps_last_full_of_month():
    jobs = history(70, full_every=7)
    rule = ExtendedRule(ExtendedKind.MONTH, end_days=365)
    retention = CopyRetention(days=30, cycles=1, extended_rules=(rule,))

    result = evaluate_chain(jobs, retention, at(71))

    # Fulls on days 1, 8, 15, 22 and 29 fall in January 2025; day 29 is the last.
    january_last = result.verdict(29)
    assert january_last.reason is Reason.EXTENDED_RETENTION
    assert january_last.retain_until == at(29 + 365 + 1, 12)
    assert result.verdict(1).reason is Reason.ELIGIBLE
    assert result.verdict(30).reason is Reason.ELIGIBLE


def test_extended_first_full_of_month():
    jobs = history(70, full_every=7)
    rule = ExtendedRule(ExtendedKind.MONTH, end_days=90, first=True)
    retention = CopyRetention(days=30, cycles=1, extended_rules=(rule,))

    result = evaluate_chain(jobs, retention, at(71))

    assert result.verdict(1).reason is Reason.EXTENDED_RETENTION
    assert result.verdict(29).reason is Reason.ELIGIBLE


def test_extended_grace_days_noted_as_ignored():
    rule = ExtendedRule(ExtendedKind.WEEK, end_days=60, grace_days=3)
    retention = CopyRetention(days=7, cycles=1, extended_rules=(rule,))

    result = evaluate_chain(history(30, 7), retention, at(31))

    assert any("Grace days" in note.message for note in result.notes)


def test_extended_grace_days_added_when_enabled():
    rule = ExtendedRule(ExtendedKind.MONTH, end_days=60, grace_days=5)
    retention = CopyRetention(days=7, cycles=1, extended_rules=(rule,))
    settings = EngineSettings(apply_extended_grace_days=True)

    result = evaluate_chain(history(40, 7), retention, at(41), settings=settings)

    assert result.verdict(29).retain_until == at(29 + 65 + 1, 12)
    assert not any("Grace days" in note.message for note in result.notes)


def test_extended_infinite_rule_never_ages():
    rule = ExtendedRule(ExtendedKind.YEAR, end_days=-1)
    retention = CopyRetention(days=7, cycles=1, extended_rules=(rule,))

    result = evaluate_chain(history(30, 7), retention, at(31))

    assert result.verdict(29).reason is Reason.EXTENDED_RETENTION
    assert result.verdict(29).retain_until is None


def test_days_only_ages_each_job_alone():
    jobs = [job(1, 1, "full")] + [job(day, day) for day in range(2, 40)]
    retention = CopyRetention(days=14, cycles=1, days_only=True)

    result = evaluate_chain(jobs, retention, at(40))

    assert result.verdict(1).reason is Reason.ELIGIBLE
    assert result.verdict(1).retain_until == at(16, 12)
    assert result.verdict(30).reason is Reason.BASIC_DAYS
    assert result.verdict(30).retain_until == at(45, 12)


def test_zero_cycles_means_days_only():
    jobs = [job(1, 1, "full"), job(2, 2)]

    result = evaluate_chain(jobs, CopyRetention(days=1, cycles=0), at(10))

    assert result.verdict(1).reason is Reason.ELIGIBLE
    assert result.open_cycle.flagged is False


def test_fc14b_aging_disabled_is_infinite():
    retention = CopyRetention(days=30, cycles=2, data_aging_enabled=False)

    result = evaluate_chain(history(400, 7), retention, at(401))

    verdict = result.verdict(1)
    assert verdict.reason is Reason.AGING_DISABLED
    assert verdict.retain_until is None
    assert "effectively infinite" in verdict.sentence
    assert verdict.rule_retain_until is not None


def test_fc14a_waits_for_inactive_secondary():
    jobs = history(60, full_every=7)
    pending = PendingAuxCopy("Offsite", frozenset(j.job_id for j in jobs), active=False)

    result = evaluate_chain(jobs, SEVEN_ONE, at(61), pending_aux_copies=[pending])

    verdict = result.verdict(1)
    assert verdict.reason is Reason.WAITING_AUX_COPY
    assert verdict.retain_until is None
    assert "Offsite" in verdict.sentence
    assert verdict.rule_retain_until == at(15, 12)


def test_fc14a_inactive_copy_ignored_when_setting_off():
    jobs = history(60, full_every=7)
    pending = PendingAuxCopy("Offsite", frozenset(j.job_id for j in jobs), active=False)
    settings = EngineSettings(inactive_copies_hold_jobs=False)

    result = evaluate_chain(
        jobs, SEVEN_ONE, at(61), settings=settings, pending_aux_copies=[pending]
    )

    assert result.verdict(1).reason is Reason.ELIGIBLE


def test_pending_job_holds_its_whole_cycle():
    jobs = history(30, full_every=7)
    pending = PendingAuxCopy("Cloud", frozenset({3}))

    result = evaluate_chain(jobs, SEVEN_ONE, at(31), pending_aux_copies=[pending])

    assert result.verdict(1).reason is Reason.WAITING_AUX_COPY
    assert result.verdict(7).reason is Reason.WAITING_AUX_COPY
    assert result.verdict(8).reason is Reason.ELIGIBLE


def test_future_date_with_pending_copy_is_minimum():
    jobs = history(30, full_every=7)
    pending = PendingAuxCopy("Cloud", frozenset({22}))

    result = evaluate_chain(jobs, SEVEN_ONE, at(30), pending_aux_copies=[pending])

    verdict = result.verdict(22)
    assert verdict.reason is Reason.BASIC_DAYS
    assert verdict.retain_until == at(36, 12)
    assert verdict.minimum_only is True
    assert "Cloud" in verdict.sentence


def test_manual_retention_later_than_rules_wins():
    jobs = history(30, full_every=7)
    jobs[0] = job(1, 1, "full", manual_retain_until=at(50, 8))

    result = evaluate_chain(jobs, SEVEN_ONE, at(31))

    assert result.verdict(1).reason is Reason.MANUAL_RETENTION
    assert result.verdict(1).retain_until == at(50, 12)
    assert result.verdict(2).reason is Reason.ELIGIBLE


def test_manual_retention_earlier_than_rules_ignored():
    jobs = history(30, full_every=7)
    jobs[0] = job(1, 1, "full", manual_retain_until=at(2))

    result = evaluate_chain(jobs, SEVEN_ONE, at(12))

    assert result.verdict(1).reason is Reason.BASIC_DAYS
    assert result.verdict(1).retain_until == at(15, 12)


def test_infinite_pin_never_ages():
    jobs = history(30, full_every=7)
    jobs[1] = job(2, 2, pinned=True)

    result = evaluate_chain(jobs, SEVEN_ONE, at(31))

    assert result.verdict(2).reason is Reason.INFINITE_RETENTION
    assert result.verdict(2).retain_until is None
    assert result.verdict(1).reason is Reason.ELIGIBLE


def test_infinite_days_never_age():
    result = evaluate_chain(history(30, 7), CopyRetention(days=-1, cycles=1), at(31))

    assert {v.reason for v in result.verdicts} == {Reason.INFINITE_RETENTION}


def test_running_job_has_no_date():
    jobs = [*history(10, full_every=7), job(11, 11, "full", "running")]

    result = evaluate_chain(jobs, SEVEN_ONE, at(11, 23))

    assert result.verdict(11).reason is Reason.JOB_RUNNING
    assert result.verdict(11).retain_until is None
    assert result.verdict(1).reason is Reason.BASIC_DAYS


def test_aged_job_reported_as_aged():
    jobs = [job(1, 1, "full", aged=True), job(2, 8, "full")]

    result = evaluate_chain(jobs, SEVEN_ONE, at(20))

    assert result.verdict(1).reason is Reason.AGED


def test_job_based_retention_longer_wins():
    retention = CopyRetention(
        days=7, cycles=1, job_based_retention=True, job_based_days=40
    )

    result = evaluate_chain(history(60, 7), retention, at(30))

    verdict = result.verdict(1)
    assert verdict.reason is Reason.BASIC_DAYS
    assert verdict.retain_until == at(42, 12)
    assert "Job-based retention of 40 days" in verdict.sentence


def test_job_based_retention_shorter_loses():
    retention = CopyRetention(
        days=30, cycles=1, job_based_retention=True, job_based_days=2
    )

    result = evaluate_chain(history(60, 7), retention, at(61))

    assert result.verdict(1).retain_until == at(38, 12)


def test_reported_date_far_off_flags_disagreement():
    far = ReportedRetention(retain_until=at(40, 12))
    near = ReportedRetention(retain_until=at(15, 12) + timedelta(hours=20))
    jobs = history(30, full_every=7)
    jobs[0] = job(1, 1, "full", reported=far)
    jobs[1] = job(2, 2, reported=near)

    result = evaluate_chain(jobs, SEVEN_ONE, at(10))

    assert result.verdict(1).disagrees is True
    assert result.verdict(2).disagrees is False


def test_reported_infinite_against_date_disagrees():
    jobs = history(30, full_every=7)
    jobs[0] = job(1, 1, "full", reported=ReportedRetention(None, infinite=True))

    result = evaluate_chain(jobs, SEVEN_ONE, at(10))

    assert result.verdict(1).disagrees is True


def test_reported_without_date_not_compared():
    jobs = history(30, full_every=7)
    jobs[0] = job(1, 1, "full", reported=ReportedRetention(None))

    result = evaluate_chain(jobs, SEVEN_ONE, at(10))

    assert result.verdict(1).disagrees is False


def test_reported_date_against_no_date_disagrees():
    jobs = [job(1, 1, "full", reported=ReportedRetention(at(5, 12)))]

    result = evaluate_chain(jobs, SEVEN_ONE, at(10))

    assert result.verdict(1).retain_until is None
    assert result.verdict(1).disagrees is True


def test_managed_disk_space_dates_are_minimums():
    retention = CopyRetention(days=7, cycles=1, managed_disk_space=True)

    result = evaluate_chain(history(30, 7), retention, at(10))

    assert result.verdict(1).minimum_only is True


def test_managed_disk_space_on_dedup_noted_and_ignored():
    retention = CopyRetention(days=7, cycles=1, managed_disk_space=True, dedup=True)

    result = evaluate_chain(history(30, 7), retention, at(10))

    assert result.verdict(1).minimum_only is False
    assert any("deduplicated" in note.message for note in result.notes)


def test_unknown_cycles_use_setting_and_note():
    retention = CopyRetention(days=7, cycles=0, cycles_reported=False)

    result = evaluate_chain(history(30, 7), retention, at(12))

    assert result.verdict(1).reason is Reason.BASIC_DAYS
    assert any(note.value == "cycles=unknown" for note in result.notes)
