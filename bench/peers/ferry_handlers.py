"""Ferry handlers for the benchmark's own workloads: the shared handler functions, unchanged.

digits and ocr are served by the issue-6 handlers themselves (examples/*/handler.py).
"""

from __future__ import annotations

from typing import Any, Mapping

import ferry_worker
from ferry_worker import Job

from peers import workloads


class BenchNoop(ferry_worker.Handler):
    """noop and latency: the payload echoed back, one handler call per job of the batch."""

    job_type = "bench.noop"
    max_batch_size = 256
    workload = "noop"

    def setup(self, config: Mapping[str, Any]) -> None:
        self.spec = workloads.get(self.workload)
        self.state = workloads.state_of(self.workload)

    def handle(self, jobs: list[Job]) -> list[Any]:
        handle_one, state = self.spec.handle_one, self.state
        return [handle_one(state, job.payload) for job in jobs]


class BenchCpu(BenchNoop):
    """cpu-5ms: 5 ms of Python CPU per job; one job at a time so the two processes share fairly."""

    job_type = "bench.cpu"
    max_batch_size = 1
    workload = "cpu-5ms"
