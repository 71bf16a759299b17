"""A separate `ferry broker` with a worker pool, on fixed loopback ports so it can be restarted."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys

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

    def start_pool(self, handlers: pathlib.Path = HANDLERS) -> None:
        self.procs.append(subprocess.Popen(
            [sys.executable, "-m", "ferry_worker", "--broker", self.workers, "--handlers",
             str(handlers), "--processes", "2", "--heartbeat-ms", "200", "--log-level", "WARNING"],
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


def service_factory(ferry_bin, tmp_path: pathlib.Path):
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
