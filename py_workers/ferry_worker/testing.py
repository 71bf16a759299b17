"""Run a handler module's handlers in-process, with no broker and no sockets, to unit-test them.

    from ferry_worker.testing import StubWorker

    def test_an_odd_number_is_refused() -> None:
        with StubWorker("my_handlers.py", config={"model": "small"}) as worker:
            first, second = worker.run("parity", [2, 3])
        assert first.ok and first.value == "even"
        assert second.error.code == "INVALID_ARGUMENT"

A StubWorker loads the module as `python3 -m ferry_worker --handlers` does, cuts the payloads
into the batches a worker process makes, runs them through the worker's own runner, and sends
the results through the wire codec: what comes back is what the broker would read.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import msgpack

from ferry_worker import arrays
from ferry_worker.codec import decode, pack_frames
from ferry_worker.errors import ConfigError
from ferry_worker.handler import (
    FunctionHandler,
    Handler,
    announced_batching,
    checked_handlers,
    find_handlers,
    load_module,
)
from ferry_worker.job import Job
from ferry_worker.protocol import MAX_BATCH, Command, is_retryable
from ferry_worker.runner import Result, batches, run_batch

HandlerSource = Union[str, ModuleType, Iterable[Union[Handler, type]]]

__all__ = ["JobFailure", "JobResult", "StubWorker", "run_jobs"]


@dataclass(frozen=True)
class JobFailure:
    """A failed job's error, as the broker reads it from RESULTS."""

    code: str  # e.g. INVALID_ARGUMENT, HANDLER_ERROR, RETRY, INTERNAL
    message: str
    traceback: Optional[str]  # the handler's traceback, when it raised
    retry_after_ms: Optional[int]  # set for RETRY
    worker: str  # the worker name the error carries

    @property
    def retryable(self) -> bool:
        """Whether the broker would run the job again (attempts permitting)."""
        return is_retryable(self.code)


@dataclass(frozen=True)
class JobResult:
    """One job's result: `value` when ok, `error` when not; `wire` is the decoded record."""

    id: str
    ok: bool
    value: Any  # the decoded result (None when the job failed)
    error: Optional[JobFailure]
    ms: Optional[float]  # the handler time the worker measured
    wire: Mapping[str, Any]  # the result record exactly as decoded from the RESULTS frames

    @classmethod
    def from_wire(cls, record: Mapping[str, Any]) -> "JobResult":
        error = record.get("error")
        failure = None if error is None else JobFailure(
            error["code"], error["message"], error.get("traceback"),
            error.get("retry_after_ms"), error.get("worker", ""))
        value = None
        if record["ok"] and "result" in record:
            value = msgpack.unpackb(record["result"], raw=False, strict_map_key=False,
                                    ext_hook=arrays.ext_hook)
        return cls(record["id"], record["ok"], value, failure, record.get("ms"), record)


