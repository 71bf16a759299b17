"""A `ferry submit` killed at any moment resumes against a running broker with every id once.

The broker keeps each outcome until the producer acknowledges that it wrote it, so outcomes
that were on their way to a killed producer come back to the resumed run when it submits those
ids again. A client name belongs to one live producer at a time.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys

import pytest

from conftest import REPO, read_output
from processes import line_count, stop_gracefully, wait_for

HANDLERS = pathlib.Path(__file__).resolve().parent / "handlers" / "slow.py"
JOBS = 1000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Service:
    """`ferry broker` on fixed loopback ports (so a restart keeps them) and one worker pool."""

    def __init__(self, ferry_bin: pathlib.Path, tmp: pathlib.Path, extra: str = "") -> None:
        self.ferry_bin, self.dir = ferry_bin, tmp
        self.producers = f"tcp://127.0.0.1:{free_port()}"
        self.workers = f"tcp://127.0.0.1:{free_port()}"
        self.env = dict(os.environ, PYTHONPATH=str(REPO / "py_workers"))
        self.broker: subprocess.Popen | None = None
        self.procs: list[subprocess.Popen] = []
        self.config = tmp / "p.yaml"
        self.config.write_text(f"""
broker:
  producers_endpoint: {self.producers}
  workers_endpoint: {self.workers}
  heartbeat_ms: 200
{extra}
job_types: {{test.sleep: {{batch: {{max_size: 8, max_delay_ms: 2}}}}}}
input: {{type: test.sleep}}
""")

    def start_broker(self) -> None:
        self.broker = subprocess.Popen([str(self.ferry_bin), "broker", str(self.config)],
                                       cwd=self.dir, env=self.env, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, text=True)
        self.procs.append(self.broker)
        line = self.broker.stdout.readline()  # printed once both sockets are bound
        assert line.startswith("ferry broker: producers="), line

    def start_pool(self) -> None:
        self.procs.append(subprocess.Popen(
            [sys.executable, "-m", "ferry_worker", "--broker", self.workers, "--handlers",
             str(HANDLERS), "--processes", "2", "--heartbeat-ms", "200", "--log-level", "WARNING"],
            cwd=self.dir, env=self.env, stdin=subprocess.DEVNULL))

    def submit(self, *args: str, wait: bool = True, output: str = "out.jsonl"):
        command = [str(self.ferry_bin), "submit", str(self.config), "--broker", self.producers,
                   "--input", "jobs.jsonl", "--output", output, *args]
        if not wait:
            proc = subprocess.Popen(command, cwd=self.dir, env=self.env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True)
            self.procs.append(proc)
            return proc
        return subprocess.run(command, cwd=self.dir, env=self.env, capture_output=True, text=True,
                              timeout=180)

    def status(self) -> dict:
        done = subprocess.run([str(self.ferry_bin), "status", "--broker", self.producers,
                               "--json"], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def stop(self) -> None:
        stop_gracefully(list(reversed(self.procs)))


@pytest.fixture
def service(ferry_bin, tmp_path: pathlib.Path):
    started: list[Service] = []

    def make(extra: str = "") -> Service:
        svc = Service(ferry_bin, tmp_path, extra)
        started.append(svc)
        return svc

    yield make
    for svc in started:
        svc.stop()


def write_slow_jobs(path: pathlib.Path, count: int = JOBS, ms: int = 5) -> list[str]:
    ids = [f"r{i:04d}" for i in range(count)]
    with path.open("w") as out:
        for job_id in ids:
            out.write(json.dumps({"id": job_id, "payload": {"ms": ms}}) + "\n")
    return ids


def kill_when_written(proc: subprocess.Popen, output: pathlib.Path, lines: int) -> None:
    wait_for(lambda: line_count(output) >= lines or proc.poll() is not None, 120,
             f"{lines} records in {output.name}")
    assert proc.poll() is None, f"the submit ended before it could be killed: {proc.stderr.read()}"
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def assert_each_id_once(output: pathlib.Path, ids: list[str]) -> None:
    records = read_output(output)
    written = [r["id"] for r in records]
    assert sorted(written) == sorted(ids), (
        f"{len(written)} records for {len(ids)} ids; "
        f"{len(written) - len(set(written))} duplicates, {len(set(ids) - set(written))} missing")
    assert all(r["status"] == "ok" for r in records)


@pytest.mark.parametrize("order,window", [("input", 2000), ("completion", 2000), ("input", 64),
                                          ("completion", 64)])
def test_a_submit_killed_mid_run_resumes_with_every_id_exactly_once(
        service, tmp_path: pathlib.Path, order: str, window: int) -> None:
    svc = service()
    svc.config.write_text(svc.config.read_text() +
                          f"output: {{order: {order}}}\nproducer: {{window: {window}}}\n")
    svc.start_broker()
    svc.start_pool()
    ids = write_slow_jobs(tmp_path / "jobs.jsonl")
    kill_when_written(svc.submit(wait=False), tmp_path / "out.jsonl", JOBS * 2 // 5)
    resumed = svc.submit("--resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert_each_id_once(tmp_path / "out.jsonl", ids)
    assert not (tmp_path / "out.jsonl.ferry-client").exists()
    status = svc.status()
    assert status["outcomes_kept"] == 0  # every outcome acknowledged, or dropped at the finish
    assert status["accepted"] == JOBS    # nothing ran twice


def test_a_submit_and_the_journaled_broker_both_killed_resume_with_every_id_once(
        service, tmp_path: pathlib.Path) -> None:
    svc = service("  journal: {path: journal, fsync: interval_ms, interval_ms: 10}")
    svc.start_broker()
    svc.start_pool()
    ids = write_slow_jobs(tmp_path / "jobs.jsonl")
    kill_when_written(svc.submit(wait=False), tmp_path / "out.jsonl", JOBS * 2 // 5)
    wait_for(lambda: svc.status()["outcomes_kept"] > 0, 60, "outcomes kept for the dead producer")
    svc.broker.send_signal(signal.SIGKILL)
    svc.broker.wait()
    svc.start_broker()
    resumed = svc.submit("--resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert_each_id_once(tmp_path / "out.jsonl", ids)
    assert svc.status()["outcomes_kept"] == 0


def test_a_second_live_producer_with_the_same_client_name_is_refused_and_steals_nothing(
        service, tmp_path: pathlib.Path) -> None:
    svc = service()
    svc.config.write_text(svc.config.read_text() + "producer: {client: shared-name}\n")
    svc.start_broker()
    svc.start_pool()
    ids = write_slow_jobs(tmp_path / "jobs.jsonl", 600, ms=20)  # about 6 s of work
    first = svc.submit(wait=False)
    wait_for(lambda: line_count(tmp_path / "out.jsonl") >= 50, 60, "the first run to make progress")
    second = svc.submit(output="other.jsonl")
    assert second.returncode == 2, second.stderr
    assert "shared-name" in second.stderr and "in use" in second.stderr
    assert first.wait(timeout=120) == 0, first.stderr.read()
    assert_each_id_once(tmp_path / "out.jsonl", ids)
    assert line_count(tmp_path / "other.jsonl") == 0


def test_a_second_broker_on_the_same_journal_directory_exits_2_naming_it_and_its_owner(
        service, tmp_path: pathlib.Path) -> None:
    first = service("  journal: {path: journal}")
    first.start_broker()
    (tmp_path / "again").mkdir()
    second = Service(first.ferry_bin, tmp_path / "again", "  journal: {path: ../journal}")
    refused = subprocess.run([str(second.ferry_bin), "broker", str(second.config)],
                             cwd=second.dir, env=second.env, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 2, refused.stderr
    assert "journal" in refused.stderr and str(first.broker.pid) in refused.stderr
    assert first.broker.poll() is None  # the owner is untouched
