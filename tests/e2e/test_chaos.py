"""Chaos: 20,000 jobs through a journaled broker while workers, the broker and the producer die.

A random worker process (a child of a pool supervisor) is killed every second, the broker is
killed and restarted on the same config twice, and `ferry submit` itself is killed once and
resumed with --resume. Workers and the producer reconnect by themselves; the output must hold
every id exactly once, all succeeded. The only time limit is on progress: the run fails if no
outcome is written for NO_PROGRESS_S, however slow the machine is.

The scenario runs twice: with Python pools (`python3 -m ferry_worker`, handlers sleeping 3 ms a
job) and with native pools (`ferry worker`, the digits model on uint8 typed arrays), whose killed
processes are the children of the `ferry worker` supervisor. The native run is a few seconds
long, so there a worker process is killed every quarter second instead.
"""

from __future__ import annotations

import json
import os
import pathlib
import random
import signal
import socket
import subprocess
import time

import pytest

from conftest import REPO, read_output
from native_service import DIGITS_WORKER, digits_jobs, digits_model_dir
from native_service import write_jobs as write_records
from processes import alive, descendants_of, kill_all, line_count, wait_for, worker_processes

HANDLERS = pathlib.Path(__file__).resolve().parent / "handlers"
JOBS = 20_000
NO_PROGRESS_S = 90  # the run fails when the output does not grow for this long
PYTHON = "/usr/bin/python3"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def chaos_config(producers_port: int, workers_port: int, job_type: str = "test.sleep",
                 arrays: str = "") -> str:
    array_key = f", arrays: {arrays}" if arrays else ""
    return f"""
broker:
  producers_endpoint: tcp://127.0.0.1:{producers_port}
  workers_endpoint: tcp://127.0.0.1:{workers_port}
  heartbeat_ms: 200
  journal: {{path: journal, fsync: interval_ms, interval_ms: 10, segment_bytes: 1048576}}
job_types:
  default: {{max_attempts: 20, backoff: {{initial_ms: 10, max_ms: 100}}}}
  {job_type}: {{batch: {{max_size: 8, max_delay_ms: 2}}}}
input: {{type: {job_type}{array_key}}}
producer: {{window: 2000, submit_batch: 128, progress_interval_s: 1}}
"""


def write_jobs(path: pathlib.Path) -> list[str]:
    ids = [f"c{i:05d}" for i in range(JOBS)]
    with path.open("w") as out:
        for i, job_id in enumerate(ids):
            out.write(json.dumps({"id": job_id, "payload": {"n": i, "ms": 3}}) + "\n")
    return ids


class Cluster:
    """The processes of one chaos run: broker lives, two pools, the producer; all killed at the end."""

    def __init__(self, ferry_bin: pathlib.Path, tmp_path: pathlib.Path) -> None:
        self.ferry_bin = ferry_bin
        self.dir = tmp_path
        self.env = dict(os.environ, PYTHONPATH=str(REPO / "py_workers"))
        self.broker: subprocess.Popen | None = None
        self.broker_lives = 0
        self.pools: list[subprocess.Popen] = []
        self.started: list[subprocess.Popen] = []

    def spawn(self, args: list[str], log: str) -> subprocess.Popen:
        with (self.dir / f"{log}.out").open("w") as out, (self.dir / f"{log}.err").open("w") as err:
            proc = subprocess.Popen(args, cwd=self.dir, env=self.env, stdout=out, stderr=err,
                                    stdin=subprocess.DEVNULL)
        self.started.append(proc)
        return proc

    def start_broker(self) -> None:
        self.broker_lives += 1
        log = f"broker-{self.broker_lives}"
        self.broker = self.spawn([str(self.ferry_bin), "broker", "p.yaml"], log)
        stdout = self.dir / f"{log}.out"
        wait_for(lambda: "ferry broker: producers=" in stdout.read_text()
                 or self.broker.poll() is not None, 30, "the broker's endpoints line")
        assert self.broker.poll() is None, (self.dir / f"{log}.err").read_text()

    def kill_broker(self) -> None:
        assert self.broker is not None
        self.broker.send_signal(signal.SIGKILL)
        self.broker.wait(timeout=10)

    def start_pool(self, workers_endpoint: str, index: int) -> None:
        self.pools.append(self.spawn(
            [PYTHON, "-m", "ferry_worker", "--broker", workers_endpoint, "--handlers",
             str(HANDLERS / "slow.py"), "--processes", "2", "--heartbeat-ms", "200",
             "--log-level", "WARNING"], f"pool-{index}"))

    def start_native_pool(self, workers_endpoint: str, index: int) -> None:
        """`ferry worker` on config/digits-worker.yaml (FERRY_MODEL_DIR set in self.env)."""
        self.pools.append(self.spawn(
            [str(self.ferry_bin), "worker", "--broker", workers_endpoint,
             "--config", str(DIGITS_WORKER), "--processes", "2"], f"pool-{index}"))

    def kill_random_worker(self, rng: random.Random) -> bool:
        workers = [pid for pool in self.pools for pid in worker_processes(pool.pid) if alive(pid)]
        if not workers:
            return False
        kill_all([rng.choice(workers)], signal.SIGKILL)
        return True

    def stop_all(self) -> None:
        leftovers = [pid for proc in self.started for pid in descendants_of(proc.pid)]
        for proc in self.started:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
        kill_all(leftovers, signal.SIGKILL)


