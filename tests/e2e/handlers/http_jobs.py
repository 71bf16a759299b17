"""Handlers for the HTTP API tests and benchmarks.

`http.echo` answers its payload unchanged (JSON round trips); `http.noop` answers null;
`http.bytes` answers the payload's `text` as bytes (how binary results are rendered);
`http.fail` raises ValueError (a handler error with its traceback); `http.sleep` sleeps
`seconds` then answers {"slept": seconds}; `http.flaky` fails while the file named by
`fail_flag` exists, then answers {"ok": true} (a dead letter that a redrive can heal);
`http.record` appends the job id to the file `log` names (counts executions).
"""

from __future__ import annotations

import os
import time
from typing import Any

import ferry_worker
from ferry_worker import Job


@ferry_worker.handler("http.echo")
def echo(job: Job) -> Any:
    return job.payload


class Noop(ferry_worker.Handler):
    """Answers null, in batches: the API's own cost with nothing else."""

    job_type = "http.noop"
    max_batch_size = 256

    def handle(self, jobs: list[Job]) -> list[Any]:
        return [None] * len(jobs)


@ferry_worker.handler("http.bytes")
def as_bytes(job: Job) -> Any:
    return job.payload["text"].encode()


@ferry_worker.handler("http.fail")
def fail(job: Job) -> Any:
    raise ValueError(f"job {job.id} cannot be handled: {job.payload!r}")


@ferry_worker.handler("http.sleep")
def sleep(job: Job) -> Any:
    time.sleep(job.payload["seconds"])
    return {"slept": job.payload["seconds"]}


@ferry_worker.handler("http.flaky")
def flaky(job: Job) -> Any:
    if os.path.exists(job.payload["fail_flag"]):
        raise ValueError("the flag file is there: failing on purpose")
    return {"ok": True}


@ferry_worker.handler("http.record")
def record(job: Job) -> Any:
    """Appends the job's id to the file `log` names (one line per execution), answers `n`."""
    with open(job.payload["log"], "a") as log:
        log.write(job.id + "\n")
    return {"n": job.payload["n"]}
