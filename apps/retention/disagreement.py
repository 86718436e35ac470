"""Disagreement findings: copies whose CommServe dates differ from the computed ones.

``apps.retention.analysis.analyze_cycles`` reports these findings from the counts
that ``apps.retention.sql.refresh`` stores on each CopyRetentionSummary.
"""

from collections.abc import Iterator
from typing import Any

from django.urls import reverse

from apps.commcell.models import CommCell, Job
from apps.core.findings import FindingData

from .assumptions import describe
from .data_quality import MAX_EXAMPLES
from .models import ChainCadence, CopyRetentionSummary, RetentionSettings

# A copy with at least this share of its compared jobs disagreeing (and at least
# the job threshold) gets a high disagreement finding.
DISAGREEMENT_HIGH_PERCENT = 50.0


def reported_disagreement_findings(
    commcell: CommCell, settings: RetentionSettings
) -> Iterator[FindingData]:
    """Report each copy whose CommServe dates disagree with the computed ones.

    A job disagrees when the CommServe's retain-until date differs from the computed
    one by more than the tolerance, or when the CommServe aged a job the rules keep
    (or keeps one the rules let go). A copy whose disagreeing jobs reach the
    thresholds of ``disagreement_reaches_threshold`` gets one finding with the counts
    and the job with the largest difference. The copies below the thresholds are
    counted in one CommCell finding. A copy without disagreement yields nothing, so
    its finding resolves at the next analysis.
    """
    summaries = (
        CopyRetentionSummary.objects.filter(
            commcell=commcell, disagreeing_job_count__gt=0
        )
        .select_related("copy", "storage_policy", "disagreement_example_job")
        .order_by("pk")
    )
    below = []
    for summary in summaries:
        compared = compared_job_count(summary)
        if disagreement_reaches_threshold(
            summary.disagreeing_job_count, compared, settings
        ):
            yield _disagreement_finding(summary, settings)
        else:
            below.append(summary)

    if below:
        yield _below_threshold_finding(commcell, below, settings)


def disagreement_reaches_threshold(
    disagreeing: int, compared: int, settings: RetentionSettings
) -> bool:
    """Return True when a copy's disagreeing jobs earn it a finding.

    A copy is reported when at least ``disagreement_min_jobs`` of its compared jobs
    disagree, or at least ``disagreement_min_percent`` percent of them. So a few
    jobs of a large copy give no finding, and one job of a small copy does.
    """
    if disagreeing <= 0:
        return False
    if disagreeing >= settings.disagreement_min_jobs or compared <= 0:
        return True
    # Compare products, not a rounded percentage, so 1 of 100 meets exactly 1%.
    return disagreeing * 100 >= settings.disagreement_min_percent * compared


def disagreement_severity(
    disagreeing: int, compared: int, settings: RetentionSettings
) -> str:
    """Return the severity of a copy's disagreement finding: high or medium.

    High needs at least the job threshold and half the compared jobs, because so
    many disagreeing jobs point at a setting such as the time zone or days-only
    retention rather than at single jobs.
    """
    share_high = disagreeing * 100 >= DISAGREEMENT_HIGH_PERCENT * compared
    if disagreeing >= settings.disagreement_min_jobs and share_high:
        return "high"
    return "medium"


