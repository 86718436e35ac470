"""The cycle delay advice and the wording of the cycle analysis findings."""

from datetime import timedelta

import pytest

from apps.commcell.models import JobOnCopy
from apps.retention.analysis import analyze_cycles, cycle_recommendation
from apps.retention.models import CopyRetentionSummary
from apps.retention.summary import cycle_row
from tests.retention.chains import NOW, build_estate

pytestmark = pytest.mark.django_db


def test_recommendation_states_one_cycle_at_measured_interval():
    # 14 days / 2 cycles with a full every 17.5 days: 1 cycle keeps 14 + 17.5 - 1.
    text = cycle_recommendation(14, 2, 17.5)

    assert text.startswith(
        "Reduce to 1 cycle: at the measured full interval of 17.5 days, data is "
        "then kept about 30.5 days (+118%)."
    )
    assert "true 14-day" not in text


def test_recommendation_names_what_reaches_days():
    text = cycle_recommendation(14, 2, 17.5)

    assert "Cycles alone cannot bring it within 30% of 14 days" in text
    assert "run fulls or synthetic fulls every 5 days with 1 cycle" in text
    assert "which keeps data about 18 days (+29%)" in text
    assert "switch to days-only retention, which keeps data 14 days." in text


def test_recommendation_short_days_weekly():
    # 7 days / 2 cycles with weekly fulls: 1 cycle keeps 13 days, not 7.
    text = cycle_recommendation(7, 2, 7.0)

    assert "data is then kept about 13 days (+86%)" in text
    assert "every 3 days with 1 cycle, which keeps data about 9 days (+29%)" in text
    assert "true 7-day" not in text


def test_recommendation_when_one_cycle_is_enough():
    # 21 days / 4 cycles with weekly fulls: 4 cycles keep 28 days, 1 cycle keeps
    # 21 + 7 - 1 = 27 days, within 30% of the days.
    text = cycle_recommendation(21, 4, 7.0)

    assert text == (
        "Reduce to 1 cycle: at the measured full interval of 7.0 days, data is then "
        "kept about 27 days (+29%)."
    )


def test_recommendation_when_fewer_cycles_change_nothing():
    text = cycle_recommendation(14, 2, 7.0)

    assert text.startswith(
        "At the measured full interval of 7.0 days, 2 cycles keep data about 20 days "
        "(+43%). To come within 30% of 14 days: run fulls"
    )
    assert "Reduce to 1 cycle" not in text


def test_recommendation_one_cycle_monthly():
    text = cycle_recommendation(30, 1, 30.5)

    assert text.startswith(
        "At the measured full interval of 30.5 days, 1 cycle keeps data about 59.5 "
        "days (+98%)."
    )
    assert "every 10 days with 1 cycle, which keeps data about 39 days" in text


def test_recommendation_when_formula_is_within_limit():
    # The estimate is within 30%, so the measured delay comes from the fulls.
    text = cycle_recommendation(30, 2, 7.0)

    assert "2 cycles should keep data about 36 days (+20%)" in text
    assert "failed fulls" in text


def test_recommendation_daily_fulls_wording():
    text = cycle_recommendation(1, 1, 7.0)

    assert "run fulls or synthetic fulls every day with 1 cycle" in text
    assert "1 days" not in text


def test_recommendation_without_interval():
    text = cycle_recommendation(14, 2, None)

    assert "full interval is not measured" in text
    assert "Days-only retention keeps data 14 days" in text


@pytest.fixture
def estate():
    return build_estate()


def findings(commcell, code: str) -> list:
    return [item for item in analyze_cycles(commcell, NOW) if item.code == code]


def test_delay_title_states_measured_kept_days(estate):
    (finding,) = findings(estate["commcell"], "retention.cycle_delay")

    kept = finding.evidence["effective_retention_days"]
    assert f"keeps data {kept:.1f} days as measured on this copy's jobs" in (
        finding.title
    )


def list_on_copy(copy, jobs, retained_by, days_later: int) -> None:
    for job in jobs:
        JobOnCopy.objects.create(
            commcell=copy.commcell,
            copy=copy,
            job_id=job.job_id,
            retained_by=retained_by,
            retain_until=NOW + timedelta(days=days_later),
            collected_at=NOW,
        )


def test_disagreement_leaves_out_extended_retention(estate):
    copy = estate["weekly_rule"].copy
    jobs = estate["weekly_jobs"]
    list_on_copy(copy, jobs[:2], JobOnCopy.RetainedBy.EXTENDED, 200)
    list_on_copy(copy, jobs[2:3], JobOnCopy.RetainedBy.BASIC, 200)

    (finding,) = findings(estate["commcell"], "retention.reported_disagreement")

    assert finding.title.startswith(
        "The CommServe's retain-until date or aged state of 1 of 1 compared job on "
        "this copy differs from the computed one by more than 1 day,"
    )
    assert "2 more jobs kept by extended retention were not compared." in (
        finding.title
    )
    assert finding.evidence["reported_jobs"] == 3
    assert finding.evidence["compared_jobs"] == 1
    assert finding.evidence["extended_retention_jobs"] == 2
    assert finding.evidence["disagreeing_jobs"] == 1
    assert finding.evidence["example_job_id"] == jobs[2].job_id


def test_extended_retention_alone_raises_no_finding(estate):
    copy = estate["weekly_rule"].copy
    list_on_copy(copy, estate["weekly_jobs"][:3], JobOnCopy.RetainedBy.EXTENDED, 200)

    assert findings(estate["commcell"], "retention.reported_disagreement") == []


@pytest.mark.parametrize(
    ("failing", "words"), [(1, " 1 chain has failed fulls"), (3, " 3 chains have")]
)
def test_cycle_row_counts_chains_with_failed_fulls(failing, words):
    summary = CopyRetentionSummary(
        retention_days=7,
        retention_cycles=4,
        effective_retention_days=28.0,
        median_full_interval_days=7.0,
        data_aging_enabled=True,
        chains_with_failed_fulls=failing,
    )

    row = cycle_row(summary)

    assert row["flagged"]
    assert words in row["recommendation"]
