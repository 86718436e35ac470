"""Jobs per copy, manual retention and retention settings in the retention tools."""

from datetime import time, timedelta

import pytest
from django.urls import reverse

from apps.commcell.models import JobOnCopy
from apps.retention.engine import evaluate_chain
from apps.retention.models import (
    CopyRetentionSummary,
    RetentionSettings,
    ToolResult,
)
from apps.retention.tools.context import ToolSettings, tool_settings
from apps.retention.tools.loading import (
    ESTIMATE_NOTE,
    copy_job_source,
    copy_retention,
    iter_copy_chains,
)
from apps.retention.tools.optimizer import review_rule
from apps.retention.tools.reclamation import forecast_pool
from apps.retention.tools.schedules import analyze_schedules
from apps.retention.tools.store import CopyChains, analyze_tools
from tests.factories import (
    JobOnCopyFactory,
    RetentionRuleFactory,
    StoragePolicyCopyFactory,
)

from .builders import day, weekly_then_no_fulls
from .conftest import store_jobs
from .test_views import page_text

pytestmark = pytest.mark.django_db

# Day 56 at 13:00 UTC, one hour after that day's data aging run.
NOW = day(56, hour=13)
# store_jobs adds 10,000 x the subclient number to the builder's job ids 1000-1055.
FIRST_JOB = 11_000
JOBS_PER_CHAIN = 56


def secondary_copy(weekly_pool):
    """A second copy of the weekly policy on the same pool, 7 days / 4 cycles."""
    copy = StoragePolicyCopyFactory(
        commcell=weekly_pool["commcell"],
        storage_policy=weekly_pool["plan"].storage_policy,
        name="DR copy",
        copy_precedence=2,
        storage_pool_cv_id=weekly_pool["pool"].cv_id,
        dedup_enabled=True,
    )
    rule = RetentionRuleFactory(
        copy=copy, plan=weekly_pool["plan"], retention_days=7, retention_cycles=4
    )
    return copy, rule


def list_on_copy(copy, job_ids, **fields) -> None:
    for job_id in job_ids:
        JobOnCopyFactory(copy=copy, commcell=copy.commcell, job_id=job_id, **fields)


def copy_job_ids(copy) -> list[int]:
    return [job.job_id for _key, jobs in iter_copy_chains(copy) for job in jobs]


@pytest.fixture
def two_chains(weekly_pool):
    """The weekly pool with a second chain (subclient 2) on the same policy."""
    store_jobs(
        weekly_pool["commcell"],
        weekly_pool["plan"],
        weekly_then_no_fulls(weeks_with_fulls=8, last_day=55),
        subclient=2,
    )
    return weekly_pool


def test_secondary_reads_own_job_list(two_chains):
    copy, rule = secondary_copy(two_chains)
    own = range(FIRST_JOB, FIRST_JOB + JOBS_PER_CHAIN)
    list_on_copy(copy, own)

    review = review_rule(rule, NOW)
    primary = review_rule(two_chains["rule"], NOW)

    assert copy_job_ids(copy) == list(own)
    assert copy_job_source(copy).estimate == ""
    assert review.estimate == ""
    assert {impact.jobs for impact in review.impacts} == {JOBS_PER_CHAIN}
    assert {impact.jobs for impact in primary.impacts} == {2 * JOBS_PER_CHAIN}


def test_secondary_without_list_is_estimate(two_chains):
    copy, rule = secondary_copy(two_chains)

    review = review_rule(rule, NOW)

    assert len(copy_job_ids(copy)) == 2 * JOBS_PER_CHAIN
    assert review.estimate == ESTIMATE_NOTE
    assert {impact.jobs for impact in review.impacts} == {2 * JOBS_PER_CHAIN}


def test_primary_never_estimate(two_chains):
    assert copy_job_source(two_chains["copy"]).estimate == ""
    assert review_rule(two_chains["rule"], NOW).estimate == ""


def test_secondary_skips_jobs_not_copied(weekly_pool):
    copy, _rule = secondary_copy(weekly_pool)
    list_on_copy(copy, range(FIRST_JOB, FIRST_JOB + 50))
    list_on_copy(copy, range(FIRST_JOB + 50, FIRST_JOB + 56), copied_time=None)

    assert copy_job_ids(copy) == list(range(FIRST_JOB, FIRST_JOB + 50))


def test_secondary_aged_flag_from_list(weekly_pool):
    copy, _rule = secondary_copy(weekly_pool)
    list_on_copy(copy, [FIRST_JOB], is_aged=True)
    list_on_copy(copy, range(FIRST_JOB + 1, FIRST_JOB + 56))

    jobs = [job for _key, chain in iter_copy_chains(copy) for job in chain]

    assert [job.job_id for job in jobs if job.aged] == [FIRST_JOB]


