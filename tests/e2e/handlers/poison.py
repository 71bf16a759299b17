"""Handlers with poison jobs: each payload says what the job does to the process that runs it.

`kind` is one of: ok (answers {"n": n}), segv (segmentation fault), exit (os._exit(7)), raise
(raises ValueError), hang (never returns), crash_once (os._exit(9) on its first attempt, then
ok). `work_ms` (optional) is CPU time an ok job spends first, like a small model. The same
jobs are served one at a time (`poison.one`) and in batches of up to 8 (`poison.batch`). Used by
tests/e2e/test_poison_jobs.py and bench/poison_bench.py.
"""

from __future__ import annotations

import ctypes
import os
import time
from typing import Any

import ferry_worker
from ferry_worker import Job


def run(job: Job) -> Any:
    """What one job does: crash, hang, raise, or answer."""
    payload = job.payload
    kind = payload["kind"]
    if kind == "segv":
        ctypes.string_at(0)
    elif kind == "exit":
        os._exit(7)
    elif kind == "crash_once" and job.attempt == 1:
        os._exit(9)
    elif kind == "hang":
        while True:
            time.sleep(0.05)
    elif kind == "raise":
        raise ValueError(f"poison job {payload['n']} cannot be read")
    spin_until = time.perf_counter() + payload.get("work_ms", 0) / 1000.0
    while time.perf_counter() < spin_until:
        pass
    return {"n": payload["n"]}


@ferry_worker.handler("poison.one")
def one(job: Job) -> Any:
    return run(job)


class Batch(ferry_worker.Handler):
    """The batch form: one poison job takes the whole batch's call down with it."""

    job_type = "poison.batch"
    max_batch_size = 8

    def handle(self, jobs: list[Job]) -> list[Any]:
        return [run(job) for job in jobs]
