"""A `ferry serve` under test: its service file, pipeline files, process, and its commands."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess

from broker_service import free_port
from conftest import REPO
from processes import stop_gracefully, wait_for

HANDLERS = pathlib.Path(__file__).resolve().parent / "handlers"


class Serve:
    """A service directory: service.yaml, pipelines/*.yaml, a state dir, fixed loopback ports."""

    def __init__(self, ferry_bin: pathlib.Path, tmp: pathlib.Path, extra: str = "") -> None:
        self.ferry_bin, self.dir = ferry_bin, tmp
        self.producers = f"tcp://127.0.0.1:{free_port()}"
        self.workers = f"tcp://127.0.0.1:{free_port()}"
        self.env = dict(os.environ, PYTHONPATH=str(REPO / "py_workers"))
        self.proc: subprocess.Popen | None = None
        (tmp / "pipelines").mkdir(exist_ok=True)
        self.service = tmp / "service.yaml"
        self.service.write_text(f"""
broker:
  producers_endpoint: {self.producers}
  workers_endpoint: {self.workers}
  heartbeat_ms: 200
service:
  state_dir: state
  pipelines: [pipelines/*.yaml]
  shutdown_grace_s: 5
workers:
  - handlers: {HANDLERS / "slow.py"}
    processes: 2
    heartbeat_ms: 200
{extra}""")

    def pipeline(self, name: str, text: str) -> pathlib.Path:
        path = self.dir / "pipelines" / f"{name}.yaml"
        path.write_text(text)
        return path

    def start(self) -> None:
        self.proc = subprocess.Popen([str(self.ferry_bin), "serve", str(self.service)],
                                     cwd=self.dir, env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        line = self.proc.stdout.readline()  # printed once the sockets are bound
        assert line.startswith("ferry serve: producers="), (line, self.proc.stderr.read())

    def command(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.ferry_bin), *args, "--broker", self.producers],
                              cwd=self.dir, env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def runs(self, pipeline: str | None = None) -> list[dict]:
        """Every run record of every pipeline (or of one), from `ferry runs --json`."""
        done = self.command("runs", *([pipeline] if pipeline else []), "--json", "--limit",
                            "100000")
        assert done.returncode == 0, done.stderr
        return [run for p in json.loads(done.stdout)["pipelines"] for run in p["runs"]]

    def wait_runs(self, condition, timeout: float, what: str) -> list[dict]:
        found: list[dict] = []

        def check() -> bool:
            nonlocal found
            found = self.runs()
            return condition(found)
        wait_for(check, timeout, what)
        return found

    def kill(self) -> None:
        """SIGKILL the service and everything it started (its pools die with it)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            stop_gracefully([self.proc], timeout=30)
        if self.proc is not None and self.proc.poll() is None:
            self.kill()


def serve_factory(ferry_bin, tmp_path: pathlib.Path):
    started: list[Serve] = []

    def make(extra: str = "") -> Serve:
        svc = Serve(ferry_bin, tmp_path, extra)
        started.append(svc)
        return svc

    yield make
    for svc in started:
        svc.stop()
        if svc.proc is not None:
            try:
                os.killpg(svc.proc.pid, signal.SIGKILL)  # anything left of the group
            except ProcessLookupError:
                pass