def test_secondary_estimate_on_pages(viewer_client, weekly_pool):
    secondary_copy(weekly_pool)
    list(analyze_tools(weekly_pool["commcell"], NOW))

    optimizer = page_text(viewer_client.get(reverse("analyzers:optimizer")))
    reclamation = page_text(viewer_client.get(reverse("analyzers:reclamation")))

    assert optimizer.count(ESTIMATE_NOTE) == 1
    assert reclamation.count(ESTIMATE_NOTE) == 1


def test_secondary_with_list_no_estimate_on_page(viewer_client, weekly_pool):
    copy, _rule = secondary_copy(weekly_pool)
    list_on_copy(copy, range(FIRST_JOB, FIRST_JOB + JOBS_PER_CHAIN))
    list(analyze_tools(weekly_pool["commcell"], NOW))

    reclamation = page_text(viewer_client.get(reverse("analyzers:reclamation")))

    assert ESTIMATE_NOTE not in reclamation


def test_reclamation_secondary_counts_own_jobs(two_chains):
    # Both copies keep 7 days / 4 cycles over the same chains, so a secondary copy
    # that lists one of the two chains has half the primary's eligible jobs.
    copy, _rule = secondary_copy(two_chains)
    list_on_copy(copy, range(FIRST_JOB, FIRST_JOB + JOBS_PER_CHAIN))

    forecast = forecast_pool(two_chains["pool"], NOW, with_recommendations=False)

    by_copy = {row.copy_id: row for row in forecast.copies}
    primary = by_copy[two_chains["copy"].pk]
    assert primary.eligible_jobs == 2 * 28
    assert by_copy[copy.pk].eligible_jobs == 28
    assert by_copy[copy.pk].eligible_bytes * 2 == primary.eligible_bytes


def test_manual_retention_from_user_rows(weekly_pool):
    copy = weekly_pool["copy"]
    until = NOW + timedelta(days=30)
    JobOnCopyFactory(
        copy=copy,
        commcell=copy.commcell,
        job_id=FIRST_JOB,
        retained_by=JobOnCopy.RetainedBy.USER,
        retain_infinite=True,
    )
    JobOnCopyFactory(
        copy=copy,
        commcell=copy.commcell,
        job_id=FIRST_JOB + 1,
        retained_by=JobOnCopy.RetainedBy.USER,
        retain_until=until,
    )
    JobOnCopyFactory(
        copy=copy,
        commcell=copy.commcell,
        job_id=FIRST_JOB + 2,
        retained_by=JobOnCopy.RetainedBy.BASIC,
        retain_until=until,
    )

    ((key, jobs),) = list(iter_copy_chains(copy))
    by_id = {job.job_id: job for job in jobs}
    result = evaluate_chain(jobs, copy_retention(weekly_pool["rule"], copy), NOW)
    eligible = {v.job_id for v in result.verdicts if v.is_eligible}

    assert by_id[FIRST_JOB].pinned
    assert by_id[FIRST_JOB].manual_retain_until is None
    assert by_id[FIRST_JOB + 1].manual_retain_until == until
    assert not by_id[FIRST_JOB + 1].pinned
    assert by_id[FIRST_JOB + 2].manual_retain_until is None
    assert FIRST_JOB not in eligible
    assert FIRST_JOB + 1 not in eligible
    assert FIRST_JOB + 2 in eligible


def test_manual_retention_lowers_forecast(weekly_pool):
    copy = weekly_pool["copy"]
    # The primary copy's job list lists every job of the chain, as a read does.
    list_on_copy(copy, range(FIRST_JOB, FIRST_JOB + JOBS_PER_CHAIN))
    before = forecast_pool(weekly_pool["pool"], NOW, with_recommendations=False)
    JobOnCopy.objects.filter(copy=copy, job_id=FIRST_JOB).update(
        retained_by=JobOnCopy.RetainedBy.USER, retain_infinite=True
    )

    after = forecast_pool(weekly_pool["pool"], NOW, with_recommendations=False)

    assert before.copies[0].eligible_jobs == 28
    assert after.copies[0].eligible_jobs == 27


def test_days_only_setting_changes_tools(weekly_pool):
    # Days only, 7 days: a job is eligible once start + 7 days has passed a data
    # aging run. The last run was day 56 12:00, so the jobs of days 0-48 qualify
    # (49 jobs) against 28 under 7 days / 4 cycles.
    commcell = weekly_pool["commcell"]
    list(analyze_tools(commcell, NOW))
    pool_id = weekly_pool["pool"].pk
    rule_id = weekly_pool["rule"].pk
    before = ToolResult.objects.get(tool="reclamation", subject_id=pool_id).data
    RetentionSettings.objects.create(commcell=commcell, days_only_retention=True)

    list(analyze_tools(commcell, NOW))

    after = ToolResult.objects.get(tool="reclamation", subject_id=pool_id).data
    review = ToolResult.objects.get(tool="optimizer", subject_id=rule_id).data
    assert before["copies"][0]["eligible_jobs"] == 28
    assert after["copies"][0]["eligible_jobs"] == 49
    assert review["configuration"] == "7 days, days only"
    assert "Days-only retention is on: cycles are ignored." in after["assumptions"]


