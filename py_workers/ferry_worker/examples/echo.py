"""Echo handlers: the smallest useful examples, and what the tests and benchmarks serve."""

from __future__ import annotations

from typing import Any, Mapping

import ferry_worker
from ferry_worker import Job


@ferry_worker.handler("echo")
def echo(job: Job) -> Any:
    """Returns the payload unchanged."""
    return job.payload


class BatchEcho(ferry_worker.Handler):
    """Batched echo: returns each payload, in order; a payload {"fail": msg} fails only its job."""

    job_type = "echo.batch"
    max_batch_size = 64

    def setup(self, config: Mapping[str, Any]) -> None:
        self.worker = config.get("worker", "?")

    def handle(self, jobs: list[Job]) -> list[Any]:
        results: list[Any] = []
        for job in jobs:
            payload = job.payload
            if isinstance(payload, dict) and "fail" in payload:
                results.append(ferry_worker.JobError("INVALID_ARGUMENT", str(payload["fail"])))
            else:
                results.append(payload)
        return results