class StubWorker:
    """One worker process's handling, in the calling thread.

    `handlers` is what `--handlers` takes (a module name or a .py path), a module, or a list of
    Handler instances or classes. `config` is what `--handler-config` passes to setup(), which
    also gets `worker` and `process_index` (0). Use it as a context manager, or call `setup()`
    and `teardown()` yourself.
    """

    def __init__(self, handlers: HandlerSource, config: Optional[Mapping[str, Any]] = None,
                 worker: str = "stub:0") -> None:
        found = _handlers_of(handlers)
        self.handlers: dict[str, Handler] = {h.job_type: h for h in found}
        self.worker = worker
        self.config: dict[str, Any] = dict(config or {}, worker=worker, process_index=0)
        self.calls: list[list[str]] = []  # the job ids of each handler call, in order
        self._ids = itertools.count()

    def __enter__(self) -> "StubWorker":
        self.setup()
        return self

    def __exit__(self, *_: Any) -> None:
        self.teardown()

    def setup(self) -> None:
        """Runs every handler's setup(config) once, as a worker process does before READY."""
        for item in self.handlers.values():
            item.setup(self.config)

    def teardown(self) -> None:
        """Runs every handler's teardown(), as a process leaving cleanly does."""
        for item in self.handlers.values():
            item.teardown()

    def announced(self) -> list[dict[str, Any]]:
        """The `types` records this worker would announce in READY (its batching)."""
        return [announced_batching(h) for h in self.handlers.values()]

    def run(self, job_type: str, payloads: Sequence[Any], *, attempt: int = 1,
            timeout_ms: Optional[int] = None, ids: Optional[Sequence[str]] = None,
            batch_size: Optional[int] = None) -> list[JobResult]:
        """One result per payload, in order, exactly as RESULTS would carry them.

        The payloads are cut into batches of the handler's max_batch_size (or `batch_size`, at
        most that, as a broker may send fewer). A Retry is reported, not followed: run the job
        again with `attempt=2` to see what the next attempt does. `timeout_ms` reaches
        `job.timeout_ms` but is not enforced here.
        """
        handler = self._handler(job_type)
        jobs = self._jobs(job_type, payloads, attempt, timeout_ms, ids)
        results: list[Result] = []
        for batch in batches(jobs, _batch_size(handler, batch_size)):
            results.extend(run_batch(handler, batch, self.worker, self._entered))
        return [JobResult.from_wire(record) for record in _through_the_wire(results)]

    def run_one(self, job_type: str, payload: Any, **options: Any) -> JobResult:
        """The result of one job (see `run` for the options)."""
        return self.run(job_type, [payload], **options)[0]

    def _handler(self, job_type: str) -> Handler:
        handler = self.handlers.get(job_type)
        if handler is None:
            raise ConfigError(f"no handler for job type {job_type!r}; these handlers serve "
                              f"{sorted(self.handlers)}")
        return handler

    def _jobs(self, job_type: str, payloads: Sequence[Any], attempt: int,
              timeout_ms: Optional[int], ids: Optional[Sequence[str]]) -> list[Job]:
        if ids is not None and len(ids) != len(payloads):
            raise ValueError(f"{len(ids)} ids for {len(payloads)} payloads; give one id each")
        names = list(ids) if ids is not None else [f"job-{next(self._ids)}" for _ in payloads]
        return [Job(name, job_type, _pack(payload, i), attempt, timeout_ms)
                for i, (name, payload) in enumerate(zip(names, payloads))]

    def _entered(self, jobs: list[Job]) -> None:
        self.calls.append([job.id for job in jobs])


def run_jobs(handlers: HandlerSource, job_type: str, payloads: Sequence[Any],
             config: Optional[Mapping[str, Any]] = None, **options: Any) -> list[JobResult]:
    """Sets the handlers up, runs the payloads (see StubWorker.run), tears them down."""
    with StubWorker(handlers, config) as worker:
        return worker.run(job_type, payloads, **options)


def _handlers_of(source: HandlerSource) -> list[Handler]:
    """The handlers a worker would serve, found and checked the same way."""
    if isinstance(source, str):
        return find_handlers(load_module(source))
    if isinstance(source, ModuleType):
        return find_handlers(source)
    return checked_handlers("StubWorker", [_named(item) for item in source])


def _named(item: Union[Handler, type]) -> tuple[str, Any, Handler]:
    """(name, item, instance) of a Handler class, a Handler instance or an @handler function."""
    if isinstance(item, FunctionHandler):
        return item.fn.__name__, item, item
    if isinstance(item, Handler):
        return type(item).__name__, item, item
    if isinstance(item, type) and issubclass(item, Handler) and item.job_type:
        return item.__name__, item, item()
    raise TypeError(f"StubWorker: {item!r} is not a ferry_worker.Handler class with a job_type, "
                    "a Handler instance or an @ferry_worker.handler function")


def _batch_size(handler: Handler, asked: Optional[int]) -> int:
    if asked is None:
        return handler.max_batch_size
    if not 1 <= asked <= handler.max_batch_size:
        raise ValueError(f"batch_size {asked} for {handler.job_type!r}: a broker sends between 1 "
                         f"and the handler's max_batch_size ({handler.max_batch_size}) jobs")
    return asked


def _pack(payload: Any, index: int) -> bytes:
    try:
        return msgpack.packb(payload, use_bin_type=True, default=arrays.pack_default)
    except Exception as exc:  # noqa: BLE001 - any packer failure: say which payload
        raise ValueError(f"payload {index} cannot be encoded as MessagePack, so no producer "
                         f"could submit it: {exc}") from exc


def _through_the_wire(results: list[Result]) -> list[Mapping[str, Any]]:
    """Encodes the results as a worker sends them and decodes them as the broker reads them."""
    records: list[Mapping[str, Any]] = []
    for start in range(0, len(results), MAX_BATCH):
        frames = pack_frames(Command.RESULTS, {"results": results[start:start + MAX_BATCH]})
        records.extend(decode(frames).body["results"])
    return records
