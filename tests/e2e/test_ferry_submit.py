"""`ferry submit` and `ferry status` against a separate `ferry broker` and worker pool."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

from conftest import REPO, read_output, write_jobs
from processes import stop_gracefully, wait_for

CONFIG = """
broker: {producers_endpoint: "tcp://127.0.0.1:0", workers_endpoint: "tcp://127.0.0.1:0", heartbeat_ms: 200}
job_types: {echo.batch: {batch: {max_size: 64, max_delay_ms: 2}}}
input: {type: echo.batch}
producer: {window: 20000}
"""


@pytest.fixture
def broker_and_pool(ferry_bin, tmp_path: pathlib.Path):
    (tmp_path / "p.yaml").write_text(CONFIG)
    env = dict(os.environ, PYTHONPATH=str(REPO / "py_workers"))
    broker = subprocess.Popen([str(ferry_bin), "broker", "p.yaml"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    pool = None
    try:
        line = broker.stdout.readline()  # printed once both sockets are bound
        match = re.match(r"ferry broker: producers=(\S+) workers=(\S+)", line)
        assert match, f"unexpected first line from ferry broker: {line!r}"
        producers, workers = match.groups()
        pool = subprocess.Popen([sys.executable, "-m", "ferry_worker", "--broker", workers,
                                 "--handlers", "ferry_worker.examples.echo", "--processes", "2",
                                 "--heartbeat-ms", "200", "--log-level", "WARNING"],
                                cwd=tmp_path, env=env, stdin=subprocess.DEVNULL)
        yield producers, env
    finally:
        stop_gracefully([pool, broker])


def test_fifty_thousand_jobs_come_back_exactly_once_through_a_separate_broker(
        ferry_bin, broker_and_pool, tmp_path: pathlib.Path) -> None:
    producers, env = broker_and_pool
    ids = write_jobs(tmp_path / "jobs.jsonl", 50_000)
    done = subprocess.run([str(ferry_bin), "submit", "p.yaml", "--broker", producers, "--input",
                           "jobs.jsonl", "--output", "out.jsonl", "--json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    records = read_output(tmp_path / "out.jsonl")
    assert [r["id"] for r in records] == ids
    assert all(r["status"] == "ok" for r in records)
    summary = json.loads(done.stdout)
    assert summary["jobs"] == 50_000 and summary["duplicates_dropped"] == 0


def test_status_reports_the_pool_and_counts_after_a_submit(
        ferry_bin, broker_and_pool, tmp_path: pathlib.Path) -> None:
    producers, env = broker_and_pool
    write_jobs(tmp_path / "jobs.jsonl", 500)
    done = subprocess.run([str(ferry_bin), "submit", "p.yaml", "--broker", producers, "--input",
                           "jobs.jsonl", "--output", "out.jsonl"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

    def report() -> dict:
        status = subprocess.run([str(ferry_bin), "status", "--broker", producers, "--json"],
                                capture_output=True, text=True, timeout=30)
        assert status.returncode == 0, status.stderr
        return json.loads(status.stdout)

    wait_for(lambda: len(report()["workers"]) == 2, 30, "both worker processes to register")
    final = report()
    assert final["done"] == 500
    assert {w["pid"] for w in final["workers"]} and all("host" in w for w in final["workers"])


def test_a_second_run_of_the_same_input_at_the_same_broker_runs_again(
        ferry_bin, broker_and_pool, tmp_path: pathlib.Path) -> None:
    producers, env = broker_and_pool
    ids = write_jobs(tmp_path / "jobs.jsonl", 300)
    for _ in range(2):  # the broker remembers the first run's ids; the second run is a new client
        done = subprocess.run([str(ferry_bin), "submit", "p.yaml", "--broker", producers, "--input",
                               "jobs.jsonl", "--output", "out.jsonl"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert [r["id"] for r in read_output(tmp_path / "out.jsonl")] == ids
        assert not (tmp_path / "out.jsonl.ferry-client").exists()  # a finished run leaves no state
