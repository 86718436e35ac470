"""Benchmark: server time of /dashboard/retention next to a trivial logged-in page.

Run it after benchmarks/collect_large.py, against the database that script filled:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cvanalytics_bench \
        .venv/bin/python benchmarks/dashboard_retention.py --requests 200

Requests go through Django's test client in this process, so the figures are server
time (URL routing, middleware, queries, template rendering) without network or a WSGI
server. Requests per second is the sequential rate on one core: 1 / mean time.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cvanalytics.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
os.environ.setdefault(
    "CVANALYTICS_ENCRYPTION_KEYS", "YmVuY2htYXJrLW9ubHkta2V5LTAxMjM0NTY3ODkwMTI="
)
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
os.environ.setdefault("CVANALYTICS_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.test import Client  # noqa: E402

from apps.retention.models import RetentionRule  # noqa: E402


def measure(client: Client, url: str, count: int) -> dict:
    for _ in range(5):
        client.get(url)

    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url} returned HTTP {response.status_code}")

    samples.sort()
    return {
        "url": url,
        "requests": count,
        "median_ms": round(1000 * statistics.median(samples), 2),
        "p95_ms": round(1000 * samples[int(0.95 * (count - 1))], 2),
        "requests_per_second": round(count / sum(samples), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    options = parser.parse_args()

    user, _ = get_user_model().objects.get_or_create(username="bench-viewer")
    user.groups.add(Group.objects.get(name="viewer"))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)

    htmx_headers = {"HTTP_HX_REQUEST": "true"}
    results = {
        "retention_rules": RetentionRule.objects.count(),
        "trivial_page": measure(client, "/account/", options.requests),
        "dashboard": measure(client, "/dashboard/retention", options.requests),
        "dashboard_filtered": measure(
            client, "/dashboard/retention?severity=high", options.requests
        ),
    }
    started = time.perf_counter()
    response = client.get("/dashboard/retention?severity=critical", **htmx_headers)
    results["htmx_partial_ms"] = round(1000 * (time.perf_counter() - started), 2)
    results["htmx_partial_status"] = response.status_code
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
