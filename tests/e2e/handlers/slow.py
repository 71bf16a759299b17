"""Test handlers for end-to-end runs: jobs that take a little while, so a run can be interrupted."""

from __future__ import annotations

import time
from typing import Any

import ferry_worker
from ferry_worker import Job


@ferry_worker.handler("test.sleep", max_batch_size=8)
def sleep_then_echo(job: Job) -> Any:
    """Sleeps payload["ms"] milliseconds, then returns the payload."""
    time.sleep(job.payload.get("ms", 1) / 1000.0)
    return job.payload