def test_aging_time_setting_changes_forecast(weekly_pool):
    # At day 50 13:00 UTC the cycle of days 21-27 has met its 4 cycles (the full
    # of day 49 22:00). It is eligible at the 12:00 run of day 50 by default, but
    # with data aging at 14:00 it still waits, so its 7 jobs drop out.
    commcell = weekly_pool["commcell"]
    moment = day(50, hour=13)
    default = forecast_pool(weekly_pool["pool"], moment, with_recommendations=False)
    RetentionSettings.objects.create(commcell=commcell, aging_time=time(14, 0))

    late = forecast_pool(
        weekly_pool["pool"],
        moment,
        with_recommendations=False,
        tool_settings=tool_settings(commcell, moment),
    )

    assert default.copies[0].eligible_jobs == 28
    assert late.copies[0].eligible_jobs == 21


@pytest.mark.parametrize(
    "name",
    [
        "analyzers:optimizer",
        "analyzers:reclamation",
        "analyzers:dedup",
        "analyzers:schedules",
    ],
)
def test_settings_named_on_pages(name, viewer_client, weekly_pool):
    commcell = weekly_pool["commcell"]
    RetentionSettings.objects.create(
        commcell=commcell,
        days_only_retention=True,
        time_zone="Europe/Berlin",
        aging_time=time(9, 30),
    )
    list(analyze_tools(commcell, NOW))

    text = page_text(viewer_client.get(reverse(name)))

    assert "Retention settings in use" in text
    assert "Days-only retention is on: cycles are ignored." in text
    assert (
        "Data aging runs daily at 09:30 Europe/Berlin time (UTC+01:00 today, "
        "follows daylight saving time, set in the retention settings)." in text
    )


def test_default_settings_name_clock(viewer_client, analyzed):
    text = page_text(viewer_client.get(reverse("analyzers:optimizer")))

    assert "Data aging runs daily at 12:00 UTC (no CommServe time zone is known)." in (
        text
    )
    assert "Days-only retention is on" not in text


def test_schedules_use_offset_in_force(weekly_pool):
    # Fulls start at 22:00 UTC on days 0-49 (6 September to 25 October 2026).
    # Berlin leaves summer time on 25 October at 01:00 UTC, so the fulls of days
    # 0-42 start at 00:00 local time and the full of day 49 at 23:00.
    commcell = weekly_pool["commcell"]
    RetentionSettings.objects.create(commcell=commcell, time_zone="Europe/Berlin")
    context = tool_settings(commcell, NOW)

    (schedule,) = analyze_schedules(
        NOW, commcell.pk, aging_time=context.aging_time, offset_at=context.offset_at
    )

    assert context.utc_offset_minutes == 60
    assert schedule.hours[0] == 7
    assert schedule.hours[23] == 1


def test_copy_cache_stays_under_budget(two_chains):
    copy, _rule = secondary_copy(two_chains)
    list_on_copy(copy, range(FIRST_JOB, FIRST_JOB + JOBS_PER_CHAIN))
    chains = CopyChains(max_jobs=2 * JOBS_PER_CHAIN)

    chains.read(two_chains["copy"])
    chains.read(copy)
    chains.read(copy)

    assert chains.reads == 2
    assert chains.cached_jobs == JOBS_PER_CHAIN


def test_copy_cache_streams_large_copy(two_chains):
    chains = CopyChains(max_jobs=10)

    first = [key for key, _jobs in chains.read(two_chains["copy"])]
    again = [key for key, _jobs in chains.read(two_chains["copy"])]

    assert len(first) == 2
    assert again == first
    assert chains.cached_jobs == 0


def test_default_tool_settings():
    context = ToolSettings()

    assert context.offset_at(NOW) == 0
    assert not context.days_only


def stored_summary(copy, interval: float):
    return CopyRetentionSummary.objects.create(
        commcell=copy.commcell,
        copy=copy,
        storage_policy=copy.storage_policy,
        chain_count=1,
        job_count=JOBS_PER_CHAIN,
        qualifying_full_count=8,
        failed_full_count=0,
        chains_with_failed_fulls=0,
        median_full_interval_days=interval,
        flagged_open_cycles=0,
        eligible_job_count=0,
        retained_job_count=0,
        aged_job_count=0,
        computed_at=NOW,
    )


def test_stored_interval_of_primary_copy(weekly_pool):
    # The secondary copy's summary is stored first, so it has the lower key.
    copy, rule = secondary_copy(weekly_pool)
    stored_summary(copy, 30.0)
    stored_summary(weekly_pool["copy"], 7.0)

    review = review_rule(rule, NOW)

    assert review.full_interval_days == 7.0
