"""The retention analyzer, the Celery tasks, the collection receiver and `analyze`."""

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.commcell.models import SyncRun
from apps.core import findings, tasks
from apps.core.analysis import run_analysis
from apps.core.findings import registered_analyzers
from apps.core.models import AnalysisRun, Finding
from apps.retention.analyzers import ANALYZER_NAME, analyze_retention_rules
from apps.retention.models import RetentionRule
from cvanalytics.celery import app as celery_app
from tests.commcell.test_collector import collect, sim_commcell
from tests.factories import (
    AnalysisRunFactory,
    CommCellFactory,
    PlanFactory,
    SyncRunFactory,
)
from tests.retention.conftest import make_rule

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
def rules():
    """One rule per severity on one CommCell."""
    commcell = CommCellFactory(name="cs-east")
    gold = PlanFactory(commcell=commcell, name="Gold")
    return {
        "critical": make_rule(commcell, gold, days=30, cycles=2, aging=False),
        "high": make_rule(commcell, gold, days=14, cycles=2),
        "medium": make_rule(commcell, None, days=60, cycles=4),
        "info": make_rule(commcell, None, days=-1, cycles=1),
        "ok": make_rule(commcell, None, days=30, cycles=0),
    }


@pytest.fixture
def eager_celery():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_retention_analyzer_is_registered():
    assert registered_analyzers()[ANALYZER_NAME] is analyze_retention_rules


def test_retention_analyzer_reports_rules_not_ok(rules):
    east = rules["critical"].commcell

    found = {item.code: item for item in analyze_retention_rules(east, NOW)}

    assert sorted(found) == [
        "retention.aging_disabled",
        "retention.infinite_retention",
        "retention.many_cycles",
        "retention.short_term_stretched",
    ]
    critical = found["retention.aging_disabled"]
    rule = rules["critical"]
    assert critical.severity == "critical"
    assert critical.subject_type == "copy"
    assert critical.subject_id == rule.copy_id
    assert critical.subject_name == f"{rule.storage_policy.name} / {rule.copy.name}"
    assert critical.title == rule.reason
    assert critical.recommendation.startswith("Enable data aging")
    assert critical.evidence["retention_days"] == 30
    assert critical.evidence["retention_cycles"] == 2
    assert critical.evidence["data_aging_enabled"] is False
    assert critical.evidence["plan"] == "Gold"
    assert found["retention.short_term_stretched"].severity == "high"
    assert found["retention.many_cycles"].severity == "medium"
    assert found["retention.infinite_retention"].severity == "info"


def test_retention_analyzer_skips_removed_copies(rules):
    rule = rules["critical"]
    rule.copy.removed_at = NOW
    rule.copy.save()

    codes = [item.code for item in analyze_retention_rules(rule.commcell, NOW)]

    assert "retention.aging_disabled" not in codes


def test_fixed_rule_resolves_its_finding():
    commcell = CommCellFactory()
    rule = make_rule(commcell, days=30, cycles=2, aging=False)

    run_analysis(commcell, now=NOW)
    RetentionRule.objects.filter(pk=rule.pk).update(
        data_aging_enabled=True, severity="ok", severity_rank=4
    )
    run = run_analysis(commcell, now=NOW.replace(day=4))

    finding = Finding.objects.get(code="retention.aging_disabled")
    assert finding.resolved_at == NOW.replace(day=4)
    assert run.counts[ANALYZER_NAME]["resolved"] == 1


def test_migration_schedules_nightly_analysis():
    task = PeriodicTask.objects.get(name="cvanalytics: nightly analysis")

    assert task.task == "apps.core.tasks.nightly_analysis"
    assert task.enabled
    assert task.crontab.minute == "0"
    assert task.crontab.hour == "2"
    assert task.crontab.day_of_week == "*"


def test_nightly_analysis_covers_enabled_commcells(eager_celery):
    enabled = CommCellFactory(name="cs-on")
    make_rule(enabled, days=30, cycles=2, aging=False)
    CommCellFactory(name="cs-off", enabled=False)

    queued = tasks.nightly_analysis.delay().get()

    assert queued == 1
    run = AnalysisRun.objects.get()
    assert run.commcell == enabled
    assert run.trigger == AnalysisRun.Trigger.NIGHTLY
    assert run.status == AnalysisRun.Status.SUCCEEDED
    assert (
        Finding.objects.get(analyzer=ANALYZER_NAME).code == "retention.aging_disabled"
    )


def test_task_skips_missing_commcell(eager_celery):
    assert tasks.analyze_commcell.delay(999_999, "manual").get() is None
    assert not AnalysisRun.objects.exists()


def test_task_skips_while_another_runs(eager_celery):
    commcell = CommCellFactory()
    AnalysisRunFactory(commcell=commcell, status=AnalysisRun.Status.RUNNING)

    assert tasks.analyze_commcell.delay(commcell.pk, "nightly").get() is None
    assert AnalysisRun.objects.count() == 1


