"""Classification rules, checked without a database."""

import pytest

from apps.commcell.cvclient.records import ExtendedRetentionRecord, RetentionRecord
from apps.retention.classification import (
    MONTHLY_FULL_DAYS,
    InvalidRetentionError,
    MeasuredCadence,
    classify,
    classify_record,
    describe_retention,
    estimate_kept_days,
)
from apps.retention.engine.whatif import intent_group
from apps.retention.severity import Severity

# (days, cycles, data aging enabled, expected severity)
SEVERITY_CASES = [
    pytest.param(29, 2, True, Severity.HIGH, id="29d-2c-short-term-high"),
    pytest.param(30, 2, True, Severity.OK, id="30d-2c-standard-ok"),
    pytest.param(31, 2, True, Severity.OK, id="31d-2c-ok"),
    pytest.param(14, 2, True, Severity.HIGH, id="14d-exactly-2c"),
    pytest.param(14, 1, True, Severity.OK, id="14d-1c"),
    pytest.param(60, 2, True, Severity.OK, id="60d-exactly-2c"),
    pytest.param(60, 3, True, Severity.MEDIUM, id="60d-exactly-3c"),
    pytest.param(31, 3, True, Severity.MEDIUM, id="31d-3c"),
    pytest.param(29, 3, True, Severity.HIGH, id="29d-3c-high-wins"),
    pytest.param(30, 3, True, Severity.MEDIUM, id="30d-3c-standard-medium"),
    pytest.param(-1, 1, True, Severity.INFO, id="infinite-1c"),
    pytest.param(-1, 3, True, Severity.INFO, id="infinite-3c"),
    pytest.param(-1, 0, True, Severity.INFO, id="infinite-days-only"),
    pytest.param(30, 0, True, Severity.OK, id="30d-days-only"),
    pytest.param(5, 0, True, Severity.OK, id="5d-days-only"),
    pytest.param(0, 0, True, Severity.OK, id="0d-days-only"),
    pytest.param(0, 1, True, Severity.OK, id="0d-1c"),
    pytest.param(0, 2, True, Severity.HIGH, id="0d-2c"),
    pytest.param(365, 1, True, Severity.OK, id="365d-1c"),
    pytest.param(30, 2, False, Severity.CRITICAL, id="aging-off-30d-2c"),
    pytest.param(365, 1, False, Severity.CRITICAL, id="aging-off-365d-1c"),
    pytest.param(-1, 3, False, Severity.CRITICAL, id="aging-off-infinite"),
    pytest.param(0, 0, False, Severity.CRITICAL, id="aging-off-0d-days-only"),
]


@pytest.mark.parametrize(("days", "cycles", "aging", "expected"), SEVERITY_CASES)
def test_classify_severity(days, cycles, aging, expected):
    result = classify(days, cycles, data_aging_enabled=aging)

    assert result.severity == expected


@pytest.mark.parametrize(("days", "cycles", "aging", "expected"), SEVERITY_CASES)
def test_classify_reason_names_values(days, cycles, aging, expected):
    reason = classify(days, cycles, data_aging_enabled=aging).reason

    assert describe_retention(days, cycles) in reason


def test_classify_short_term_reason():
    reason = classify(14, 2, data_aging_enabled=True).reason

    assert reason.startswith("14 days / 2 cycles: with weekly fulls")
    assert "one every 7 days" in reason
    assert "kept about 20 days, +43%" in reason


def test_classify_zero_days_reason():
    reason = classify(0, 2, data_aging_enabled=True).reason

    assert "kept about 14 days, instead of 0 days" in reason
    assert "%" not in reason


def test_classify_many_cycles_reason():
    reason = classify(60, 3, data_aging_enabled=True).reason

    assert "about 66 days with weekly fulls" in reason
    assert "about 90 days with monthly fulls" in reason


def test_classify_aging_disabled_reason():
    reason = classify(30, 2, data_aging_enabled=False).reason

    assert "Data aging is disabled" in reason
    assert "kept forever" in reason
    assert "30 days / 2 cycles is ignored" in reason


def test_classify_infinite_reason():
    reason = classify(-1, 3, data_aging_enabled=True).reason

    assert "infinite retention (-1 days)" in reason
    assert "The cycles change nothing" in reason


def test_classify_days_only_reason():
    reason = classify(30, 0, data_aging_enabled=True).reason

    assert reason == (
        "30 days / days only: days-only retention, so jobs age once they are older "
        "than 30 days."
    )


def test_classify_custom_full_interval():
    result = classify(14, 2, data_aging_enabled=True, full_interval_days=1)

    assert "a full every 1 day" in result.reason
    assert "kept about 14 days, +0%" in result.reason


def test_classify_cycles_not_reported():
    result = classify(10, 0, data_aging_enabled=True, cycles_reported=False)

    assert result.severity == Severity.OK
    assert "cycles not reported" in result.reason
    assert "reported days but no cycles" in result.reason


def test_classify_unreported_cycles_ignored():
    result = classify(10, 3, data_aging_enabled=True, cycles_reported=False)

    assert result.severity == Severity.OK


