"""The in-process limit: the same handler called in this Python process, no job system."""

from __future__ import annotations

from typing import Any

from peers.session import sequential_round_trips
from peers.workloads import Payload, Result, Workload

NAME = "in-process"


def variants(workload: Workload) -> list[str]:
    return ["one at a time", "batched"] if workload.handle_batch else ["one at a time"]


class InProcess:
    """Calls the workload's handler directly: one job at a time, or one vectorised batch."""

    def __init__(self, workload: Workload, variant: str) -> None:
        self.workload = workload
        self.batched = variant == "batched"
        self.state = workload.setup()
        self.ids: list[str] = []
        self.payloads: list[Payload] = []
        self.results: list[Result] = []

    def prepare(self, ids: list[str], payloads: list[Payload]) -> None:
        self.ids, self.payloads = ids, payloads

    def execute(self) -> None:
        if self.batched:
            self.results = self.workload.run_batch(self.state, self.payloads)
        else:
            handle = self.workload.handle_one
            self.results = [handle(self.state, p) for p in self.payloads]

    def collect(self) -> dict[str, Result]:
        return dict(zip(self.ids, self.results))

    def round_trips(self, ids: list[str], payloads: list[Payload]) -> tuple[dict[str, Result],
                                                                          list[float]]:
        return sequential_round_trips(
            ids, payloads, lambda _id, p: self.workload.handle_one(self.state, p))

    def worker_pids(self) -> list[int]:
        return []

    def notes(self) -> dict[str, Any]:
        return {"processes": 1}

    def close(self) -> None:
        pass


def open_session(workload: Workload, variant: str) -> InProcess:
    return InProcess(workload, variant)
