"""Runs batches through handlers: on a thread of its own (the session thread keeps the socket),
or on the calling thread (`run_here`, the session's inline path for fast handlers).

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
_packb = msgpack.packb
_arrays_out = arrays.pack_default  # numpy arrays and scalars in results
Result = dict[str, Any]
Timing = tuple[str, int, float]  # (job type, jobs in the call, seconds the call took)


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
    if not isinstance(out, (_Failure, BaseException)):  # the usual case: one check, then pack
        try:
            packed = _packb(out, use_bin_type=True, default=_arrays_out)
            return {"id": job.key, "ok": True, "result": packed, "ms": ms}
        except Exception as exc:  # noqa: BLE001
            message = f"result of job {job.id!r} cannot be encoded as MessagePack: {exc}"
            return error_result(job.key, ErrorCode.INTERNAL.value, message, worker, ms=ms)
    tb: Optional[str] = None
    if isinstance(out, _Failure):
        out, tb = out.exc, out.text
    if isinstance(out, Retry):
        return error_result(job.key, ErrorCode.RETRY.value, out.message, worker,
                            retry_after_ms=max(0, out.delay_ms), ms=ms)
    if isinstance(out, JobError):
        return error_result(job.key, out.code, out.message, worker, traceback=out.traceback or tb, ms=ms)
    message = f"{type(out).__name__}: {out}"  # any other exception, returned or raised
    return error_result(job.key, ErrorCode.HANDLER_ERROR.value, message, worker, traceback=tb,
                        ms=ms)


class Runner:
    """Holds the jobs not started yet and runs them, one handler call at a time in the process.

    Jobs wait in a queue per type and are cut into batches of up to max_batch_size only when
    the handler is free, so a batch takes every job of its type that has arrived by then. The
    handler thread takes the batches of handlers that run there as soon as it is free (no
    hand-off through the session); the session takes those of inline handlers (`take_inline`)
    and runs them itself (`run_here`).

    `on_enter(jobs)` runs on the calling thread before each handler call with the jobs it gets,
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
        self._lock = threading.Lock()  # guards everything below; plain `with` is C-level
        self._cond = threading.Condition(self._lock)  # only to wait and notify
        self._queue: dict[str, collections.deque[Job]] = {}  # not started yet, by type
        self._inline: set[str] = set()  # job types whose batches the session runs itself
        self._done: collections.deque[list[Result]] = collections.deque()
        self._timings: list[Timing] = []  # one per batch the thread ran, taken with the results
        self._busy = False  # a batch is being run (here or on the thread)
        self._inside: Optional[list[Job]] = None  # the jobs inside the handler now
        self._entered = 0.0  # when they went in (monotonic)
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="ferry-handler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def add(self, jobs: list[Job]) -> None:
        """Queues jobs; the handler thread wakes if one of them is its to run."""
        with self._lock:
            queue, wake = self._queue, False
            for job in jobs:
                waiting = queue.get(job.type)
                if waiting is None:
                    waiting = queue[job.type] = collections.deque()
                waiting.append(job)
                wake = wake or job.type not in self._inline
            if wake and not self._busy:
                self._cond.notify()

    def set_inline(self, job_type: str, inline: bool) -> None:
        """Moves a job type's future batches to the session (True) or the handler thread."""
        with self._lock:
            if inline:
                self._inline.add(job_type)
            else:
                self._inline.discard(job_type)
                self._cond.notify()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._cond.notify()

    def running(self) -> tuple[Optional[list[Job]], float]:
        """The jobs inside the handler now (or None) and when they went in (monotonic)."""
        with self._lock:
            return self._inside, self._entered

    def idle(self) -> bool:
        with self._lock:
            return not self._busy and not self._queue and not self._done

    def inline_ready(self) -> bool:
        """Whether `take_inline` would give a batch now."""
        with self._lock:
            return not self._busy and any(t in self._inline for t in self._queue)

    def take_inline(self) -> Optional[list[Job]]:
        """The next batch of an inline handler, marked running, or None (busy or none queued)."""
        with self._lock:
            return self._take(inline=True)

    def take_queued(self, ids: Optional[set[str]] = None) -> list[Job]:
        """Removes queued (not started) jobs — those in `ids`, or all — and returns them."""
        with self._lock:
            taken: list[Job] = []
            for job_type in list(self._queue):
                waiting = self._queue[job_type]
                taken.extend(j for j in waiting if ids is None or j.key in ids)
                kept = collections.deque(j for j in waiting if ids is not None and j.key not in ids)
                if kept:
                    self._queue[job_type] = kept
                else:
                    del self._queue[job_type]
            return taken

    def take_done(self) -> tuple[list[Result], list[Timing]]:
        """The results of the batches finished since the last call, and the thread's timings."""
        with self._lock:
            results = [r for batch in self._done for r in batch]
            timings = self._timings
            self._done.clear()
            self._timings = []
            return results, timings

    def run_here(self, batch: list[Job]) -> float:
        """Runs a batch from `take_inline` on the calling thread; returns the call's seconds.

        The caller records the timing itself (it is not in `take_done`'s timings).
        """
        timed = self._timed(batch)
        self._finish(batch, timed, record=False)
        return timed[1]

    def _take(self, inline: bool) -> Optional[list[Job]]:
        """Cuts the next batch for the session (inline) or the thread; caller holds _cond."""
        if self._busy:
            return None
        for job_type, waiting in self._queue.items():
            if (job_type in self._inline) is inline:
                handler = self._handlers.get(job_type)
                size = handler.max_batch_size if handler else len(waiting)
                batch = [waiting.popleft() for _ in range(min(size, len(waiting)))]
                if not waiting:
                    del self._queue[job_type]
                self._busy = True
                return batch
        return None

    def _loop(self) -> None:
        while True:
            with self._cond:
                batch = None
                while not self._stopping and (batch := self._take(inline=False)) is None:
                    self._cond.wait()
                if self._stopping:
                    return
            self._finish(batch, self._timed(batch))
            self._on_done()

    def _timed(self, batch: list[Job]) -> tuple[list[Result], float]:
        started = time.perf_counter()
        results = self._run(batch)
        return results, time.perf_counter() - started

    def _finish(self, batch: list[Job], timed: tuple[list[Result], float],
                record: bool = True) -> None:
        self._on_leave()
        with self._lock:
            self._busy, self._inside = False, None
            self._done.append(timed[0])
            if record:
                self._timings.append((batch[0].type, len(batch), timed[1]))
            if not record and any(t not in self._inline for t in self._queue):
                self._cond.notify()  # the thread has work now that the inline call is over

    def _enter(self, jobs: list[Job]) -> None:
        with self._lock:
            self._inside, self._entered = jobs, time.monotonic()
        self._on_enter(jobs)

    def _run(self, batch: list[Job]) -> list[Result]:
        handler = self._handlers.get(batch[0].type)
        if handler is None:
            message = f"this worker has no handler for job type {batch[0].type!r}"
            return [error_result(j.key, ErrorCode.INTERNAL.value, message, self._worker) for j in batch]
        return run_batch(handler, batch, self._worker, self._enter)
