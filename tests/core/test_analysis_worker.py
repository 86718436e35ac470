"""The analysis task run by a real Celery worker process on the Redis broker."""

import pytest

from apps.core import tasks
from apps.core.models import AnalysisRun, Finding
from apps.retention.analyzers import ANALYZER_NAME
from tests.commcell.test_tasks import WAIT_SECONDS, worker_queue  # noqa: F401
from tests.factories import CommCellFactory
from tests.retention.conftest import make_rule

pytestmark = pytest.mark.django_db(transaction=True)


# django_db_setup comes first so the worker gets the test database's name.
def test_worker_runs_analysis(django_db_setup, worker_queue):  # noqa: F811
    commcell = CommCellFactory(name="cs-worker")
    make_rule(commcell, days=30, cycles=2, aging=False)

    result = tasks.analyze_commcell.apply_async(
        args=[commcell.pk, "nightly"], queue=worker_queue
    )

    assert result.get(timeout=WAIT_SECONDS) == AnalysisRun.Status.SUCCEEDED
    run = AnalysisRun.objects.get(commcell=commcell)
    assert run.trigger == AnalysisRun.Trigger.NIGHTLY
    finding = Finding.objects.get(commcell=commcell, analyzer=ANALYZER_NAME)
    assert finding.code == "retention.aging_disabled"
    assert finding.last_run == run
