"""Test handlers for end-to-end runs: one that fails some jobs for good."""

from __future__ import annotations

from typing import Any

import ferry_worker
from ferry_worker import Job


@ferry_worker.handler("test.fail_odd", max_batch_size=32)
def fail_odd(job: Job) -> Any:
    """Fails every job whose payload n is odd with a non-retryable error."""
    if job.payload["n"] % 2 == 1:
        raise ferry_worker.JobError("INVALID_ARGUMENT", f"odd n={job.payload['n']}")
    return {"n": job.payload["n"]}
