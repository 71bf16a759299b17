"""Fixtures for end-to-end tests: the built `ferry` binary and pipeline files in a temp dir."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
from typing import Callable

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def ferry_bin() -> pathlib.Path:
    build = pathlib.Path(os.environ.get("FERRY_BUILD_DIR", REPO / "build"))
    binary = build / "ferry"
    if not binary.exists():
        pytest.fail(f"{binary} is missing: build first (cmake --preset dev && cmake --build --preset dev)")
    return binary


def write_jobs(path: pathlib.Path, count: int) -> list[str]:
    ids = [f"job-{i:05d}" for i in range(count)]
    with path.open("w") as out:
        for i, job_id in enumerate(ids):
            out.write(json.dumps({"id": job_id, "payload": {"n": i, "text": f"t{i}"}}) + "\n")
    return ids


def pipeline_yaml(handlers: str, job_type: str, extra: str = "") -> str:
    return f"""
broker:
  producers_endpoint: tcp://127.0.0.1:0
  workers_endpoint: tcp://127.0.0.1:0
  heartbeat_ms: 200
job_types:
  default: {{max_attempts: 2, backoff: {{initial_ms: 10, max_ms: 50}}}}
  {job_type}: {{batch: {{max_size: 32, max_delay_ms: 2}}}}
input: {{type: {job_type}}}
producer: {{window: 2000, progress_interval_s: 1}}
workers:
  - handlers: {handlers}
    processes: 2
    heartbeat_ms: 200
{extra}"""


@pytest.fixture
def run_ferry(ferry_bin: pathlib.Path, tmp_path: pathlib.Path) -> Callable[..., subprocess.CompletedProcess]:
    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        env = dict(os.environ, PYTHONPATH=str(REPO / "py_workers"))
        return subprocess.run([str(ferry_bin), *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return run


def read_output(path: pathlib.Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]
