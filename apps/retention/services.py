"""Store the retention of collected storage policy copies as classified rules."""

import logging
from collections.abc import Iterable
from dataclasses import asdict

from django.db import transaction
from django.db.models import F

from apps.commcell.cvclient.records import RetentionRecord
from apps.commcell.models import CommCell, Plan, StoragePolicyCopy

from .classification import InvalidRetentionError, classify_record
from .models import RetentionRule
from .severity import SEVERITY_RANK

logger = logging.getLogger(__name__)

BATCH_SIZE = 500

UPDATED_FIELDS = [
    "commcell",
    "storage_policy",
    "plan",
    "retention_days",
    "retention_cycles",
    "cycles_reported",
    "data_aging_enabled",
    "data_aging_reported",
    "job_based_retention",
    "extended_rules",
    "severity",
    "severity_rank",
    "reason",
    "updated_at",
]


def save_rules(
    commcell: CommCell, pairs: Iterable[tuple[StoragePolicyCopy, RetentionRecord]]
) -> int:
    """Upsert one classified retention rule per copy and return how many were saved.

    The copies must be saved rows of this CommCell. A copy whose retention values are
    invalid is skipped with a warning, so its stored rule stays as it was. Saving the
    same pairs again changes nothing but `updated_at`.
    """
    pairs = list(pairs)
    _check_copies(commcell, pairs)
    plan_of_policy = _plans_by_policy(
        commcell, {copy.storage_policy_id for copy, _ in pairs}
    )

    # One row per copy: a copy listed twice keeps its last valid retention, because
    # PostgreSQL rejects an upsert that touches the same row twice.
    rules_by_copy: dict[int, RetentionRule] = {}
    for copy, record in pairs:
        rule = _build_rule(commcell, copy, record, plan_of_policy)
        if rule is not None:
            rules_by_copy[copy.pk] = rule
    rules = list(rules_by_copy.values())
    skipped = len({copy.pk for copy, _ in pairs}) - len(rules)

    with transaction.atomic():
        RetentionRule.objects.bulk_create(
            rules,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["copy"],
            update_fields=UPDATED_FIELDS,
        )
    logger.info(
        "CommCell %s (id %s): saved %d retention rules, skipped %d",
        commcell.name,
        commcell.pk,
        len(rules),
        skipped,
    )
    return len(rules)


def _check_copies(
    commcell: CommCell, pairs: list[tuple[StoragePolicyCopy, RetentionRecord]]
) -> None:
    for copy, _ in pairs:
        if copy.pk is None:
            raise ValueError(
                f"Copy {copy.name!r} (CommServe id {copy.cv_id}) is not saved: save "
                "the copies before their retention rules."
            )
        if copy.commcell_id != commcell.pk:
            raise ValueError(
                f"Copy {copy.name!r} (id {copy.pk}) belongs to CommCell id "
                f"{copy.commcell_id}, not to {commcell.name!r} (id {commcell.pk}): "
                "save each CommCell's rules separately."
            )


def _plans_by_policy(commcell: CommCell, policy_ids: set[int]) -> dict[int, int]:
    """Map each storage policy id to the plan that uses it.

    A policy that several plans share maps to the oldest current plan (lowest CommServe
    id), so the choice is stable between collections.
    """
    plans = (
        Plan.objects.filter(commcell=commcell, storage_policy_id__in=policy_ids)
        .order_by(F("removed_at").asc(nulls_first=True), "cv_id")
        .values_list("storage_policy_id", "pk")
    )
    plan_of_policy: dict[int, int] = {}
    for policy_id, plan_id in plans:
        plan_of_policy.setdefault(policy_id, plan_id)
    return plan_of_policy


def _build_rule(
    commcell: CommCell,
    copy: StoragePolicyCopy,
    record: RetentionRecord,
    plan_of_policy: dict[int, int],
) -> RetentionRule | None:
    try:
        result = classify_record(record)
    except InvalidRetentionError as exc:
        logger.warning(
            "CommCell %s (id %s): retention of copy %s (id %s) not saved: %s",
            commcell.name,
            commcell.pk,
            copy.name,
            copy.pk,
            exc,
        )
        return None

    return RetentionRule(
        commcell=commcell,
        copy=copy,
        storage_policy_id=copy.storage_policy_id,
        plan_id=plan_of_policy.get(copy.storage_policy_id),
        retention_days=record.days,
        retention_cycles=record.cycles,
        cycles_reported=record.cycles_reported,
        data_aging_enabled=record.data_aging_enabled,
        data_aging_reported=record.data_aging_reported,
        job_based_retention=record.job_based_retention,
        extended_rules=[
            asdict(rule) for rule in sorted(record.extended, key=lambda r: r.slot)
        ],
        severity=result.severity,
        severity_rank=SEVERITY_RANK[result.severity],
        reason=result.reason,
    )
