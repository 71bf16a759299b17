"""A producer and a worker pool ride out a broker that is killed and started again."""

from __future__ import annotations

import json
import os
import pathlib
import re
import socket
import subprocess
import sys

from conftest import REPO, read_output
from processes import line_count, stop_gracefully, wait_for

HANDLERS = pathlib.Path(__file__).resolve().parent / "handlers"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_broker(ferry_bin, tmp_path: pathlib.Path, env: dict) -> subprocess.Popen:
    broker = subprocess.Popen([str(ferry_bin), "broker", "p.yaml"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = broker.stdout.readline()  # printed once both sockets are bound
    assert re.match(r"ferry broker: producers=\S+ workers=\S+", line), line
    return broker


def test_without_a_journal_the_producer_resubmits_what_a_restarted_broker_lost(
        ferry_bin, tmp_path: pathlib.Path) -> None:
    producers, workers = free_port(), free_port()
    (tmp_path / "p.yaml").write_text(f"""
broker: {{producers_endpoint: "tcp://127.0.0.1:{producers}", workers_endpoint: "tcp://127.0.0.1:{workers}", heartbeat_ms: 200}}
job_types: {{test.sleep: {{batch: {{max_size: 8, max_delay_ms: 2}}}}}}
input: {{type: test.sleep}}
producer: {{window: 500}}
""")
    with (tmp_path / "jobs.jsonl").open("w") as out:
        for i in range(1500):
            out.write(json.dumps({"id": f"r{i}", "payload": {"ms": 2}}) + "\n")
    env = dict(os.environ, PYTHONPATH=str(REPO / "py_workers"))
    procs: list[subprocess.Popen] = []
    try:
        procs.append(start_broker(ferry_bin, tmp_path, env))
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "ferry_worker", "--broker", f"tcp://127.0.0.1:{workers}",
             "--handlers", str(HANDLERS / "slow.py"), "--processes", "2", "--heartbeat-ms", "200",
             "--log-level", "WARNING"], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL))
        submit = subprocess.Popen(
            [str(ferry_bin), "submit", "p.yaml", "--broker", f"tcp://127.0.0.1:{producers}",
             "--input", "jobs.jsonl", "--output", "out.jsonl", "--json"], cwd=tmp_path, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(submit)
        wait_for(lambda: line_count(tmp_path / "out.jsonl") >= 200, 60, "200 outcomes")
        procs[0].kill()
        procs[0].wait(timeout=10)
        procs[0] = start_broker(ferry_bin, tmp_path, env)
        stdout, stderr = submit.communicate(timeout=120)
        assert submit.returncode == 0, stderr
        assert "resubmitting" in stderr
        records = read_output(tmp_path / "out.jsonl")
        assert sorted(r["id"] for r in records) == sorted(f"r{i}" for i in range(1500))
        assert [r["id"] for r in records] == [f"r{i}" for i in range(1500)]
        assert all(r["status"] == "ok" for r in records)
    finally:
        stop_gracefully(list(reversed(procs)))
