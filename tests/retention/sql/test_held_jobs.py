"""Jobs kept by client-level data aging off or by extended retention, in SQL."""

import pytest

from apps.commcell.models import Client, Job, JobOnCopy
from apps.retention import sql as retention_sql
from apps.retention.models import ChainCadence, CopyRetentionSummary
from tests.factories import RetentionRuleFactory, StoragePolicyCopyFactory
from tests.retention.sql.scenarios import HELD_NOW, build_held, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def held():
    return build_held()


def rows_of(commcell, client_name: str) -> list:
    return [
        row
        for row in retention_sql.job_eligibility(commcell_id=commcell.pk, now=HELD_NOW)
        if Job.objects.get(pk=row.id).client_name == client_name
    ]


def test_client_aging_off_keeps_its_jobs(held):
    held_rows = rows_of(held, "held")
    open_rows = rows_of(held, "open")

    assert {row.reason for row in held_rows} == {"aging_disabled"}
    assert all(row.retain_until is None for row in held_rows)
    assert open_rows[1].reason == "eligible"
    assert open_rows[1].retain_until == day(9, hour=12)


def test_client_aging_off_chain_counts(held):
    retention_sql.refresh(held.pk, now=HELD_NOW)

    chain = ChainCadence.objects.get(commcell=held, client_name="held")
    assert chain.eligible_job_count == 0
    assert chain.retained_job_count == chain.job_count
    assert chain.effective_retention_days is None
    assert chain.median_full_interval_days == pytest.approx(7.0)
    open_chain = ChainCadence.objects.get(commcell=held, client_name="open")
    assert open_chain.eligible_job_count > 0


def test_client_aging_on_again_dates_jobs(held):
    Client.objects.filter(commcell=held, name="held").update(data_aging_enabled=True)

    held_rows = rows_of(held, "held")

    assert held_rows[0].reason == "eligible"
    assert held_rows[0].retain_until == day(9, hour=12)


def test_client_aging_off_on_secondary_copy(held):
    policy = Job.objects.filter(commcell=held).first().storage_policy
    secondary = StoragePolicyCopyFactory(
        commcell=held, storage_policy=policy, name="Offsite", copy_precedence=2
    )
    RetentionRuleFactory(copy=secondary, retention_days=1, retention_cycles=1)
    for job in Job.objects.filter(commcell=held).order_by("start_time", "client_name"):
        JobOnCopy.objects.create(
            commcell=held, copy=secondary, job_id=job.job_id, collected_at=HELD_NOW
        )

    rows = list(retention_sql.job_eligibility_for_copy(secondary.pk, now=HELD_NOW))

    names = dict(Job.objects.filter(commcell=held).values_list("id", "client_name"))
    held_reasons = {row.reason for row in rows if names[row.id] == "held"}
    open_reasons = {row.reason for row in rows if names[row.id] == "open"}
    assert held_reasons == {"aging_disabled"}
    assert "eligible" in open_reasons


def test_extended_retention_not_compared(held):
    open_rows = rows_of(held, "open")

    extended, _, basic = open_rows[:3]
    assert not extended.disagrees
    assert basic.disagrees


def test_extended_retention_uses_commserve_date(held):
    extended = rows_of(held, "open")[0]

    # The basic rules let it go at day 9; the CommServe keeps it to day 69.
    assert extended.reason == "extended_retention"
    assert extended.retain_until == day(69, hour=12)


def test_extended_retention_not_eligible(held):
    reasons = [row.reason for row in rows_of(held, "open")]
    # Every job the basic rules let go, less the one extended retention keeps.
    basic_eligible = reasons.count("eligible") + reasons.count("extended_retention")

    retention_sql.refresh(held.pk, now=HELD_NOW)

    chain = ChainCadence.objects.get(commcell=held, client_name="open")
    assert chain.eligible_job_count == basic_eligible - 1
    assert chain.retained_job_count == chain.job_count - chain.eligible_job_count


def test_extended_retention_counted_apart(held):
    retention_sql.refresh(held.pk, now=HELD_NOW)

    chain = ChainCadence.objects.get(commcell=held, client_name="open")
    assert chain.reported_job_count == 2
    assert chain.extended_retention_job_count == 1
    assert chain.disagreeing_job_count == 1
    assert chain.max_disagreement_days == pytest.approx(5.0)
    summary = CopyRetentionSummary.objects.get(commcell=held)
    assert summary.reported_job_count == 2
    assert summary.extended_retention_job_count == 1
    assert summary.disagreeing_job_count == 1
    assert (
        summary.disagreement_example_job.job_id
        == Job.objects.get(commcell=held, client_name="open", start_time=day(3)).job_id
    )


def test_extended_retention_aged_still_compared(held):
    # A job the CommServe has aged is no longer kept by extended retention, so its
    # aged flag is compared with the computed reason as usual.
    JobOnCopy.objects.filter(
        commcell=held, retained_by=JobOnCopy.RetainedBy.EXTENDED
    ).update(is_aged=True)

    retention_sql.refresh(held.pk, now=HELD_NOW)

    summary = CopyRetentionSummary.objects.get(commcell=held)
    assert summary.extended_retention_job_count == 0
    assert summary.reported_job_count == 2
    assert summary.disagreeing_job_count == 1