def _disagreement_finding(
    summary: CopyRetentionSummary, settings: RetentionSettings
) -> FindingData:
    count = summary.disagreeing_job_count
    compared = compared_job_count(summary)
    extended = summary.extended_retention_job_count
    example = summary.disagreement_example_job
    largest = summary.max_disagreement_days
    tolerance = settings.disagreement_tolerance_days

    title = (
        f"The CommServe's retain-until date or aged state of {count:,} of "
        f"{counted(compared, 'compared job')} on this copy differs from the computed "
        f"one by more than {tolerance:g} day{'' if tolerance == 1 else 's'}"
    )
    title += "." if largest is None else f", by up to {largest:.1f} days."
    if extended:
        title += (
            f" {counted(extended, 'more job')} kept by extended retention "
            f"{'was' if extended == 1 else 'were'} not compared."
        )

    checks = describe(settings) or ["every retention setting has its default"]
    recommendation = (
        "Check the retention settings of this CommCell, which the computed dates use "
        "(now: " + " ".join(checks).rstrip(".") + "). Days-only retention "
        "(EnableDaysOnlyRetention), the CommServe's time zone and the data aging time "
        "are the usual causes."
    )
    example_url = _job_url(example)
    if example is not None:
        recommendation += (
            f" Compare the two dates on the page of job {example.job_id} "
            f"({example_url})."
        )

    return FindingData(
        code="retention.reported_disagreement",
        severity=disagreement_severity(count, compared, settings),
        subject_type="copy",
        subject_id=summary.copy_id,
        subject_name=f"{summary.storage_policy.name} / {summary.copy.name}",
        title=title,
        recommendation=recommendation,
        evidence={
            "reported_jobs": summary.reported_job_count,
            "compared_jobs": compared,
            "extended_retention_jobs": extended,
            "disagreeing_jobs": count,
            "max_difference_days": _round(largest),
            "tolerance_days": settings.disagreement_tolerance_days,
            "example_job_id": example.job_id if example else None,
            "example_job_pk": example.pk if example else None,
            "example_job_url": example_url,
        },
    )


def _below_threshold_finding(
    commcell: CommCell,
    summaries: list[CopyRetentionSummary],
    settings: RetentionSettings,
) -> FindingData:
    """Count the copies whose few disagreeing jobs stay below the thresholds."""
    jobs = sum(summary.disagreeing_job_count for summary in summaries)
    copies = len(summaries)
    threshold = (
        f"{settings.disagreement_min_jobs:,} jobs or "
        f"{settings.disagreement_min_percent:g}% of the compared jobs"
    )
    examples = sorted(
        summaries, key=lambda summary: (-summary.disagreeing_job_count, summary.pk)
    )[:MAX_EXAMPLES]
    # The finding pages link the first example job, of the copy with the most.
    first_job = next(
        (
            summary.disagreement_example_job
            for summary in examples
            if summary.disagreement_example_job is not None
        ),
        None,
    )
    return FindingData(
        code="retention.reported_disagreement_below_threshold",
        severity="info",
        subject_type="commcell",
        subject_id=commcell.pk,
        subject_name=commcell.name,
        title=(
            f"{'1 copy has' if copies == 1 else f'{copies:,} copies have'} CommServe retain-until dates that "
            f"differ from the computed ones for {counted(jobs, 'job')} in all, each "
            f"below the finding threshold of {threshold}."
        ),
        recommendation=(
            "The copies page lists each copy's count of disagreeing jobs, and each "
            "job page compares the two dates. To get one finding per copy, lower "
            "the disagreement thresholds in the retention settings of this CommCell."
        ),
        evidence={
            "copies": copies,
            "disagreeing_jobs": jobs,
            "min_jobs": settings.disagreement_min_jobs,
            "min_percent": settings.disagreement_min_percent,
            "copies_url": reverse("retention:copy-list") + f"?commcell={commcell.pk}",
            "example_job_id": first_job.job_id if first_job else None,
            "example_job_url": _job_url(first_job),
            "examples": [_below_threshold_example(summary) for summary in examples],
        },
    )


def _below_threshold_example(summary: CopyRetentionSummary) -> dict[str, Any]:
    example = summary.disagreement_example_job
    return {
        "copy": f"{summary.storage_policy.name} / {summary.copy.name}",
        "disagreeing_jobs": summary.disagreeing_job_count,
        "compared_jobs": compared_job_count(summary),
        "example_job_id": example.job_id if example else None,
        "example_job_url": _job_url(example),
    }


def _job_url(job: Job | None) -> str | None:
    return None if job is None else reverse("retention:job-detail", args=[job.pk])


def compared_job_count(summary: CopyRetentionSummary | ChainCadence) -> int:
    """Return the reported jobs compared with the computed dates.

    Jobs the CommServe keeps by extended retention are reported but not compared,
    because the SQL analysis takes their date from the CommServe.
    """
    return summary.reported_job_count - summary.extended_retention_job_count


def counted(count: int, noun: str) -> str:
    """Return a count with thousands separators and its noun: "1 job", "1,200 jobs"."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
