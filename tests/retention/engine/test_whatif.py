"""What-if changes on the same jobs, and the recommendations built on them."""

from apps.retention.engine import (
    CopyRetention,
    ExtendedKind,
    ExtendedRule,
    RetentionChange,
    intent_group,
    recommend,
    what_if,
)

from .builders import GIB, at, history


def test_days_only_makes_old_incrementals_eligible():
    chains = [("c1", history(30, 7))]

    result = what_if(
        chains,
        CopyRetention(days=14, cycles=2),
        RetentionChange(days_only=True),
        at(30, 23),
    )

    # 14 days / 2 cycles: the cycles of days 1-7 and 8-14 aged by day 29 12:00.
    assert result.eligible_before == 14
    # Days-only: the day 15 job reaches 14 days at day 29 22:00, aged at day 30 12:00.
    assert result.eligible_after == 15
    assert result.newly_eligible_jobs == 1
    assert result.newly_eligible_bytes == GIB
    assert result.jobs == 30


def test_fewer_days_age_retained_jobs_sooner():
    chains = [("c1", history(120, 7))]

    result = what_if(
        chains, CopyRetention(days=60, cycles=1), RetentionChange(days=30), at(121)
    )

    # The cycles of days 85-119 stay retained, with dates 30 days earlier. The open
    # cycle of day 120 has no date either way.
    assert result.jobs_sooner == 35
    assert result.average_days_sooner == 30


def test_sooner_leaves_out_eligible_jobs():
    chains = [("c1", history(120, 7))]

    result = what_if(
        chains, CopyRetention(days=7, cycles=4), RetentionChange(cycles=1), at(121)
    )

    # Every cycle dated under 4 cycles is eligible either way. The cycle of days
    # 113-119 stays retained and gets its first date (day 127).
    assert result.jobs_sooner == 0
    assert result.jobs_dated_from_never == 7


def test_new_full_dates_from_never():
    chains = [("c1", history(30, 7))]

    result = what_if(
        chains, CopyRetention(days=7, cycles=2), RetentionChange(cycles=0), at(31)
    )

    assert result.jobs_dated_from_never > 0


def test_extended_off_releases_selected_fulls():
    rule = ExtendedRule(ExtendedKind.MONTH, end_days=365)
    retention = CopyRetention(days=7, cycles=1, extended_rules=(rule,))

    result = what_if(
        [("c1", history(70, 7))], retention, RetentionChange(extended_off=True), at(71)
    )

    # The last fulls of January (day 29) and February (day 57) lose their hold. Both
    # become eligible, so no other job ages sooner.
    assert result.newly_eligible_jobs == 2
    assert result.jobs_sooner == 0


def test_no_change_changes_nothing():
    result = what_if(
        [("c1", history(70, 7))],
        CopyRetention(days=7, cycles=1),
        RetentionChange(),
        at(71),
    )

    assert result.newly_eligible_jobs == 0
    assert result.eligible_before == result.eligible_after


def test_intent_groups():
    assert intent_group(14) == "short_term"
    assert intent_group(30) == "standard"
    assert intent_group(90) == "standard"
    assert intent_group(365) == "long_term"
    assert intent_group(-1) == "long_term"


def test_recommends_one_cycle_when_cycles_bind():
    recommendations = recommend(CopyRetention(days=14, cycles=4), 7.0)

    codes = [r.code for r in recommendations]
    assert codes == ["retention.reduce_cycles", "retention.days_only"]
    first = recommendations[0]
    assert first.kept_days_before == 28
    assert first.kept_days_after == 20
    assert "Reduce to 1 cycle so the 14 days govern" in first.sentence
    assert first.intent_group == "short_term"


def test_fourteen_two_weekly_recommends_days_only_only():
    recommendations = recommend(CopyRetention(days=14, cycles=2), 7.0)

    assert [r.code for r in recommendations] == ["retention.days_only"]
    assert recommendations[0].kept_days_after == 14


def test_recommendation_carries_what_if_effect():
    chains = [("c1", history(120, 7))]

    recommendations = recommend(
        CopyRetention(days=7, cycles=4), 7.0, chains=chains, now=at(121)
    )

    effect = recommendations[0].effect
    assert effect.change == RetentionChange(cycles=1)
    # 4 cycles age the cycles with fulls up to day 92, 1 cycle those up to day 106.
    assert effect.newly_eligible_jobs == 14


def test_extended_on_dedup_recommends_removal_with_worm_note():
    rule = ExtendedRule(ExtendedKind.MONTH, end_days=365)
    retention = CopyRetention(
        days=60, cycles=1, dedup=True, worm=True, extended_rules=(rule,)
    )

    recommendations = recommend(retention, 7.0)

    assert [r.code for r in recommendations] == ["retention.extended_off"]
    assert "WORM lock" in recommendations[0].sentence


def test_no_recommendation_when_aging_disabled():
    retention = CopyRetention(days=14, cycles=4, data_aging_enabled=False)

    assert recommend(retention, 7.0) == []
