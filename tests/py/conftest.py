"""Fixtures: a fake broker on real zmq sockets, and worker pools started as subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from fake_broker import FakeBroker  # noqa: E402

HANDLERS = Path(__file__).parent / "handlers"
PY_WORKERS = Path(__file__).resolve().parents[2] / "py_workers"


@pytest.fixture
def broker() -> Iterator[FakeBroker]:
    fake = FakeBroker()
    yield fake
    fake.close()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def wait_dead(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.02)
    return False


class PoolProcess:
    """A `python3 -m ferry_worker` subprocess and the worker pids it was seen to run."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.worker_pids: set[int] = set()
        self.log = ""  # its output, once killed

    def note(self, ready: dict) -> dict:
        self.worker_pids.add(int(ready["pid"]))
        return ready

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        if self.proc.stdout is not None and not self.proc.stdout.closed:
            self.log = self.output()
            self.proc.stdout.close()
            print(f"---- output of worker pool {self.proc.pid} ----\n{self.log}")
        for pid in self.worker_pids:
            if not wait_dead(pid):
                os.kill(pid, signal.SIGKILL)
                raise AssertionError(f"worker process {pid} outlived its supervisor")

    def output(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.read().decode(errors="replace")


@pytest.fixture
def start_pool(broker: FakeBroker) -> Iterator[Callable[..., PoolProcess]]:
    pools: list[PoolProcess] = []

    def start(handlers: str, *args: str, processes: int = 1) -> PoolProcess:
        path = handlers if "." in handlers and "/" not in handlers and not handlers.endswith(
            ".py") else str(HANDLERS / handlers)
        env = dict(os.environ, PYTHONPATH=str(PY_WORKERS), PYTHONDONTWRITEBYTECODE="1")
        command = [sys.executable, "-m", "ferry_worker", "--broker", broker.endpoint,
                   "--handlers", path, "--processes", str(processes), "--heartbeat-ms", "100",
                   "--log-level", "DEBUG", *args]
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        pool = PoolProcess(proc)
        pools.append(pool)
        return pool

    yield start
    for pool in pools:
        pool.kill()
