"""No-op handlers for measuring the runtime's own overhead (bench/worker_throughput.py)."""

from __future__ import annotations

from typing import Any

import ferry_worker
from ferry_worker import Job


class NoOp1(ferry_worker.Handler):
    """Returns None for one job at a time."""

    job_type = "noop.1"
    max_batch_size = 1

    def handle(self, jobs: list[Job]) -> list[Any]:
        return [None] * len(jobs)


class NoOp64(NoOp1):
    """Returns None for batches of up to 64 jobs."""

    job_type = "noop.64"
    max_batch_size = 64
