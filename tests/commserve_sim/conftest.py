"""Helpers for the simulator's own tests: an authenticated HTTP client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

pytestmark = pytest.mark.simulator

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "commvault_api"


def load_sample(name: str) -> Any:
    return orjson.loads((SAMPLES / name).read_bytes())


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Return the dotted key paths in a JSON value; list items merge under `[]`."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            paths |= key_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, f"{prefix}[]")
    return paths


def api_client(simulator: Any, token: str | None = None) -> httpx.Client:
    """Return an httpx client for the simulator's API base with Accept and Authtoken."""
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authtoken"] = token
    return httpx.Client(base_url=simulator.base_url + "/", headers=headers, timeout=30)


@pytest.fixture
def sim_api(commserve_sim) -> Iterator[httpx.Client]:
    with api_client(commserve_sim, commserve_sim.login()) as client:
        yield client