@pytest.fixture
def cluster(ferry_bin, tmp_path: pathlib.Path):
    running = Cluster(ferry_bin, tmp_path)
    try:
        yield running
    finally:
        running.stop_all()


@pytest.mark.parametrize("pools", ["python", "native"])
def test_twenty_thousand_jobs_survive_killed_workers_and_two_broker_crashes(
        cluster: Cluster, tmp_path: pathlib.Path, tmp_path_factory, pools: str) -> None:
    producers_port, workers_port = free_port(), free_port()
    if pools == "python":
        (tmp_path / "p.yaml").write_text(chaos_config(producers_port, workers_port))
        ids = write_jobs(tmp_path / "jobs.jsonl")
        start_pool, kill_every_s = cluster.start_pool, 1.0
    else:
        cluster.env["FERRY_MODEL_DIR"] = str(digits_model_dir(tmp_path_factory))
        (tmp_path / "p.yaml").write_text(chaos_config(producers_port, workers_port,
                                                      "digits.classify", "{pixels: uint8}"))
        ids = sorted(write_records(tmp_path / "jobs.jsonl", digits_jobs(tmp_path, JOBS)))
        # The digits model answers a job in microseconds, not 3 ms: the run is a few seconds
        # long, so a process is killed every quarter second to kill several within it.
        start_pool, kill_every_s = cluster.start_native_pool, 0.25
    cluster.start_broker()
    for index in range(2):
        start_pool(f"tcp://127.0.0.1:{workers_port}", index)
    submit_args = [str(cluster.ferry_bin), "submit", "p.yaml", "--broker",
                   f"tcp://127.0.0.1:{producers_port}", "--input", "jobs.jsonl", "--output",
                   "out.jsonl", "--json"]
    submit = cluster.spawn(submit_args, "submit")
    out = tmp_path / "out.jsonl"
    crash_at = [JOBS // 5, JOBS // 2]  # output lines at which the broker is killed
    producer_crash_at = JOBS * 7 // 20  # ... and the producer, between the two
    rng = random.Random(8)
    workers_killed = 0
    next_kill = time.monotonic() + kill_every_s
    written, last_progress = 0, time.monotonic()
    while submit.poll() is None:
        if line_count(out) > written:
            written, last_progress = line_count(out), time.monotonic()
        assert time.monotonic() - last_progress < NO_PROGRESS_S, \
            f"no outcome written for {NO_PROGRESS_S} s ({written} of {JOBS} written)"
        if crash_at and written >= crash_at[0]:
            crash_at.pop(0)
            cluster.kill_broker()
            cluster.start_broker()
        if producer_crash_at and written >= producer_crash_at:
            producer_crash_at = 0
            submit.send_signal(signal.SIGKILL)
            submit.wait(timeout=10)
            submit = cluster.spawn([*submit_args, "--resume"], "submit-resumed")
        if time.monotonic() >= next_kill:  # the load pattern: one worker process a period
            workers_killed += cluster.kill_random_worker(rng)
            next_kill += kill_every_s
        time.sleep(0.05)  # the monitor's sampling period, not a wait for an event

    stderr = (tmp_path / "submit-resumed.err").read_text()
    assert submit.returncode == 0, stderr[-3000:]
    assert not crash_at, f"the run ended before both broker crashes (left: {crash_at})"
    assert not producer_crash_at, "the run ended before the producer was killed"
    assert workers_killed >= 3
    if pools == "native":  # the kills hit native worker processes: their supervisors say so
        wait_for(lambda: workers_killed == sum(
            (tmp_path / f"pool-{i}.err").read_text().count("killed by signal 9") for i in range(2)),
            10, f"the supervisors to report {workers_killed} killed processes")
    records = read_output(out)
    seen = [r["id"] for r in records]
    assert len(seen) == len(set(seen)), "an id was written twice"
    assert sorted(seen) == ids, f"{len(set(ids) - set(seen))} ids missing from the output"
    failed = [r for r in records if r["status"] != "ok"]
    assert not failed, f"{len(failed)} jobs failed, e.g. {failed[0]}"
    summary = json.loads((tmp_path / "submit-resumed.out").read_text())
    assert summary["jobs"] + summary["resumed"] == JOBS
    assert summary["failed"] == 0
