"""Shared fixtures: users and logged-in test clients for each role."""

import os

import pytest
import redis
from django.test import Client

from tests.factories import UserFactory

# pytest-playwright runs its own event loop; the live server's ORM calls are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The running CommServe simulator fixtures (`commserve_sim`, `sim_faults`).
pytest_plugins = ["tests.simulator"]

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session", autouse=True)
def _delete_test_queue():
    """Delete the broker keys of this run's default queue when the session ends."""
    yield

    from django.conf import settings

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        keys = list(broker.scan_iter(match=f"*{queue}*"))
        if keys:
            broker.delete(*keys)
    finally:
        broker.close()


@pytest.fixture
def viewer_user(db):
    return UserFactory(username="viewer", role="viewer")


@pytest.fixture
def admin_role_user(db):
    return UserFactory(username="boss", role="admin")


@pytest.fixture
def no_role_user(db):
    return UserFactory(username="nobody")


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewer_client(viewer_user) -> Client:
    return _logged_in(viewer_user)


@pytest.fixture
def admin_role_client(admin_role_user) -> Client:
    return _logged_in(admin_role_user)


@pytest.fixture
def no_role_client(no_role_user) -> Client:
    return _logged_in(no_role_user)
