"""save_rules: upsert, classification, plan links and bad input."""

import logging

import pytest

from apps.commcell.cvclient.records import ExtendedRetentionRecord, RetentionRecord
from apps.retention.models import RetentionRule, Severity
from apps.retention.services import save_rules
from tests.factories import (
    CommCellFactory,
    PlanFactory,
    StoragePolicyCopyFactory,
    StoragePolicyFactory,
)

pytestmark = pytest.mark.django_db

MONTHLY = ExtendedRetentionRecord(slot=2, rule="monthly_fulls", end_days=365)
YEARLY = ExtendedRetentionRecord(slot=1, rule="yearly_fulls", end_days=-1, grace_days=3)


@pytest.fixture
def commcell():
    return CommCellFactory(name="cs-main")


def _copy(commcell, policy=None, **kwargs):
    policy = policy or StoragePolicyFactory(commcell=commcell)
    return StoragePolicyCopyFactory(commcell=commcell, storage_policy=policy, **kwargs)


def test_save_rules_creates_rule_per_copy(commcell):
    copies = [_copy(commcell) for _ in range(3)]

    saved = save_rules(
        commcell, [(c, RetentionRecord(30, 1, data_aging_enabled=True)) for c in copies]
    )

    assert saved == 3
    assert RetentionRule.objects.filter(commcell=commcell).count() == 3


def test_save_rules_stores_values_and_class(commcell):
    copy = _copy(commcell)
    record = RetentionRecord(
        days=14,
        cycles=2,
        data_aging_enabled=True,
        job_based_retention=True,
        extended=(MONTHLY, YEARLY),
    )

    save_rules(commcell, [(copy, record)])

    rule = RetentionRule.objects.get(copy=copy)
    assert rule.retention_days == 14
    assert rule.retention_cycles == 2
    assert rule.data_aging_enabled is True
    assert rule.job_based_retention is True
    assert rule.storage_policy_id == copy.storage_policy_id
    assert rule.severity == Severity.HIGH
    assert rule.severity_rank == 1
    assert "kept about 20 days, +43%" in rule.reason


def test_save_rules_stores_extended_rules_by_slot(commcell):
    copy = _copy(commcell)
    record = RetentionRecord(30, 1, data_aging_enabled=True, extended=(MONTHLY, YEARLY))

    save_rules(commcell, [(copy, record)])

    assert RetentionRule.objects.get(copy=copy).extended_rules == [
        {"slot": 1, "rule": "yearly_fulls", "end_days": -1, "grace_days": 3},
        {"slot": 2, "rule": "monthly_fulls", "end_days": 365, "grace_days": 0},
    ]


def test_save_rules_idempotent(commcell):
    copies = [_copy(commcell) for _ in range(4)]
    pairs = [(c, RetentionRecord(30, 3, data_aging_enabled=False)) for c in copies]

    save_rules(commcell, pairs)
    first = list(
        RetentionRule.objects.order_by("pk").values("pk", "severity", "reason")
    )
    save_rules(commcell, pairs)
    second = list(
        RetentionRule.objects.order_by("pk").values("pk", "severity", "reason")
    )

    assert second == first
    assert len(second) == 4


def test_save_rules_updates_changed_retention(commcell):
    copy = _copy(commcell)
    save_rules(commcell, [(copy, RetentionRecord(30, 1, data_aging_enabled=True))])
    rule_id = RetentionRule.objects.get(copy=copy).pk

    save_rules(commcell, [(copy, RetentionRecord(30, 1, data_aging_enabled=False))])

    rule = RetentionRule.objects.get(copy=copy)
    assert rule.pk == rule_id
    assert rule.data_aging_enabled is False
    assert rule.severity == Severity.CRITICAL
    assert rule.severity_rank == 0


def test_save_rules_links_plan_of_policy(commcell):
    policy = StoragePolicyFactory(commcell=commcell)
    plan = PlanFactory(commcell=commcell, storage_policy=policy)
    copy = _copy(commcell, policy)

    save_rules(commcell, [(copy, RetentionRecord(30, 1, data_aging_enabled=True))])

    assert RetentionRule.objects.get(copy=copy).plan == plan


def test_save_rules_without_plan(commcell):
    copy = _copy(commcell)

    save_rules(commcell, [(copy, RetentionRecord(30, 1, data_aging_enabled=True))])

    assert RetentionRule.objects.get(copy=copy).plan is None


