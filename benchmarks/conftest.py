"""Fixtures of the test suite for the benchmarks that run under pytest."""

from tests.conftest import *  # noqa: F403
from tests.simulator import *  # noqa: F403
