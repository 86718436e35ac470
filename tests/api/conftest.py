"""Fixtures for the API tests: anonymous and token-authenticated callers."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token


@pytest.fixture
def anonymous_client() -> Client:
    return Client()


@pytest.fixture
def viewer_token(viewer_user) -> str:
    return Token.objects.create(user=viewer_user).key


@pytest.fixture
def admin_token(admin_role_user) -> str:
    return Token.objects.create(user=admin_role_user).key
