"""Fixtures that run the CommServe simulator as a real HTTP server on loopback.

`commserve_sim` (session) runs `python -m commserve_sim --preset small --seed 7
--port 0 --freeze-clock`. The frozen clock keeps "now" at the start time for the whole
session, so job counts do not drift while tests run; `advance_clock` moves it.
`sim_faults` yields the same simulator and clears its faults afterwards.
`start_simulator(...)` starts another, independent simulator (for example with
`--tls-self-signed`); the `simulator_factory` fixture stops those at test end.
"""

from __future__ import annotations

import base64
import os
import selectors
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

READY_PREFIX = "commserve_sim listening on "
START_TIMEOUT_SECONDS = 30
REPOSITORY = Path(__file__).resolve().parent.parent


class RunningSimulator:
    """A simulator subprocess and typed access to its control API."""

    def __init__(
        self,
        process: subprocess.Popen,
        base_url: str,
        username: str,
        password: str,
        certificate: Path | None,
        stderr_path: Path,
    ) -> None:
        self.process = process
        self.base_url = base_url
        self.control_url = base_url.removesuffix("/webconsole/api") + "/__sim__"
        self.username = username
        self.password = password
        self.certificate = certificate
        self.stderr_path = stderr_path
        verify: Any = True
        if certificate is not None:
            verify = ssl.create_default_context(cafile=str(certificate))
        self.http = httpx.Client(timeout=30, verify=verify)
        self.summary = self.fetch_summary()

    # Expected counts of the generated environment, as the simulator reports them.
    @property
    def clients(self) -> int:
        return self.summary["clients"]

    @property
    def plans(self) -> int:
        return self.summary["plans"]

    @property
    def policies(self) -> int:
        return self.summary["storage_policies"]

    @property
    def copies(self) -> int:
        return self.summary["copies"]

    @property
    def pools(self) -> int:
        return self.summary["storage_pools"]

    @property
    def media_agents(self) -> int:
        return self.summary["media_agents"]

    @property
    def ddb_stores(self) -> int:
        return self.summary["ddb_stores"]

    def fetch_summary(self, **job_query: str | int) -> dict[str, Any]:
        params = {key: str(value) for key, value in job_query.items()}
        response = self.http.get(f"{self.control_url}/summary", params=params)
        response.raise_for_status()
        return response.json()

    def expected_jobs(
        self,
        lookback_seconds: int = 31536000,
        job_filter: str = "Backup",
        category: str = "All",
    ) -> int:
        """Return the totalRecordsWithoutPaging that GET /Job returns for this query."""
        summary = self.fetch_summary(
            completedJobLookupTime=lookback_seconds,
            jobFilter=job_filter,
            jobCategory=category,
        )
        return summary["jobs"]

    def set_fault(self, name: str, **params: Any) -> dict[str, Any]:
        response = self.http.post(
            f"{self.control_url}/faults", json={"fault": name, **params}
        )
        response.raise_for_status()
        return response.json()

    def clear_faults(self) -> None:
        self.http.delete(f"{self.control_url}/faults").raise_for_status()

    def stats(self) -> dict[str, Any]:
        response = self.http.get(f"{self.control_url}/stats")
        response.raise_for_status()
        return response.json()

    def reset_stats(self) -> None:
        self.http.delete(f"{self.control_url}/stats").raise_for_status()

    def advance_clock(self, seconds: float) -> int:
        response = self.http.post(
            f"{self.control_url}/clock", json={"advance_seconds": seconds}
        )
        response.raise_for_status()
        return response.json()["now"]

    def login(self, device_id: str = "cvanalytics-test") -> str:
        """Log in with the simulator's credentials and return the QSDK token."""
        encoded = base64.b64encode(self.password.encode()).decode()
        response = self.http.post(
            f"{self.base_url}/Login",
            json={
                "username": self.username,
                "password": encoded,
                "deviceId": device_id,
            },
            headers={"Accept": "application/json"},
        )
        response.raise_for_status()
        body = response.json()
        if "token" not in body:
            raise RuntimeError(f"Login to the simulator failed: {body.get('errList')}")
        return body["token"]

    def stop(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _read_ready_line(process: subprocess.Popen, stderr_path: Path) -> str:
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    try:
        while time.monotonic() < deadline:
            if selector.select(timeout=0.1):
                line = process.stdout.readline()
                if line.startswith(READY_PREFIX):
                    return line[len(READY_PREFIX) :].strip()
            if process.poll() is not None:
                break
    finally:
        selector.close()

    process.kill()
    process.wait()
    raise RuntimeError(
        f"commserve_sim did not start (exit code {process.returncode}): "
        f"{stderr_path.read_text(errors='replace')[-2000:]}"
    )


def start_simulator(
    *args: str,
    username: str = "cvadmin",
    password: str = "simulator",
) -> RunningSimulator:
    """Start `python -m commserve_sim --port 0 <args>` and wait for its ready line."""
    workdir = Path(tempfile.mkdtemp(prefix="commserve_sim_test_"))
    stderr_path = workdir / "stderr.log"
    command = [sys.executable, "-m", "commserve_sim", "--port", "0", *args]
    command += ["--username", username, "--password", password]
    certificate = None
    if "--tls-self-signed" in args:
        command += ["--tls-dir", str(workdir / "tls")]
        certificate = workdir / "tls" / "cert.pem"

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(REPOSITORY), env.get("PYTHONPATH", "")) if part
    )
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            cwd=REPOSITORY,
            env=env,
        )
    base_url = _read_ready_line(process, stderr_path)
    return RunningSimulator(
        process, base_url, username, password, certificate, stderr_path
    )


@pytest.fixture(scope="session")
def commserve_sim() -> Iterator[RunningSimulator]:
    simulator = start_simulator("--preset", "small", "--seed", "7", "--freeze-clock")
    yield simulator
    simulator.stop()


@pytest.fixture
def sim_faults(commserve_sim: RunningSimulator) -> Iterator[RunningSimulator]:
    commserve_sim.clear_faults()
    yield commserve_sim
    commserve_sim.clear_faults()


@pytest.fixture
def simulator_factory() -> Iterator:
    """Return start_simulator; every simulator it started is stopped at test end."""
    started: list[RunningSimulator] = []

    def start(*args: str, **kwargs: str) -> RunningSimulator:
        simulator = start_simulator(*args, **kwargs)
        started.append(simulator)
        return simulator

    yield start
    for simulator in started:
        simulator.stop()
