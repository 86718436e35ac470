"""Bad input is analysed where possible and noted, never raised or silently misdated."""

from datetime import datetime, timedelta

from apps.retention.engine import (
    CopyRetention,
    ExtendedKind,
    ExtendedRule,
    JobRecord,
    Reason,
    evaluate_chain,
)

from .builders import at, history, job

SEVEN_ONE = CopyRetention(days=7, cycles=1, copy_name="Primary")


def test_end_before_start_noted_and_analysed():
    bad = JobRecord(5, at(5), at(4), "incremental", "completed")
    jobs = [job(1, 1, "full"), bad, job(8, 8, "full")]

    result = evaluate_chain(jobs, SEVEN_ONE, at(30))

    assert result.verdict(5).reason is Reason.ELIGIBLE
    assert any(
        n.subject == "job 5" and "before the start" in n.message for n in result.notes
    )


def test_missing_end_on_finished_job_noted():
    jobs = [JobRecord(1, at(1), None, "full", "completed"), job(8, 8, "full")]

    result = evaluate_chain(jobs, SEVEN_ONE, at(30))

    assert result.verdict(1).reason is Reason.ELIGIBLE
    assert any(n.subject == "job 1" and n.value == "end=None" for n in result.notes)


def test_duplicate_ids_keep_first_row():
    jobs = [job(1, 1, "full"), job(1, 2), job(8, 8, "full")]

    result = evaluate_chain(jobs, SEVEN_ONE, at(30))

    assert [v.job_id for v in result.verdicts] == [1, 8]
    assert any(n.value == "job_id=1" for n in result.notes)


def test_negative_size_counts_as_zero():
    jobs = [job(1, 1, "full", size=-500), job(8, 8, "full")]

    result = evaluate_chain(jobs, SEVEN_ONE, at(30))

    assert result.verdict(1).size_bytes == 0
    assert any(n.value == "size_bytes=-500" for n in result.notes)


def test_negative_days_gives_note_not_dates():
    retention = CopyRetention(days=-5, cycles=1, copy_name="Primary")

    result = evaluate_chain(history(30, 7), retention, at(31))

    assert result.verdicts == ()
    assert result.notes[0].subject == "copy 'Primary'"
    assert result.notes[0].value == "days=-5"
    assert "invalid" in result.notes[0].message


def test_negative_cycles_gives_note_not_dates():
    result = evaluate_chain(history(30, 7), CopyRetention(days=7, cycles=-2), at(31))

    assert result.verdicts == ()
    assert result.notes[0].value == "cycles=-2"


def test_invalid_extended_end_days_skips_rule():
    rule = ExtendedRule(ExtendedKind.MONTH, end_days=-9)
    retention = CopyRetention(days=7, cycles=1, extended_rules=(rule,))

    result = evaluate_chain(history(30, 7), retention, at(31))

    assert result.verdict(1).reason is Reason.ELIGIBLE
    assert any("end_days=-9" in n.value for n in result.notes)


def test_unsorted_jobs_sorted_and_noted():
    jobs = [job(8, 8, "full"), job(1, 1, "full"), job(2, 2)]

    result = evaluate_chain(jobs, SEVEN_ONE, at(30))

    assert [v.job_id for v in result.verdicts] == [1, 2, 8]
    assert result.verdict(2).cycle_index == 0
    assert any(n.value == "order" for n in result.notes)


def test_unknown_level_and_outcome_become_other():
    jobs = [job(1, 1, "full"), job(2, 2, "log", "mystery"), job(8, 8, "full")]

    result = evaluate_chain(jobs, SEVEN_ONE, at(30))

    assert result.verdict(2).reason is Reason.ELIGIBLE
    assert any(n.value == "level='log'" for n in result.notes)
    assert any(n.value == "outcome='mystery'" for n in result.notes)


def test_naive_times_read_as_utc():
    naive = datetime(2025, 1, 1, 22)  # noqa: DTZ001 - the bad input under test
    jobs = [
        JobRecord(1, naive, naive + timedelta(hours=1), "full", "completed"),
        job(8, 8, "full"),
    ]

    result = evaluate_chain(jobs, SEVEN_ONE, at(30))

    assert result.verdict(1).retain_until == at(9, 12)
    assert any("no time zone" in n.message for n in result.notes)


def test_jobs_after_now_left_out():
    result = evaluate_chain(history(30, 7), SEVEN_ONE, at(10, 23))

    assert len(result.verdicts) == 10
    assert any(n.value == "jobs_after_now=20" for n in result.notes)


def test_empty_chain_has_no_verdicts():
    result = evaluate_chain([], SEVEN_ONE, at(10))

    assert result.verdicts == ()
    assert result.open_cycle is None
    assert result.full_interval_days is None
