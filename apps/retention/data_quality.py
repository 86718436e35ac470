"""Data quality checks of the retention analysis: stored values it cannot trust.

``apps.retention.analysis.analyze_cycles`` reports these as retention.data_quality
findings, one per storage policy or copy.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from apps.commcell.models import CommCell, Job, StoragePolicyCopy
from apps.core.findings import FindingData

from .models import RetentionRule
from .templatetags.tool_units import format_binary

# Examples named in one finding (here and for open cycles). The evidence also
# stores the count.
MAX_EXAMPLES = 10


def data_quality_findings(commcell: CommCell, now: datetime) -> Iterator[FindingData]:
    """Report stored values the analysis cannot trust, one finding per object.

    Checks: finished jobs without an end time, negative sizes, rules with invalid
    days or cycles, and current primary copies with no jobs. Duplicate job ids are
    not checked here because the unique (commcell, job_id) constraint rejects them
    on insert. The job retention page lists any that the engine finds in one chain.
    """
    problems: dict[tuple[str, int], _Problems] = {}

    def add(subject_type: str, subject_id: int, name: str, text: str, value: Any):
        key = (subject_type, subject_id)
        entry = problems.setdefault(key, _Problems(name))
        entry.messages.append(text)
        entry.values.append(value)

    for policy_id, policy_name, text, value in _job_problems(commcell, now):
        add("storage_policy", policy_id, policy_name, text, value)
    for copy_id, copy_name, text, value in _rule_problems(commcell):
        add("copy", copy_id, copy_name, text, value)
    for copy_id, copy_name, text, value in _copies_without_jobs(commcell):
        add("copy", copy_id, copy_name, text, value)

    for (subject_type, subject_id), entry in problems.items():
        yield FindingData(
            code="retention.data_quality",
            severity="medium",
            subject_type=subject_type,
            subject_id=subject_id,
            subject_name=entry.name,
            title=" ".join(entry.messages),
            recommendation=(
                "Check these values on the CommServe and collect again; the "
                "retention analysis skips or guesses around them until then."
            ),
            evidence={"problems": entry.values},
        )


@dataclass
class _Problems:
    name: str
    messages: list[str] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)


def _job_problems(
    commcell: CommCell, now: datetime
) -> Iterator[tuple[int, str, str, Any]]:
    jobs = Job.objects.filter(
        commcell=commcell, storage_policy__isnull=False, start_time__lte=now
    )
    no_end = jobs.filter(end_time__isnull=True).exclude(outcome=Job.Outcome.RUNNING)
    negative = jobs.filter(Q(application_bytes__lt=0) | Q(media_bytes__lt=0))
    checks = (
        (no_end, "finished jobs have no end time", "no_end_time"),
        (negative, "jobs have a negative size", "negative_size"),
    )
    for queryset, text, kind in checks:
        examples = _examples_by_policy(queryset)
        for policy_id, (policy_name, count, rows) in examples.items():
            shown = ", ".join(_job_example(kind, row) for row in rows)
            evidence: dict[str, Any] = {
                "kind": kind,
                "count": count,
                "jobs": [row[0] for row in rows],
            }
            if kind == "negative_size":
                evidence["sizes"] = [_size_evidence(row) for row in rows]
            yield policy_id, policy_name, f"{count} {text} ({shown}).", evidence


def _examples_by_policy(
    jobs: QuerySet[Job],
) -> dict[int, tuple[str, int, list[tuple]]]:
    counts = dict(
        jobs.order_by()
        .values_list("storage_policy_id")
        .annotate(count=Count("pk"))
        .values_list("storage_policy_id", "count")
    )
    result: dict[int, tuple[str, int, list[tuple]]] = {}
    for policy_id, count in counts.items():
        rows = list(
            jobs.filter(storage_policy_id=policy_id)
            .order_by("start_time", "job_id")
            .values_list(
                "job_id",
                "outcome",
                "application_bytes",
                "media_bytes",
                "storage_policy__name",
            )[:MAX_EXAMPLES]
        )
        result[policy_id] = (rows[0][4], count, rows)
    return result


def _job_example(kind: str, row: tuple) -> str:
    job_id, outcome, application_bytes, media_bytes, _ = row
    if kind == "no_end_time":
        return f"job {job_id}: outcome {outcome}, end time missing"
    sizes = []
    if application_bytes is not None and application_bytes < 0:
        sizes.append(f"application size {format_binary(application_bytes)}")
    if media_bytes is not None and media_bytes < 0:
        sizes.append(f"media size {format_binary(media_bytes)}")
    return f"job {job_id}: {', '.join(sizes)}"


def _size_evidence(row: tuple) -> dict[str, Any]:
    """Return a job's sizes in exact bytes, because the title rounds them to units."""
    job_id, _, application_bytes, media_bytes, _ = row
    return {
        "job_id": job_id,
        "application_bytes": application_bytes,
        "media_bytes": media_bytes,
    }


def _rule_problems(commcell: CommCell) -> Iterator[tuple[int, str, str, Any]]:
    rules = (
        RetentionRule.objects.filter(commcell=commcell, copy__removed_at__isnull=True)
        .filter(Q(retention_days__lt=-1) | Q(retention_cycles__lt=0))
        .select_related("copy", "storage_policy")
        .order_by("pk")
    )
    for rule in rules:
        name = f"{rule.storage_policy.name} / {rule.copy.name}"
        if rule.retention_days < -1:
            yield (
                rule.copy_id,
                name,
                f"Retention days {rule.retention_days} is invalid: expected 0 or "
                "more, or -1 for infinite.",
                {"kind": "invalid_days", "retention_days": rule.retention_days},
            )
        if rule.retention_cycles < 0:
            yield (
                rule.copy_id,
                name,
                f"Retention cycles {rule.retention_cycles} is invalid: expected 0 "
                "or more.",
                {"kind": "invalid_cycles", "retention_cycles": rule.retention_cycles},
            )


def _copies_without_jobs(commcell: CommCell) -> Iterator[tuple[int, str, str, Any]]:
    """Yield current primary copies whose storage policy has no job at all.

    A plan that is new or unused has no jobs too, so the finding names the copy and
    leaves the judgement to the reader.
    """
    with_jobs = Job.objects.filter(
        commcell=commcell, storage_policy_id__isnull=False
    ).values("storage_policy_id")
    copies = (
        StoragePolicyCopy.objects.filter(
            commcell=commcell, copy_precedence=1, removed_at__isnull=True
        )
        .exclude(storage_policy_id__in=with_jobs)
        .select_related("storage_policy")
        .order_by("pk")
    )
    for copy in copies:
        yield (
            copy.pk,
            f"{copy.storage_policy.name} / {copy.name}",
            "The primary copy has no jobs, so its cadence and effective retention "
            "are unknown.",
            {"kind": "no_jobs", "job_count": 0},
        )