def test_classify_aging_not_reported():
    result = classify(30, 1, data_aging_enabled=True, data_aging_reported=False)

    assert result.severity == Severity.OK
    assert "assumed to be on" in result.reason


@pytest.mark.parametrize(
    ("days", "cycles", "interval", "message"),
    [
        (-2, 1, 7, "Retention days -2 is invalid"),
        (30, -1, 7, "Retention cycles -1 is invalid"),
        (30, 1, 0, "Full interval 0 days is invalid"),
    ],
)
def test_classify_rejects_invalid_values(days, cycles, interval, message):
    with pytest.raises(InvalidRetentionError, match=message):
        classify(days, cycles, data_aging_enabled=True, full_interval_days=interval)


@pytest.mark.parametrize(
    ("days", "cycles", "interval", "expected"),
    [
        (14, 2, 7, 20),
        (30, 4, MONTHLY_FULL_DAYS, 120),
        (30, 1, MONTHLY_FULL_DAYS, 59),
        (30, 1, 7, 36),
        (30, 0, 7, 30),
    ],
)
def test_estimate_kept_days(days, cycles, interval, expected):
    assert estimate_kept_days(days, cycles, interval) == expected


def test_estimate_kept_days_rejects_infinite():
    with pytest.raises(InvalidRetentionError):
        estimate_kept_days(-1, 1, 7)


@pytest.mark.parametrize(
    ("days", "cycles", "expected"),
    [
        (1, 1, "1 day / 1 cycle"),
        (14, 2, "14 days / 2 cycles"),
        (-1, 3, "infinite days / 3 cycles"),
        (30, 0, "30 days / days only"),
    ],
)
def test_describe_retention(days, cycles, expected):
    assert describe_retention(days, cycles) == expected


def test_classify_record():
    record = RetentionRecord(
        days=7,
        cycles=2,
        data_aging_enabled=True,
        extended=(ExtendedRetentionRecord(slot=1, rule="monthly_fulls", end_days=365),),
    )

    assert classify_record(record).severity == Severity.HIGH


def test_classify_short_term_cycles_not_binding_explained():
    result = classify(29, 2, data_aging_enabled=True)

    assert result.severity == Severity.HIGH
    assert "about 35 days, +21%" in result.reason
    assert "1 cycle would keep data as long" in result.reason
    assert "every failed full" in result.reason


def test_classify_short_term_cycles_binding_explained():
    result = classify(7, 2, data_aging_enabled=True)

    assert "about 14 days, +100%" in result.reason
    assert "about 13 days with 1 cycle" in result.reason


@pytest.mark.parametrize("days", range(0, 121))
def test_short_term_matches_optimizer_intent(days):
    stretched = classify(days, 2, data_aging_enabled=True).severity == Severity.HIGH

    assert stretched == (intent_group(days) == "short_term")


def test_classify_states_measured_kept_days():
    measured = MeasuredCadence(full_interval_days=17.5, kept_days=45.93)

    reason = classify(14, 2, data_aging_enabled=True, measured=measured).reason

    assert "data is kept 45.9 days as measured on this copy's jobs, +228%" in reason
    assert "a full every 17.5 days (the measured median)" in reason
    assert "about 30.5 days with 1 cycle" in reason
    assert "weekly" not in reason
    assert "about 35 days" not in reason


def test_classify_estimates_at_measured_interval():
    measured = MeasuredCadence(full_interval_days=17.5)

    reason = classify(14, 2, data_aging_enabled=True, measured=measured).reason

    assert (
        "with a full every 17.5 days (the measured median) data is kept about 35 "
        "days, +150%"
    ) in reason
    assert "weekly" not in reason


def test_classify_many_cycles_measured():
    measured = MeasuredCadence(full_interval_days=7.0, kept_days=66.48)

    reason = classify(60, 4, data_aging_enabled=True, measured=measured).reason

    assert "Data is kept 66.5 days as measured on this copy's jobs" in reason
    assert "would be kept about 120 days with monthly fulls" in reason
    assert "weekly" not in reason


def test_classify_usual_measured():
    measured = MeasuredCadence(full_interval_days=7.0, kept_days=36.47)

    result = classify(30, 1, data_aging_enabled=True, measured=measured)

    assert result.severity == Severity.OK
    assert result.reason == (
        "30 days / 1 cycle: within the usual bounds. Data is kept 36.5 days as "
        "measured on this copy's jobs."
    )


def test_classify_measured_keeps_severity():
    measured = MeasuredCadence(full_interval_days=1.0, kept_days=14.5)

    result = classify(14, 2, data_aging_enabled=True, measured=measured)

    assert result.severity == Severity.HIGH
    assert "+4%" in result.reason


def test_classify_days_only_setting_ignores_cycles():
    result = classify(14, 2, data_aging_enabled=True, days_only_setting=True)

    assert result.severity == Severity.OK
    assert result.reason.startswith(
        "14 days / 2 cycles: days-only retention, so jobs age once they are older "
        "than 14 days."
    )
    assert "days-only retention setting of this CommCell is on" in result.reason


def test_classify_days_only_setting_keeps_critical():
    result = classify(14, 2, data_aging_enabled=False, days_only_setting=True)

    assert result.severity == Severity.CRITICAL
    assert "days-only retention setting" not in result.reason