def test_enqueue_runs_queued_run(eager_celery, django_capture_on_commit_callbacks):
    commcell = CommCellFactory()
    make_rule(commcell, days=14, cycles=2)

    with django_capture_on_commit_callbacks(execute=True):
        run = tasks.enqueue_analysis(commcell)

    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.SUCCEEDED
    assert run.trigger == AnalysisRun.Trigger.MANUAL
    assert (
        Finding.objects.get(analyzer=ANALYZER_NAME).code
        == "retention.short_term_stretched"
    )


def test_receiver_ignores_failed_collection(django_capture_on_commit_callbacks):
    commcell = CommCellFactory()
    run = SyncRunFactory(commcell=commcell, status=SyncRun.Status.FAILED)

    with django_capture_on_commit_callbacks() as callbacks:
        tasks.queue_analysis_after_collection(
            SyncRun, commcell=commcell, run=run, status=SyncRun.Status.FAILED
        )

    assert callbacks == []


@pytest.mark.simulator
def test_collection_queues_analysis(
    commserve_sim, eager_celery, django_capture_on_commit_callbacks
):
    commcell = sim_commcell(commserve_sim)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sync_run = collect(commcell)

    assert sync_run.status == SyncRun.Status.SUCCEEDED
    assert len(callbacks) >= 1
    run = AnalysisRun.objects.get(commcell=commcell)
    assert run.trigger == AnalysisRun.Trigger.COLLECTION
    assert run.sync_run == sync_run
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.errors
    assert run.analyzed_at >= sync_run.finished_at
    not_ok = (
        RetentionRule.objects.filter(commcell=commcell).exclude(severity="ok").count()
    )
    assert not_ok > 0
    stored = Finding.objects.filter(commcell=commcell, analyzer=ANALYZER_NAME)
    assert stored.count() == not_ok
    assert run.counts[ANALYZER_NAME]["new"] == not_ok


def test_command_analyzes_named_commcell():
    commcell = CommCellFactory(name="cs-cli")
    make_rule(commcell, days=-1, cycles=1)
    out = StringIO()

    call_command("analyze", "cs-cli", stdout=out)

    assert "cs-cli: analysis run" in out.getvalue()
    assert "succeeded" in out.getvalue()
    assert (
        Finding.objects.get(analyzer=ANALYZER_NAME).code
        == "retention.infinite_retention"
    )


def test_command_rejects_unknown_name():
    CommCellFactory(name="cs-known")

    with pytest.raises(CommandError, match="'cs-nope' not found.*cs-known"):
        call_command("analyze", "cs-nope")


def test_command_without_name_runs_enabled():
    CommCellFactory(name="cs-a")
    CommCellFactory(name="cs-b", enabled=False)
    out = StringIO()

    call_command("analyze", stdout=out)

    assert "cs-a: analysis run" in out.getvalue()
    assert "cs-b" not in out.getvalue()
    assert AnalysisRun.objects.count() == 1


def test_replayed_past_collection_is_not_analyzed(eager_celery):
    commcell = CommCellFactory()
    AnalysisRunFactory(commcell=commcell, analyzed_at=NOW)
    past = SyncRunFactory(commcell=commcell, as_of=NOW.replace(day=1))

    result = tasks.analyze_commcell.delay(
        commcell.pk, "collection", sync_run_id=past.pk
    ).get()

    assert result is None
    assert AnalysisRun.objects.count() == 1


def test_later_collection_is_analyzed(eager_celery):
    commcell = CommCellFactory()
    AnalysisRunFactory(commcell=commcell, analyzed_at=NOW)
    later = SyncRunFactory(commcell=commcell, as_of=NOW.replace(day=5))

    result = tasks.analyze_commcell.delay(
        commcell.pk, "collection", sync_run_id=later.pk
    ).get()

    assert result == AnalysisRun.Status.SUCCEEDED
    run = AnalysisRun.objects.get(sync_run=later)
    assert run.analyzed_at == NOW.replace(day=5)


def test_collection_during_analysis_is_analyzed(eager_celery, monkeypatch):
    commcell = CommCellFactory()
    finished_during: list[SyncRun] = []

    def collect_meanwhile(commcell, now):
        if not finished_during:
            finished_during.append(
                SyncRunFactory(
                    commcell=commcell,
                    status=SyncRun.Status.SUCCEEDED,
                    finished_at=timezone.now(),
                )
            )
        return []

    monkeypatch.setattr(findings, "_ANALYZERS", {"meanwhile": collect_meanwhile})

    tasks.analyze_commcell.delay(commcell.pk, "nightly").get()

    runs = list(AnalysisRun.objects.filter(commcell=commcell).order_by("pk"))
    assert [run.trigger for run in runs] == ["nightly", "collection"]
    assert runs[1].sync_run == finished_during[0]
    assert runs[1].status == AnalysisRun.Status.SUCCEEDED


def test_failed_collection_during_analysis_ignored(eager_celery, monkeypatch):
    commcell = CommCellFactory()

    def collect_meanwhile(commcell, now):
        SyncRunFactory(
            commcell=commcell, status=SyncRun.Status.FAILED, finished_at=timezone.now()
        )
        return []

    monkeypatch.setattr(findings, "_ANALYZERS", {"meanwhile": collect_meanwhile})

    tasks.analyze_commcell.delay(commcell.pk, "nightly").get()

    assert AnalysisRun.objects.filter(commcell=commcell).count() == 1
