"""Settings for the test suite: PostgreSQL and Redis on loopback unless overridden."""

import os

# A developer's .env may turn DEBUG on; tests run as production does.
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault(
    "CVANALYTICS_ENCRYPTION_KEYS", "dGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY="
)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cvanalytics")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("CELERY_RESULT_BACKEND", "redis://127.0.0.1:6379/15")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
# Tasks that tests queue without a worker (an analysis after a committed collection)
# go to a queue of this test run, which the session deletes at its end. Worker
# processes started by tests inherit the name through the environment.
os.environ.setdefault(
    "CVANALYTICS_TEST_QUEUE", f"cvanalytics-test-default-{os.getpid()}"
)

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_DEFAULT_QUEUE = os.environ["CVANALYTICS_TEST_QUEUE"]