def test_save_rules_shared_policy_plan(commcell):
    policy = StoragePolicyFactory(commcell=commcell)
    PlanFactory(
        commcell=commcell,
        storage_policy=policy,
        cv_id=1,
        removed_at="2026-01-01T00:00:00Z",
    )
    current = PlanFactory(commcell=commcell, storage_policy=policy, cv_id=9)
    PlanFactory(commcell=commcell, storage_policy=policy, cv_id=12)
    copy = _copy(commcell, policy)

    save_rules(commcell, [(copy, RetentionRecord(30, 1, data_aging_enabled=True))])

    assert RetentionRule.objects.get(copy=copy).plan == current


def test_save_rules_links_plan_added_later(commcell):
    policy = StoragePolicyFactory(commcell=commcell)
    copy = _copy(commcell, policy)
    pairs = [(copy, RetentionRecord(30, 1, data_aging_enabled=True))]
    save_rules(commcell, pairs)
    plan = PlanFactory(commcell=commcell, storage_policy=policy)

    save_rules(commcell, pairs)

    assert RetentionRule.objects.get(copy=copy).plan == plan


def test_save_rules_invalid_values_skipped(commcell, caplog):
    copy = _copy(commcell, name="Primary <b>")
    good = _copy(commcell)
    save_rules(commcell, [(copy, RetentionRecord(30, 1, data_aging_enabled=True))])

    with caplog.at_level(logging.WARNING, logger="apps.retention.services"):
        saved = save_rules(
            commcell,
            [
                (copy, RetentionRecord(-7, 1, data_aging_enabled=True)),
                (good, RetentionRecord(60, 1, data_aging_enabled=True)),
            ],
        )

    assert saved == 1
    assert RetentionRule.objects.get(copy=copy).retention_days == 30
    assert RetentionRule.objects.get(copy=good).retention_days == 60
    assert "Retention days -7 is invalid" in caplog.text
    assert "cs-main" in caplog.text


def test_save_rules_duplicate_copy_keeps_last(commcell):
    copy = _copy(commcell)

    saved = save_rules(
        commcell,
        [
            (copy, RetentionRecord(30, 1, data_aging_enabled=True)),
            (copy, RetentionRecord(90, 1, data_aging_enabled=True)),
        ],
    )

    assert saved == 1
    assert RetentionRule.objects.get(copy=copy).retention_days == 90


def test_save_rules_rejects_other_commcell(commcell):
    other = _copy(CommCellFactory(name="cs-other"))

    with pytest.raises(ValueError, match="belongs to CommCell id"):
        save_rules(commcell, [(other, RetentionRecord(30, 1, data_aging_enabled=True))])

    assert not RetentionRule.objects.exists()


def test_save_rules_rejects_unsaved_copy(commcell):
    copy = StoragePolicyCopyFactory.build(commcell=commcell)

    with pytest.raises(ValueError, match="is not saved"):
        save_rules(commcell, [(copy, RetentionRecord(30, 1, data_aging_enabled=True))])


def test_save_rules_empty_input(commcell):
    assert save_rules(commcell, []) == 0


def test_save_rules_600_copies_few_queries(commcell, django_assert_max_num_queries):
    policies = StoragePolicyFactory.create_batch(250, commcell=commcell)
    for policy in policies:
        PlanFactory(commcell=commcell, storage_policy=policy)
    copies = [_copy(commcell, policies[n % 250]) for n in range(600)]
    pairs = [
        (copy, RetentionRecord(n % 40, n % 4, data_aging_enabled=n % 9 != 0))
        for n, copy in enumerate(copies)
    ]

    with django_assert_max_num_queries(6):
        saved = save_rules(commcell, pairs)

    assert saved == 600
    assert RetentionRule.objects.filter(plan__isnull=False).count() == 600


def test_save_rules_stores_unreported_flags(commcell):
    copy = _copy(commcell)
    record = RetentionRecord(
        10,
        0,
        data_aging_enabled=True,
        cycles_reported=False,
        data_aging_reported=False,
    )

    save_rules(commcell, [(copy, record)])

    rule = RetentionRule.objects.get(copy=copy)
    assert rule.cycles_reported is False
    assert rule.data_aging_reported is False
    assert "reported days but no cycles" in rule.reason
