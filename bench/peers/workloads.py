"""Workload definitions shared by every system: payloads, the handler, and the checksum.

Every peer (Ferry, Celery, RQ, Dask, pyzmq, HTTP, in-process) calls the same `handle_one` /
`handle_batch` functions from this module, so only the job system differs between rows.
Heavier workloads (digits, ocr) live in `model_workloads.py` and register here on import.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

Payload = dict[str, Any]
Result = Any


@dataclass(frozen=True)
class Workload:
    """One benchmark workload: how to make jobs, how to run them, how to check results."""

    name: str  # the workload's name in the table ("noop", "cpu-5ms", ...)
    jobs: int  # jobs in a full run
    quick_jobs: int  # jobs with --quick
    make_payloads: Callable[[int], list[Payload]]  # n deterministic payloads
    handle_one: Callable[[Any, Payload], Result]  # (state, payload) -> result
    setup: Callable[[], Any] = lambda: None  # once per worker process: load the model
    handle_batch: Optional[Callable[[Any, list[Payload]], list[Result]]] = None  # vectorised
    digest: Callable[[Result], str] = lambda r: repr(r)  # result -> stable text for checksums
    batching_applies: bool = False  # whether Ferry's dynamic batching changes the handler's work
    description: str = ""  # one line for the docs
    tags: tuple[str, ...] = field(default_factory=tuple)  # e.g. ("latency",)

    def job_count(self, quick: bool) -> int:
        return self.quick_jobs if quick else self.jobs

    def run_batch(self, state: Any, payloads: list[Payload]) -> list[Result]:
        """The vectorised handler, or the one-job handler mapped over the list."""
        if self.handle_batch is not None:
            return self.handle_batch(state, payloads)
        return [self.handle_one(state, p) for p in payloads]


REGISTRY: dict[str, Workload] = {}
_STATES: dict[str, Any] = {}


def register(workload: Workload) -> Workload:
    REGISTRY[workload.name] = workload
    return workload


def get(name: str) -> Workload:
    if name not in REGISTRY:
        _load_model_workloads()
    if name not in REGISTRY:
        raise KeyError(f"unknown workload {name!r}; known: {sorted(REGISTRY)}")
    return REGISTRY[name]


def _load_model_workloads() -> None:
    try:
        from peers import model_workloads  # noqa: F401  (registers digits / ocr)
    except ImportError:
        pass


def state_of(name: str) -> Any:
    """The workload's per-process state (its model), set up on first use and kept."""
    if name not in _STATES:
        _STATES[name] = get(name).setup()
    return _STATES[name]


def run_one(name: str, payload: Payload) -> Result:
    """Entry point every system's worker calls for one job."""
    return get(name).handle_one(state_of(name), payload)


def run_many(name: str, payloads: list[Payload]) -> list[Result]:
    """Entry point for systems that hand a worker several jobs at once."""
    return get(name).run_batch(state_of(name), payloads)


def checksum(workload: Workload, results: dict[str, Result]) -> str:
    """SHA-256 over "id=digest" lines in id order: equal iff every job's result matches."""
    h = hashlib.sha256()
    for job_id in sorted(results):
        h.update(f"{job_id}={workload.digest(results[job_id])}\n".encode())
    return h.hexdigest()


def job_ids(n: int) -> list[str]:
    return [f"j{i:07d}" for i in range(n)]


# ---- noop: ~100-byte payload echoed back ------------------------------------------------------

def _noop_payloads(n: int) -> list[Payload]:
    return [{"i": i, "s": hashlib.sha256(str(i).encode()).hexdigest()[:80].ljust(80, "-")}
            for i in range(n)]


def _echo(_state: Any, payload: Payload) -> Result:
    return payload


def _echo_digest(result: Result) -> str:
    return f"{result['i']}:{result['s']}"


# ---- cpu-5ms: 5 ms of CPU in Python per job ----------------------------------------------------

CPU_SECONDS = 0.005


def _cpu_payloads(n: int) -> list[Payload]:
    return [{"i": i} for i in range(n)]


def _burn(_state: Any, payload: Payload) -> Result:
    """Spins on this thread's CPU clock for 5 ms; returns i squared (checked)."""
    deadline = time.thread_time() + CPU_SECONDS
    x = 0
    while time.thread_time() < deadline:
        for k in range(200):
            x += k
    return payload["i"] * payload["i"]


register(Workload(
    name="noop", jobs=100_000, quick_jobs=10_000, make_payloads=_noop_payloads,
    handle_one=_echo, digest=_echo_digest, batching_applies=True,
    description="~100-byte payload echoed back: pure per-job overhead"))
register(Workload(
    name="cpu-5ms", jobs=2_000, quick_jobs=400, make_payloads=_cpu_payloads,
    handle_one=_burn, description="each job burns 5 ms of CPU in Python (thread CPU clock)"))
register(Workload(
    name="latency", jobs=2_000, quick_jobs=300, make_payloads=_noop_payloads,
    handle_one=_echo, digest=_echo_digest, tags=("latency",),
    description="sequential submit-and-wait round trips of the noop job"))


def preload(name: str) -> None:
    """Sets up the workload's state in this process and returns nothing (safe to ship back)."""
    state_of(name)
