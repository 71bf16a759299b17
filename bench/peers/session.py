"""The contract every system module meets: a running system with its workers up and warm."""

from __future__ import annotations

import time
from typing import Any, Protocol

from peers.workloads import Payload, Result


class Session(Protocol):
    """A system started for one workload and variant; workers are up before `execute`.

    `prepare` and `collect` are not timed: they stage inputs (e.g. write a JSONL file) and read
    outputs back. `execute` is timed: from the first submit to the last result received.
    """

    def prepare(self, ids: list[str], payloads: list[Payload]) -> None: ...

    def execute(self) -> None: ...

    def collect(self) -> dict[str, Result]: ...

    def round_trips(self, ids: list[str], payloads: list[Payload]) -> tuple[dict[str, Result],
                                                                          list[float]]: ...

    def worker_pids(self) -> list[int]: ...

    def notes(self) -> dict[str, Any]: ...

    def close(self) -> None: ...


def sequential_round_trips(ids: list[str], payloads: list[Payload],
                           one: Any) -> tuple[dict[str, Result], list[float]]:
    """Calls `one(id, payload) -> result` for each job in turn; returns results and ms each."""
    results: dict[str, Result] = {}
    latencies: list[float] = []
    for job_id, payload in zip(ids, payloads):
        started = time.perf_counter()
        results[job_id] = one(job_id, payload)
        latencies.append((time.perf_counter() - started) * 1000.0)
    return results, latencies
