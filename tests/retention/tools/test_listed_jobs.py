"""The tools count what the CommServe lists: aged jobs, jobs kept forever, savings."""

from datetime import timedelta

import pytest
from django.urls import reverse

from apps.commcell.models import Client, JobOnCopy
from apps.retention.engine import CopyRetention, ExtendedKind, ExtendedRule
from apps.retention.templatetags.tool_units import binary_size, binary_size_mib
from apps.retention.tools.checker import explain
from apps.retention.tools.dedup import analyze_pool
from apps.retention.tools.optimizer import describe_retention, review_rule
from apps.retention.tools.reclamation import forecast_pool
from apps.retention.tools.store import analyze_tools
from tests.factories import JobOnCopyFactory

from .builders import GIB, day
from .test_views import page_text

pytestmark = pytest.mark.django_db

# Day 56 at 13:00 UTC, one hour after that day's data aging run. Under 7 days / 4
# cycles the cycles of days 0, 7, 14 and 21 (28 jobs) are eligible then.
NOW = day(56, hour=13)
# store_jobs adds 10,000 to the builder's job ids 1000-1055: day N is job 11,000 + N.
FIRST_JOB = 11_000


def list_on_primary(weekly_pool, days, read_at, **fields) -> None:
    """Store the primary copy's job list as read at ``read_at``: the jobs of ``days``."""
    copy = weekly_pool["copy"]
    for number in days:
        JobOnCopyFactory(
            copy=copy,
            commcell=copy.commcell,
            job_id=FIRST_JOB + number,
            collected_at=read_at,
            **fields,
        )


def eligible_jobs(weekly_pool) -> int:
    forecast = forecast_pool(weekly_pool["pool"], NOW, with_recommendations=False)
    return forecast.copies[0].eligible_jobs


def test_unlisted_jobs_on_primary_aged(weekly_pool):
    # Read on day 30 at 23:00: the cycle of day 0 had aged at the day 28 run, so
    # the list contains the jobs of days 7-30. Jobs that ended later are not in it
    # yet, and they have not aged.
    list_on_primary(weekly_pool, range(7, 31), read_at=day(30, hour=23))

    forecast = forecast_pool(weekly_pool["pool"], NOW, with_recommendations=False)

    assert forecast.copies[0].eligible_jobs == 21
    assert forecast.copies[0].eligible_bytes == 3 * (100 + 6 * 10) * GIB


def test_aged_rows_not_eligible(weekly_pool):
    # The CommServe lists every job; those of days 0-13 as aged. Their cycles met
    # the rules at the runs of days 29 and 36, more than 14 days ago, so they count
    # neither as eligible nor as aged recently.
    list_on_primary(weekly_pool, range(0, 14), read_at=NOW, is_aged=True)
    list_on_primary(weekly_pool, range(14, 56), read_at=NOW)

    forecast = forecast_pool(weekly_pool["pool"], NOW, with_recommendations=False)

    assert forecast.copies[0].eligible_jobs == 14
    assert forecast.copies[0].aged_recent_jobs == 0


def test_all_aged_leaves_nothing_eligible(weekly_pool):
    list_on_primary(weekly_pool, range(0, 28), read_at=NOW, is_aged=True)
    list_on_primary(weekly_pool, range(28, 56), read_at=NOW)

    forecast = forecast_pool(weekly_pool["pool"], NOW, with_recommendations=False)

    assert forecast.eligible_bytes == 0
    # The cycles of days 14 and 21 aged at the runs of days 43 and 50.
    assert forecast.copies[0].aged_recent_jobs == 14


def test_infinite_rows_not_eligible(weekly_pool):
    # The CommServe keeps the cycle of day 0 forever, for example because data
    # aging is off on the client, whatever "retained by" reports.
    list_on_primary(
        weekly_pool,
        range(0, 7),
        read_at=NOW,
        retain_infinite=True,
        retained_by=JobOnCopy.RetainedBy.BASIC,
    )
    list_on_primary(weekly_pool, range(7, 56), read_at=NOW)

    assert eligible_jobs(weekly_pool) == 21


def test_client_aging_off_not_eligible(weekly_pool):
    Client.objects.filter(commcell=weekly_pool["commcell"]).update(
        data_aging_enabled=False
    )

    forecast = forecast_pool(weekly_pool["pool"], NOW)
    review = review_rule(weekly_pool["rule"], NOW)

    assert forecast.eligible_bytes == 0
    assert forecast.recommended_bytes == 0
    assert {impact.newly_eligible_jobs for impact in review.impacts} == {0}


