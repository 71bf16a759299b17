"""Runs batches through handlers on a thread of its own, so the session thread keeps the socket.

The runner turns whatever a handler does (returns, raises, returns the wrong number of
results, returns a JobError or Retry in a slot) into one wire result per job.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import traceback
from typing import Any, Callable, Mapping, Optional

import msgpack

from ferry_worker import arrays
from ferry_worker.errors import JobError, Retry
from ferry_worker.handler import Handler
from ferry_worker.job import Job
from ferry_worker.protocol import ErrorCode

log = logging.getLogger("ferry_worker.runner")
Result = dict[str, Any]


def error_result(job_id: str, code: str, message: str, worker: str, **extra: Any) -> Result:
    """A failed wire result, fields in protocol order."""
    error: dict[str, Any] = {"code": code, "message": message}
    if extra.get("traceback"):
        error["traceback"] = extra["traceback"]
    if extra.get("retry_after_ms") is not None:
        error["retry_after_ms"] = extra["retry_after_ms"]
    error["worker"] = worker
    result: Result = {"id": job_id, "ok": False, "error": error}
    if extra.get("ms") is not None:
        result["ms"] = extra["ms"]
    return result


def batches(jobs: list[Job], size: int) -> list[list[Job]]:
    """`jobs` cut into the handler calls a worker makes: at most `size` (max_batch_size) each."""
    return [jobs[start:start + size] for start in range(0, len(jobs), max(1, size))]


def _nobody_watches(jobs: list[Job]) -> None:
    """The default `enter`: nothing records which jobs are inside the handler."""


def run_batch(handler: Handler, jobs: list[Job], worker: str,
              enter: Callable[[list[Job]], None] = _nobody_watches) -> list[Result]:
    """One result per job, in order, whatever the handler does.

    `enter(jobs)` is called before each handler call with the jobs that call gets: the whole
    batch, or one job at a time for a function handler and when a raising batch is split.
    """
    if getattr(handler, "per_job", False):
        return [_run_one(handler, job, worker, enter) for job in jobs]
    enter(jobs)
    started = time.perf_counter()
    try:
        outputs = handler.handle(jobs)
    except BaseException as exc:  # noqa: BLE001 - a handler failure fails its jobs, not us
        if len(jobs) > 1 and not isinstance(exc, Retry):
            return _split(handler, jobs, worker, enter, exc)
        outputs = [_failure(exc)] * len(jobs)
    ms = (time.perf_counter() - started) * 1000.0
    if not isinstance(outputs, (list, tuple)) or len(outputs) != len(jobs):
        message = _wrong_shape(handler, jobs, outputs)
        return [error_result(j.key, ErrorCode.INTERNAL.value, message, worker, ms=ms) for j in jobs]
    return [_to_result(job, out, worker, ms) for job, out in zip(jobs, outputs)]


def _run_one(handler: Handler, job: Job, worker: str,
             enter: Callable[[list[Job]], None]) -> Result:
    enter([job])
    started = time.perf_counter()
    out = _call_one(handler, job)
    return _to_result(job, out, worker, (time.perf_counter() - started) * 1000.0)


def _split(handler: Handler, jobs: list[Job], worker: str, enter: Callable[[list[Job]], None],
           exc: BaseException) -> list[Result]:
    """A raising batch is run again one job at a time, so only the jobs that raise alone fail.

    Why: one bad input must not fail (and cost an attempt to) every job batched with it. A
    Retry raised for the batch is a request about all of it, not a failure, so it is not split.
    """
    log.warning("a batch of %d %r jobs raised %s: %s; running each job alone to find which",
                len(jobs), handler.job_type, type(exc).__name__, exc)
    return [result for job in jobs for result in run_batch(handler, [job], worker, enter)]


class _Failure:
    """An exception caught while handling, with its traceback text."""

    __slots__ = ("exc", "text")

    def __init__(self, exc: BaseException, text: str) -> None:
        self.exc = exc
        self.text = text


def _failure(exc: BaseException) -> _Failure:
    return _Failure(exc, traceback.format_exc())


def _call_one(handler: Handler, job: Job) -> Any:
    try:
        return handler.fn(job)  # type: ignore[attr-defined]
    except BaseException as exc:  # noqa: BLE001
        return _failure(exc)


def _wrong_shape(handler: Handler, jobs: list[Job], outputs: Any) -> str:
    got = f"a {type(outputs).__name__}"
    if isinstance(outputs, (list, tuple)):
        got = f"a {type(outputs).__name__} of {len(outputs)}"
    return (
        f"{type(handler).__name__}.handle() for job type {handler.job_type!r} returned {got} "
        f"for a batch of {len(jobs)} jobs; it must return a list with one entry per job, in order"
    )


def _to_result(job: Job, out: Any, worker: str, ms: float) -> Result:
    tb: Optional[str] = None
    if isinstance(out, _Failure):
        out, tb = out.exc, out.text
    if isinstance(out, Retry):
        return error_result(job.key, ErrorCode.RETRY.value, out.message, worker,
                            retry_after_ms=max(0, out.delay_ms), ms=ms)
    if isinstance(out, JobError):
        return error_result(job.key, out.code, out.message, worker, traceback=out.traceback or tb, ms=ms)
    if isinstance(out, BaseException):
        message = f"{type(out).__name__}: {out}"
        return error_result(job.key, ErrorCode.HANDLER_ERROR.value, message, worker, traceback=tb, ms=ms)
    try:
        packed = msgpack.packb(out, use_bin_type=True, default=arrays.pack_default)
    except Exception as exc:  # noqa: BLE001
        message = f"result of job {job.id!r} cannot be encoded as MessagePack: {exc}"
        return error_result(job.key, ErrorCode.INTERNAL.value, message, worker, ms=ms)
    return {"id": job.key, "ok": True, "result": packed, "ms": ms}


class Runner:
    """The handler thread: takes batches in order, runs them, hands results back.

    `on_enter(jobs)` runs on the handler thread before each handler call with the jobs it gets,
    `on_leave()` once the batch is done and before its results are handed back.
    """

    def __init__(
        self,
        handlers: Mapping[str, Handler],
        worker: str,
        on_done: Callable[[], None],
        on_enter: Callable[[list[Job]], None] = _nobody_watches,
        on_leave: Callable[[], None] = lambda: None,
    ) -> None:
        self._handlers = handlers
        self._worker = worker
        self._on_done = on_done
        self._on_enter = on_enter
        self._on_leave = on_leave
        self._cond = threading.Condition()
        self._pending: collections.deque[list[Job]] = collections.deque()
        self._done: collections.deque[list[Result]] = collections.deque()
        self._busy = False  # a batch is being run
        self._inside: Optional[list[Job]] = None  # the jobs inside the handler now
        self._entered = 0.0  # when they went in (monotonic)
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="ferry-handler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, batch: list[Job]) -> None:
        with self._cond:
            self._pending.append(batch)
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()

    def running(self) -> tuple[Optional[list[Job]], float]:
        """The jobs inside the handler now (or None) and when they went in (monotonic)."""
        with self._cond:
            return self._inside, self._entered

    def idle(self) -> bool:
        with self._cond:
            return not self._busy and not self._pending and not self._done

    def take_queued(self, ids: Optional[set[str]] = None) -> list[Job]:
        """Removes queued (not started) jobs — those in `ids`, or all — and returns them."""
        with self._cond:
            taken: list[Job] = []
            kept: collections.deque[list[Job]] = collections.deque()
            for batch in self._pending:
                rest = [j for j in batch if ids is not None and j.key not in ids]
                taken.extend(j for j in batch if ids is None or j.key in ids)
                if rest:
                    kept.append(rest)
            self._pending = kept
            return taken

    def take_done(self) -> list[Result]:
        with self._cond:
            results = [r for batch in self._done for r in batch]
            self._done.clear()
            return results

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                batch = self._pending.popleft()
                self._busy = True
            results = self._run(batch)
            self._on_leave()
            with self._cond:
                self._busy, self._inside = False, None
                self._done.append(results)
            self._on_done()

    def _enter(self, jobs: list[Job]) -> None:
        with self._cond:
            self._inside, self._entered = jobs, time.monotonic()
        self._on_enter(jobs)

    def _run(self, batch: list[Job]) -> list[Result]:
        handler = self._handlers.get(batch[0].type)
        if handler is None:
            message = f"this worker has no handler for job type {batch[0].type!r}"
            return [error_result(j.key, ErrorCode.INTERNAL.value, message, self._worker) for j in batch]
        return run_batch(handler, batch, self._worker, self._enter)
