"""Process helpers for end-to-end tests: descendants of a pid, and waiting for events."""

from __future__ import annotations

import os
import pathlib
import time
from typing import Callable


def children_of(pid: int) -> list[int]:
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def descendants_of(pid: int) -> list[int]:
    result: list[int] = []
    frontier = [pid]
    while frontier:
        children = [c for p in frontier for c in children_of(p)]
        result.extend(children)
        frontier = children
    return result


def is_fork_template(pid: int) -> bool:
    """Whether `pid` is a pool's fork template (a child of the pool, but not a worker)."""
    try:
        return pathlib.Path(f"/proc/{pid}/comm").read_text().strip() == "ferry-template"
    except OSError:
        return False


def worker_processes(pool_pid: int) -> list[int]:
    """The worker processes of a pool supervisor: its children, the fork template excepted."""
    return [pid for pid in children_of(pool_pid) if not is_fork_template(pid)]


def alive(pid: int) -> bool:
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z"


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Polls `condition` (an observable event: a file grew, a process left) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def line_count(path: pathlib.Path) -> int:
    try:
        with path.open("rb") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


def kill_all(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def stop_gracefully(procs: list, timeout: float = 20) -> None:
    """SIGTERM each running process in turn (they drain), SIGKILL one that overstays."""
    import signal
    import subprocess
    for proc in procs:
        if proc is None or proc.poll() is not None:
            continue
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
