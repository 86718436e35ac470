"""The analysis service: storing findings, failed analyzers, the one-run lock."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.core import analysis, findings
from apps.core.findings import FindingData
from apps.core.models import AnalysisRun, Finding
from tests.factories import AnalysisRunFactory, CommCellFactory

pytestmark = pytest.mark.django_db

DAY_1 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
DAY_2 = DAY_1 + timedelta(days=1)
DAY_3 = DAY_1 + timedelta(days=2)
DAY_4 = DAY_1 + timedelta(days=3)


def pool_finding(pool_id=7, severity="high", free=9.5):
    return FindingData(
        code="storage.pool_low_space",
        severity=severity,
        subject_type="pool",
        subject_id=pool_id,
        subject_name=f"Pool{pool_id:02d}",
        title=f"Pool{pool_id:02d} has {free}% free space.",
        recommendation="Add capacity or age data.",
        evidence={"free_percent": free},
    )


class Reporter:
    """An analyzer whose report the test sets before each run."""

    def __init__(self, *findings):
        self.findings = list(findings)
        self.error = None
        self.calls = []

    def __call__(self, commcell, now):
        self.calls.append((commcell.pk, now))
        if self.error is not None:
            raise self.error
        return list(self.findings)


def analyze(commcell, now, **analyzers):
    return analysis.run_analysis(commcell, now=now, analyzers=analyzers)


def open_findings(commcell):
    return Finding.objects.filter(commcell=commcell, resolved_at__isnull=True)


def test_new_finding_is_created():
    commcell = CommCellFactory()
    reporter = Reporter(pool_finding())

    run = analyze(commcell, DAY_1, storage=reporter)

    finding = Finding.objects.get()
    assert finding.code == "storage.pool_low_space"
    assert finding.severity == "high"
    assert finding.severity_rank == 1
    assert finding.subject_id == 7
    assert finding.first_seen_at == DAY_1
    assert finding.last_seen_at == DAY_1
    assert finding.resolved_at is None
    assert finding.last_run == run
    assert finding.analyzer == "storage"
    assert run.status == AnalysisRun.Status.SUCCEEDED
    assert run.counts == {
        "storage": {"findings": 1, "new": 1, "resolved": 0, "errors": 0}
    }
    assert reporter.calls == [(commcell.pk, DAY_1)]


def test_seen_again_keeps_first_seen_and_updates_report():
    commcell = CommCellFactory()
    reporter = Reporter(pool_finding(free=9.5))
    analyze(commcell, DAY_1, storage=reporter)

    reporter.findings = [pool_finding(severity="critical", free=2.0)]
    run = analyze(commcell, DAY_2, storage=reporter)

    finding = Finding.objects.get()
    assert finding.first_seen_at == DAY_1
    assert finding.last_seen_at == DAY_2
    assert finding.severity == "critical"
    assert finding.severity_rank == 0
    assert finding.evidence == {"free_percent": 2.0}
    assert finding.title == "Pool07 has 2.0% free space."
    assert finding.last_run == run
    assert run.counts["storage"]["new"] == 0
    assert run.counts["storage"]["findings"] == 1


def test_unchanged_finding_gets_new_last_seen():
    commcell = CommCellFactory()
    reporter = Reporter(pool_finding())
    analyze(commcell, DAY_1, storage=reporter)

    run = analyze(commcell, DAY_2, storage=reporter)

    finding = Finding.objects.get()
    assert finding.first_seen_at == DAY_1
    assert finding.last_seen_at == DAY_2
    assert finding.last_run == run


def test_finding_no_longer_reported_is_resolved():
    commcell = CommCellFactory()
    reporter = Reporter(pool_finding(7), pool_finding(8))
    analyze(commcell, DAY_1, storage=reporter)

    reporter.findings = [pool_finding(8)]
    run = analyze(commcell, DAY_2, storage=reporter)

    resolved = Finding.objects.get(subject_id=7)
    assert resolved.resolved_at == DAY_2
    assert resolved.last_seen_at == DAY_1
    assert list(open_findings(commcell).values_list("subject_id", flat=True)) == [8]
    assert run.counts["storage"]["resolved"] == 1


def test_resolved_finding_that_returns_opens_new_row():
    commcell = CommCellFactory()
    reporter = Reporter(pool_finding())
    analyze(commcell, DAY_1, storage=reporter)
    reporter.findings = []
    analyze(commcell, DAY_2, storage=reporter)

    reporter.findings = [pool_finding()]
    run = analyze(commcell, DAY_3, storage=reporter)

    rows = list(Finding.objects.order_by("pk"))
    assert len(rows) == 2
    assert rows[0].resolved_at == DAY_2
    assert rows[1].resolved_at is None
    assert rows[1].first_seen_at == DAY_3
    assert run.counts["storage"]["new"] == 1


def test_ok_report_resolves_and_stores_nothing():
    commcell = CommCellFactory()
    reporter = Reporter(pool_finding())
    analyze(commcell, DAY_1, storage=reporter)

    reporter.findings = [pool_finding(severity="ok"), pool_finding(9, severity="ok")]
    analyze(commcell, DAY_2, storage=reporter)

    assert Finding.objects.count() == 1
    assert Finding.objects.get().resolved_at == DAY_2


def test_duplicate_report_keeps_most_severe():
    commcell = CommCellFactory()
    reporter = Reporter(
        pool_finding(severity="medium"),
        pool_finding(severity="critical"),
        pool_finding(severity="high"),
    )

    analyze(commcell, DAY_1, storage=reporter)

    assert Finding.objects.get().severity == "critical"


def test_commcell_subject_has_one_open_row():
    commcell = CommCellFactory()
    item = FindingData(
        code="commcell.no_collection",
        severity="medium",
        subject_type="commcell",
        subject_id=None,
        subject_name=commcell.name,
        title="No collection for 3 days.",
    )
    reporter = Reporter(item)

    analyze(commcell, DAY_1, general=reporter)
    analyze(commcell, DAY_2, general=reporter)

    finding = Finding.objects.get()
    assert finding.subject_id is None
    assert finding.first_seen_at == DAY_1
    assert finding.last_seen_at == DAY_2


def test_failing_analyzer_leaves_its_findings_open():
    commcell = CommCellFactory()
    storage = Reporter(pool_finding(7))
    other = Reporter(
        FindingData(
            code="pruning.ddb_paused",
            severity="medium",
            subject_type="ddb_store",
            subject_id=3,
            subject_name="DDB03",
            title="Pruning is paused.",
        )
    )
    analyze(commcell, DAY_1, storage=storage, pruning=other)

    storage.error = RuntimeError("pool table unreadable")
    other.findings = []
    run = analyze(commcell, DAY_2, storage=storage, pruning=other)

    pool = Finding.objects.get(code="storage.pool_low_space")
    assert pool.resolved_at is None
    assert pool.last_seen_at == DAY_1
    assert Finding.objects.get(code="pruning.ddb_paused").resolved_at == DAY_2
    assert run.status == AnalysisRun.Status.PARTIAL
    assert run.counts["storage"] == {
        "findings": 0,
        "new": 0,
        "resolved": 0,
        "errors": 1,
    }
    assert run.errors[0]["analyzer"] == "storage"
    assert "RuntimeError: pool table unreadable" in run.errors[0]["message"]


def test_analyzer_failing_midway_stores_nothing():
    commcell = CommCellFactory()

    def half_then_fail(commcell, now):
        yield pool_finding(7)
        raise ValueError("bad row")

    run = analyze(commcell, DAY_1, storage=half_then_fail)

    assert not Finding.objects.exists()
    assert run.status == AnalysisRun.Status.FAILED


@pytest.mark.parametrize(
    "bad, message",
    [
        ("not a finding", "not FindingData"),
        (pool_finding(severity="severe"), "severity 'severe'"),
        (
            FindingData("storage.x", "high", "volume", 1, "v1", "t"),
            "subject type 'volume'",
        ),
        (FindingData("nodots", "high", "pool", 1, "p", "t"), "code 'nodots'"),
        (FindingData("storage.x", "high", "pool", "1", "p", "t"), "subject id '1'"),
        (
            FindingData("storage.x", "high", "pool", 1, "p", "t", "", {"at": DAY_1}),
            "not JSON",
        ),
    ],
)
def test_invalid_report_is_an_analyzer_error(bad, message):
    commcell = CommCellFactory()
    analyze(commcell, DAY_1, storage=Reporter(pool_finding(8)))

    run = analyze(commcell, DAY_2, storage=Reporter(pool_finding(8), bad))

    assert run.status == AnalysisRun.Status.FAILED
    assert message in run.errors[0]["message"]
    assert Finding.objects.get().last_seen_at == DAY_1


def test_analyzer_returning_none_is_an_error():
    run = analyze(CommCellFactory(), DAY_1, storage=lambda commcell, now: None)

    assert run.status == AnalysisRun.Status.FAILED
    assert "returned None" in run.errors[0]["message"]


def test_same_finding_from_two_analyzers_is_rejected():
    commcell = CommCellFactory()

    run = analyze(
        commcell, DAY_1, first=Reporter(pool_finding()), second=Reporter(pool_finding())
    )

    assert run.status == AnalysisRun.Status.PARTIAL
    assert run.errors[0]["analyzer"] == "second"
    assert "already reported" in run.errors[0]["message"]
    assert Finding.objects.get().analyzer == "first"


def test_findings_of_other_commcell_untouched():
    east = CommCellFactory()
    west = CommCellFactory()
    analyze(east, DAY_1, storage=Reporter(pool_finding()))

    analyze(west, DAY_2, storage=Reporter())

    assert open_findings(east).count() == 1


def test_store_runs_constant_queries(django_assert_max_num_queries):
    commcell = CommCellFactory()
    reporter = Reporter(*[pool_finding(pool_id) for pool_id in range(1, 301)])
    analyze(commcell, DAY_1, storage=reporter)
    # 100 unchanged, 100 changed, 100 resolved, 100 new.
    reporter.findings = [pool_finding(pool_id) for pool_id in range(1, 101)] + [
        pool_finding(pool_id, severity="medium") for pool_id in range(101, 201)
    ]
    reporter.findings += [pool_finding(pool_id) for pool_id in range(301, 401)]

    with django_assert_max_num_queries(20):
        run = analyze(commcell, DAY_2, storage=reporter)

    assert run.counts["storage"] == {
        "findings": 300,
        "new": 100,
        "resolved": 100,
        "errors": 0,
    }
    assert open_findings(commcell).count() == 300
    assert open_findings(commcell).filter(severity="medium").count() == 100
    assert open_findings(commcell).filter(last_seen_at=DAY_2).count() == 300


def test_active_run_blocks_another():
    commcell = CommCellFactory(name="cs-lock")
    active = AnalysisRunFactory(
        commcell=commcell, status=AnalysisRun.Status.RUNNING, finished_at=None
    )

    with pytest.raises(analysis.AnalysisAlreadyRunning) as caught:
        analyze(commcell, DAY_1, storage=Reporter(pool_finding()))

    assert f"run {active.pk}" in str(caught.value)
    assert "cs-lock" in str(caught.value)
    assert caught.value.active_run == active
    assert not Finding.objects.exists()
    assert AnalysisRun.objects.count() == 1


def test_queued_run_blocks_queueing_another():
    commcell = CommCellFactory()
    analysis.queue_run(commcell, trigger="manual")

    with pytest.raises(analysis.AnalysisAlreadyRunning):
        analysis.queue_run(commcell, trigger="manual")


def test_lock_is_per_commcell():
    busy = CommCellFactory()
    AnalysisRunFactory(commcell=busy, status=AnalysisRun.Status.RUNNING)

    run = analyze(CommCellFactory(), DAY_1, storage=Reporter())

    assert run.status == AnalysisRun.Status.SUCCEEDED


def test_stale_active_run_is_failed_and_unblocks(settings):
    commcell = CommCellFactory()
    stale = AnalysisRunFactory(commcell=commcell, status=AnalysisRun.Status.RUNNING)
    AnalysisRun.objects.filter(pk=stale.pk).update(
        created_at=datetime.now(UTC)
        - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    )

    run = analyze(commcell, DAY_1, storage=Reporter())

    stale.refresh_from_db()
    assert stale.status == AnalysisRun.Status.FAILED
    assert "CELERY_TASK_TIME_LIMIT" in stale.errors[0]["message"]
    assert run.status == AnalysisRun.Status.SUCCEEDED


def test_queued_run_is_carried_out():
    commcell = CommCellFactory()
    queued = analysis.queue_run(commcell, trigger="manual")

    run = analysis.run_analysis(
        commcell, run=queued, now=DAY_4, analyzers={"storage": Reporter()}
    )

    assert run.pk == queued.pk
    assert run.status == AnalysisRun.Status.SUCCEEDED
    assert run.analyzed_at == DAY_4
    assert run.started_at is not None
    assert run.duration_seconds is not None


def test_run_no_longer_queued_is_not_started():
    commcell = CommCellFactory()
    finished = AnalysisRunFactory(commcell=commcell)

    with pytest.raises(analysis.AnalysisRunNotQueued):
        analysis.run_analysis(commcell, run=finished, analyzers={})


def test_no_analyzers_succeeds_empty():
    run = analyze(CommCellFactory(), DAY_1)

    assert run.status == AnalysisRun.Status.SUCCEEDED
    assert run.counts == {}


def test_retired_analyzer_findings_resolved(monkeypatch):
    commcell = CommCellFactory()
    reporter = Reporter(pool_finding())
    analyze(commcell, DAY_1, storage=reporter, retired=Reporter(pool_finding(8)))
    monkeypatch.setattr(findings, "_ANALYZERS", {"storage": reporter})

    run = analysis.run_analysis(commcell, now=DAY_2)

    assert list(open_findings(commcell).values_list("analyzer", flat=True)) == [
        "storage"
    ]
    retired = Finding.objects.get(commcell=commcell, analyzer="retired")
    assert retired.resolved_at == DAY_2
    assert run.counts[analysis.RETIRED_ANALYZERS]["resolved"] == 1
    assert run.status == AnalysisRun.Status.SUCCEEDED


def test_selected_analyzers_leave_others_open():
    commcell = CommCellFactory()
    analyze(commcell, DAY_1, storage=Reporter(pool_finding()))

    run = analyze(commcell, DAY_2, other=Reporter())

    assert open_findings(commcell).count() == 1
    assert analysis.RETIRED_ANALYZERS not in run.counts