def test_optimizer_skips_aged_jobs(weekly_pool):
    # The cycles of days 28 and 35 are listed as aged, so 1 cycle newly frees only
    # the cycle of day 42.
    list_on_primary(weekly_pool, range(0, 28), read_at=NOW)
    list_on_primary(weekly_pool, range(28, 42), read_at=NOW, is_aged=True)
    list_on_primary(weekly_pool, range(42, 56), read_at=NOW)

    review = review_rule(weekly_pool["rule"], NOW)

    one_cycle = next(i for i in review.impacts if i.code == "retention.reduce_cycles")
    assert one_cycle.newly_eligible_jobs == 7
    assert one_cycle.newly_eligible_bytes == (100 + 6 * 10) * GIB


def test_sooner_counts_retained_jobs_only(weekly_pool):
    # 1 cycle: the 28 eligible jobs get earlier dates, but they are eligible
    # already. Days only: the jobs of days 49-55 get a date for the first time.
    review = review_rule(weekly_pool["rule"], NOW)

    impacts = {impact.code: impact for impact in review.impacts}
    assert impacts["retention.reduce_cycles"].jobs_sooner == 0
    assert impacts["retention.reduce_cycles"].jobs_dated_from_never == 0
    assert impacts["retention.days_only"].jobs_sooner == 0
    assert impacts["retention.days_only"].jobs_dated_from_never == 7


def test_optimizer_page_retained_jobs(viewer_client, weekly_pool):
    list(analyze_tools(weekly_pool["commcell"], NOW))

    text = page_text(viewer_client.get(reverse("analyzers:optimizer")))

    assert "7 retained jobs without a date get one" in text
    assert "days sooner on average" not in text
    assert "480.0 GiB" in text
    assert " GB" not in text


def _monthly(rule, end_days: int) -> None:
    rule.extended_rules = [
        {"slot": 1, "rule": "monthly_fulls", "end_days": end_days, "grace_days": 0}
    ]
    rule.save()


def test_extended_off_needs_longer_rule(weekly_pool):
    rule = weekly_pool["rule"]
    _monthly(rule, end_days=7)

    codes = {impact.code for impact in review_rule(rule, NOW).impacts}
    hold = analyze_pool(weekly_pool["pool"], NOW).holds[0]

    assert "retention.extended_off" not in codes
    assert hold.held_jobs == 0
    assert "keep no full longer than the basic 7 days" in hold.advice
    assert "selective copy" not in hold.advice


def test_extended_off_proposed_for_longer_rule(weekly_pool):
    rule = weekly_pool["rule"]
    _monthly(rule, end_days=8)

    codes = {impact.code for impact in review_rule(rule, NOW).impacts}
    hold = analyze_pool(weekly_pool["pool"], NOW).holds[0]

    assert "retention.extended_off" in codes
    assert "selective copy" in hold.advice


def test_checker_names_rule_without_effect():
    rule = ExtendedRule(ExtendedKind.MONTH, end_days=365)
    retention = CopyRetention(days=365, cycles=1, extended_rules=(rule,))

    reasons = explain(retention, 7.0)

    assert (
        "The extended rules keep no full longer than the basic 365 days"
        in (reasons[-1])
    )


def test_rule_texts_singular():
    retention = CopyRetention(days=1, cycles=1)

    reasons = explain(retention, 1.0)

    assert describe_retention(retention) == "1 day / 1 cycle"
    assert reasons[0] == (
        "The days decide: the last job of a cycle must be 1 day old, so a full "
        "stays 1 + 1 - 1 = 1 day."
    )
    assert (
        "17.5 days keep a full 35 days"
        in explain(CopyRetention(days=14, cycles=2), 17.5)[0]
    )


def test_binary_units_labelled():
    assert binary_size(797_638_286_288) == "742.9 GiB"
    assert binary_size(512) == "512 bytes"
    assert binary_size(None) == "unknown"
    assert binary_size_mib(10_000_000) == "9.5 TiB"
    assert binary_size_mib(1_000) == "1,000.0 MiB"


def test_read_before_jobs_keeps_new_jobs(weekly_pool):
    # A read before any job ended lists nothing of the chain: no job counts as aged.
    list_on_primary(weekly_pool, [], read_at=day(0))
    JobOnCopyFactory(
        copy=weekly_pool["copy"],
        commcell=weekly_pool["commcell"],
        job_id=1,
        collected_at=day(0) - timedelta(days=1),
    )

    assert eligible_jobs(weekly_pool) == 28


def test_dedup_page_singular_job(viewer_client, weekly_pool):
    # The monthly rule keeps one full, the last of September, for a year.
    _monthly(weekly_pool["rule"], end_days=365)
    list(analyze_tools(weekly_pool["commcell"], NOW))

    text = page_text(viewer_client.get(reverse("analyzers:dedup")))

    assert "1 job, 100.0 GiB" in text
    assert "1 jobs" not in text
