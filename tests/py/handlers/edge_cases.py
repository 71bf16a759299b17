"""One tiny handler per edge case the worker runtime must survive."""

from __future__ import annotations

import ctypes
import os
import pathlib
import threading
import time
from typing import Any

import ferry_worker
from ferry_worker import Job, JobError, Retry

_leak: list[bytes] = []


@ferry_worker.handler("echo")
def echo(job: Job) -> Any:
    return job.payload


@ferry_worker.handler("raises")
def raises(job: Job) -> Any:
    raise ValueError(f"bad input {job.payload!r}")


@ferry_worker.handler("retry")
def retry(job: Job) -> Any:
    raise Retry(250)


class PerJobError(ferry_worker.Handler):
    job_type = "per_job_error"
    max_batch_size = 8

    def handle(self, jobs: list[Job]) -> list[Any]:
        return [JobError("INVALID_ARGUMENT", "odd") if j.payload % 2 else j.payload for j in jobs]


class Coalesces(ferry_worker.Handler):
    """Asks the broker for batches of up to 4 that wait at most 20 ms to fill."""

    job_type = "coalesces"
    max_batch_size = 4
    max_delay_ms = 20

    def handle(self, jobs: list[Job]) -> list[Any]:
        return [len(jobs)] * len(jobs)


class WrongLength(ferry_worker.Handler):
    job_type = "wrong_length"
    max_batch_size = 8

    def handle(self, jobs: list[Job]) -> list[Any]:
        return [1]


class BatchHang(ferry_worker.Handler):
    """Hangs when any job of the batch says "hang"; returns the payloads otherwise."""

    job_type = "batch_hang"
    max_batch_size = 8

    def handle(self, jobs: list[Job]) -> list[Any]:
        while any(j.payload == "hang" for j in jobs):
            time.sleep(1)
        return [j.payload for j in jobs]


class BatchSegv(ferry_worker.Handler):
    """Crashes the process when any job of the batch says "segv"."""

    job_type = "batch_segv"
    max_batch_size = 8

    def handle(self, jobs: list[Job]) -> list[Any]:
        if any(j.payload == "segv" for j in jobs):
            ctypes.string_at(0)
        return [j.payload for j in jobs]


class BatchRaises(ferry_worker.Handler):
    job_type = "batch_raises"
    max_batch_size = 8

    def handle(self, jobs: list[Job]) -> list[Any]:
        raise RuntimeError("model exploded")


@ferry_worker.handler("slow")
def slow(job: Job) -> Any:
    time.sleep(float(job.payload))
    return "done"


@ferry_worker.handler("held")
def held(job: Job) -> Any:
    """Holds its job until the test writes to the FIFO the payload names; returns what it wrote."""
    with open(job.payload) as fifo:
        return fifo.read()


@ferry_worker.handler("slow_marked")
def slow_marked(job: Job) -> Any:
    """Creates the file payload["marker"] once running, so a test can see it start."""
    pathlib.Path(job.payload["marker"]).touch()
    time.sleep(float(job.payload["seconds"]))
    return "done"


@ferry_worker.handler("exit")
def hard_exit(job: Job) -> Any:
    os._exit(int(job.payload))


@ferry_worker.handler("segv")
def segfault(job: Job) -> Any:
    ctypes.string_at(0)


@ferry_worker.handler("hang")
def hang(job: Job) -> Any:
    while True:
        time.sleep(1)


@ferry_worker.handler("leak")
def leak(job: Job) -> Any:
    _leak.append(b"x" * (int(job.payload) * 1024 * 1024))
    return len(_leak)


@ferry_worker.handler("pid")
def pid(job: Job) -> Any:
    return os.getpid()


@ferry_worker.handler("hang_holding_gil")
def hang_holding_gil(job: Job) -> Any:
    ctypes.PyDLL(None).sleep(60)  # native code that keeps the GIL: the process cannot act


@ferry_worker.handler("where")
def where(job: Job) -> Any:
    """Sleeps payload seconds, then names the thread it ran on (MainThread: inline)."""
    time.sleep(float(job.payload))
    return threading.current_thread().name
