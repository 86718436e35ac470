"""Time the tool pages on a simulator collection: per-request computation vs stored rows.

It runs under pytest, for the simulator and database fixtures of the test suite, but
lives here because it measures and checks nothing else:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cv_bench .venv/bin/python -m \\
        pytest -q -s -p no:cacheprovider benchmarks/tool_pages.py

"Per request" runs the computation the pages ran before the results were stored,
for the rows of the first page, once before the first analysis (no stored cadence)
and once after it. "Stored" is the page request through Django's test client. All
are medians of REQUESTS runs after one warm-up. The collection keeps the
simulator's default job history (``initial_job_days`` unset).
"""

import statistics
import time
from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.commcell.models import Job
from apps.core.analysis import run_analysis
from apps.retention.tools.dedup import analyze_pool
from apps.retention.tools.optimizer import review_rule, rules_to_review
from apps.retention.tools.reclamation import forecast_pool, pools_to_forecast
from apps.retention.tools.schedules import analyze_schedules
from tests.commcell.test_collector import collect, sim_commcell

pytestmark = [pytest.mark.django_db]

REQUESTS = 5


def median_seconds(action: Callable[[], object]) -> float:
    action()
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_page_timing(commserve_sim, viewer_client):
    commcell = sim_commcell(commserve_sim)
    assert collect(commcell).status == "succeeded"
    cc = commcell.pk
    now = timezone.now()

    per_request = {
        "optimizer": lambda: [
            review_rule(rule, now) for rule in rules_to_review(cc)[:20]
        ],
        "reclamation": lambda: [
            forecast_pool(pool, now) for pool in pools_to_forecast(cc)[:10]
        ],
        "dedup": lambda: [analyze_pool(pool, now) for pool in pools_to_forecast(cc)],
        "schedules": lambda: analyze_schedules(now, cc),
    }
    first = {name: median_seconds(compute) for name, compute in per_request.items()}
    started = time.perf_counter()
    run_analysis(commcell)
    analysis = time.perf_counter() - started
    jobs = Job.objects.filter(commcell=commcell).count()
    print(f"\n{jobs} jobs; whole analysis run {analysis:.2f} s")
    for name, compute in per_request.items():
        url = reverse(f"analyzers:{name}")
        before = median_seconds(compute)
        after = median_seconds(lambda url=url: viewer_client.get(url, {"commcell": cc}))
        print(
            f"{name}: per request {first[name] * 1000:.0f} ms without stored cadence, "
            f"{before * 1000:.0f} ms with it; stored {after * 1000:.1f} ms"
        )
