"""Processes the benchmark starts: spawn, wait for readiness, measure, and stop by PID."""

from __future__ import annotations

import atexit
import logging
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

import psutil

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
PYTHON = "/usr/bin/python3"
LOG_DIR = Path(os.environ.get("FERRY_BENCH_TMP", "/tmp/ferry-bench")) / "logs"
_STARTED: list[subprocess.Popen[bytes]] = []


def python_env() -> dict[str, str]:
    """Environment for every Python process: Debian's packages, our modules, quiet threads."""
    env = dict(os.environ)
    env["PYTHONPATH"] = f"{ROOT / 'bench'}:{ROOT / 'py_workers'}"
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")  # one thread per worker process: 2 processes on 2 cores
    return env


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1 (for servers that cannot bind port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn(name: str, argv: Sequence[str], stdout: Optional[int] = None) -> subprocess.Popen[bytes]:
    """Starts a process whose stderr (and stdout unless piped) goes to a log file; remembered
    so that it is stopped at exit even if the benchmark fails."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_file = open(LOG_DIR / f"{name}.log", "ab")
    proc = subprocess.Popen(list(argv), env=python_env(), cwd=ROOT, stderr=log_file,
                            stdout=stdout if stdout is not None else log_file,
                            stdin=subprocess.DEVNULL)
    log_file.close()
    _STARTED.append(proc)
    log.debug("started %s pid %d: %s", name, proc.pid, " ".join(argv))
    return proc


def stop(proc: subprocess.Popen[bytes], grace_s: float = 10.0) -> None:
    """SIGTERM to the process by PID, SIGKILL after `grace_s`; then any descendants it left."""
    if proc.poll() is None:
        children = _descendants(proc.pid)
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            log.warning("pid %d ignored SIGTERM for %.0f s: killing it", proc.pid, grace_s)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        _kill_leftovers(children)
    if proc in _STARTED:
        _STARTED.remove(proc)


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _kill_leftovers(children: list[psutil.Process]) -> None:
    _, alive = psutil.wait_procs(children, timeout=5)
    for child in alive:
        log.warning("killing leftover pid %d (%s)", child.pid, child.name())
        child.kill()


@atexit.register
def stop_all() -> None:
    """Stops, by PID, everything this benchmark started and did not stop yet."""
    for proc in list(reversed(_STARTED)):
        try:
            stop(proc, grace_s=5)
        except (ProcessLookupError, OSError) as exc:
            log.warning("could not stop pid %d: %s", proc.pid, exc)


def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Polls `check` until it is true; raises a clear error after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready after {timeout_s:.0f} s (logs: {LOG_DIR})")
        time.sleep(0.05)


def rss_mib(pids: Sequence[int]) -> list[float]:
    """Resident memory (MiB) of each process that still exists."""
    out = []
    for pid in pids:
        try:
            out.append(psutil.Process(pid).memory_info().rss / 2**20)
        except psutil.NoSuchProcess:
            continue
    return out


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds used so far by the processes of `pids` that still exist."""
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def child_pids(pid: int) -> list[int]:
    return [p.pid for p in _descendants(pid)]


def proc_status_kib(pid: int, key: str) -> int:
    """A `VmRSS` / `VmHWM` line of /proc/PID/status, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(f"{key} not in /proc/{pid}/status")


def cpu_busy_fraction(seconds: float = 0.5) -> float:
    """Share of all CPUs busy over `seconds` (other engineers' builds skew benchmarks)."""
    return psutil.cpu_percent(interval=seconds) / 100.0


def kill_pids(pids: Sequence[int]) -> None:
    """Stops, by PID, whichever of `pids` are still alive (leftovers of a library's cluster)."""
    alive = []
    for pid in pids:
        try:
            alive.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            continue
    for proc in alive:
        proc.terminate()
    _kill_leftovers(alive)
