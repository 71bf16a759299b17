"""The handler API: a class form for batched models and a function form for one-job handlers.

    class Classify(ferry_worker.Handler):
        job_type = "digits.classify"
        max_batch_size = 64                   # jobs in one handle() call, at most
        max_delay_ms = 5                      # how long a partial batch may wait to fill
        def setup(self, config): ...          # once per process: load the model
        def handle(self, jobs): ...           # list in, list of the same length and order out

    @ferry_worker.handler("echo")
    def echo(job):
        return job.payload
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
import traceback
from types import ModuleType
from typing import Any, Callable, Iterable, Mapping, Optional

from ferry_worker.errors import ConfigError
from ferry_worker.job import Job


class Handler:
    """Base class of a batch handler; subclass it and set `job_type`.

    `handle` returns one entry per job, in order: a result value (anything MessagePack can
    encode), or a `JobError` / `Retry` instance to fail or retry only that job.

    `max_batch_size` and `max_delay_ms` are announced to the broker in READY: unless the
    pipeline's YAML sets `job_types.<type>.batch`, the broker sends at most `max_batch_size`
    jobs in one batch and lets a partial batch wait at most `max_delay_ms` to fill (None: it
    leaves at once).
    """

    job_type: str = ""
    max_batch_size: int = 1
    max_delay_ms: Optional[int] = None

    def setup(self, config: Mapping[str, Any]) -> None:
        """Called once per process before it announces itself: load the model here."""

    def handle(self, jobs: list[Job]) -> list[Any]:
        """Runs a batch of jobs (all of type `job_type`); returns a list of the same length."""
        raise NotImplementedError(f"{type(self).__name__}.handle is not implemented")

    def teardown(self) -> None:
        """Called once when the process leaves cleanly (drain or recycle)."""


class FunctionHandler(Handler):
    """A handler made from a plain function of one job (see `handler`)."""

    per_job = True  # the runner calls `fn` per job, so an exception fails only that job

    def __init__(self, fn: Callable[[Job], Any], job_type: str, max_batch_size: int,
                 max_delay_ms: Optional[int] = None) -> None:
        self.fn = fn
        self.job_type = job_type
        self.max_batch_size = max_batch_size
        self.max_delay_ms = max_delay_ms
        self.__doc__ = fn.__doc__

    def handle(self, jobs: list[Job]) -> list[Any]:
        return [self.fn(job) for job in jobs]

    def __call__(self, job: Job) -> Any:
        return self.fn(job)


def handler(job_type: str, max_batch_size: int = 1, max_delay_ms: Optional[int] = None
            ) -> Callable[[Callable[[Job], Any]], FunctionHandler]:
    """Decorator: serve `job_type` with a function that takes one Job and returns its result.

    `max_batch_size` and `max_delay_ms` are the batching announced to the broker (see Handler).
    """
    if not job_type or not isinstance(job_type, str):
        raise ConfigError(f"@handler needs a non-empty job type string, got {job_type!r}")

    def wrap(fn: Callable[[Job], Any]) -> FunctionHandler:
        return FunctionHandler(fn, job_type, max_batch_size, max_delay_ms)

    return wrap


def announced_batching(handler: Handler) -> dict[str, Any]:
    """READY's job_type record: the batching the handler asks the broker for."""
    record: dict[str, Any] = {"type": handler.job_type, "max_batch": handler.max_batch_size}
    if handler.max_delay_ms is not None:
        record["max_delay_ms"] = handler.max_delay_ms
    return record


def load_module(spec: str) -> ModuleType:
    """Imports a module by dotted name, or a .py file by path; any failure is a ConfigError
    naming the module and the error (a bad handler module is the user's to fix: exit 2)."""
    if spec.endswith(".py") or os.sep in spec:
        return _load_file(spec)
    try:
        return importlib.import_module(spec)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (spec == exc.name or spec.startswith(exc.name + ".")):
            raise ConfigError(
                f"--handlers {spec}: cannot import it: no module named {exc.name!r}; check the name "
                "or PYTHONPATH"
            ) from exc
        raise _import_failed(spec, exc) from exc
    except Exception as exc:  # noqa: BLE001 - whatever the module raises while it is imported
        raise _import_failed(spec, exc) from exc


def _load_file(spec: str) -> ModuleType:
    path = os.path.abspath(spec)
    if os.path.isdir(path):
        raise ConfigError(f"--handlers {spec}: is a directory; give a .py file or a module name")
    if not os.path.isfile(path):
        raise ConfigError(f"--handlers {spec}: no such file; give a module name or a .py path")
    name = "ferry_handlers_" + os.path.splitext(os.path.basename(path))[0]
    module_spec = importlib.util.spec_from_file_location(name, path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - whatever the file raises while it is imported
        del sys.modules[name]
        raise _import_failed(spec, exc) from exc
    return module


def _import_failed(spec: str, exc: BaseException) -> ConfigError:
    where = ""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename != __file__ and not f.filename.startswith("<")]
    if frames:
        where = f" at {frames[-1].filename}:{frames[-1].lineno}"
    return ConfigError(
        f"--handlers {spec}: cannot import it: {type(exc).__name__}: {exc}{where}; "
        "fix the module (or install what it imports) and start again"
    )


def find_handlers(module: ModuleType) -> list[Handler]:
    """Instances of every handler a module defines: Handler subclasses and @handler functions."""
    named = [(name, value, instance) for name, value in vars(module).items()
             if (instance := _as_handler(value)) is not None]
    return checked_handlers(_module_label(module), named)


def checked_handlers(where: str, named: Iterable[tuple[str, Any, Handler]]) -> list[Handler]:
    """The handlers of (name, value, instance) triples, one per job type, checked.

    Two handlers for one job type are a ConfigError naming both: one would otherwise silently
    replace the other. One handler bound to two names (an alias) counts once.
    """
    found: dict[str, tuple[str, Any, Handler]] = {}  # job type -> (name, value, instance)
    for name, value, instance in named:
        previous = found.get(instance.job_type)
        if previous is not None and previous[1] is not value:
            raise ConfigError(
                f"{where}: two handlers serve job type {instance.job_type!r}: "
                f"{previous[0]} and {name}; keep one, or give each its own job type"
            )
        found.setdefault(instance.job_type, (name, value, instance))
    if not found:
        raise ConfigError(
            f"{where}: no handlers found; define a ferry_worker.Handler subclass "
            "with a job_type, or decorate a function with @ferry_worker.handler(\"type\")"
        )
    handlers = [instance for _, _, instance in found.values()]
    _validate(handlers)
    return handlers


def _module_label(module: ModuleType) -> str:
    """The module's name, and its file when it was loaded from a path."""
    path = getattr(module, "__file__", None)
    if module.__name__.startswith("ferry_handlers_") and path:
        return f"handler module {path}"
    return f"handler module {module.__name__}"


def _as_handler(value: Any) -> Optional[Handler]:
    if isinstance(value, FunctionHandler):
        return value
    if inspect.isclass(value) and issubclass(value, Handler) and value is not FunctionHandler:
        if value.job_type:
            return value()
    return None


def _validate(handlers: Iterable[Handler]) -> None:
    for item in handlers:
        size = item.max_batch_size
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ConfigError(
                f"handler for {item.job_type!r}: max_batch_size must be an int >= 1, got {size!r}"
            )
        delay = item.max_delay_ms
        if delay is not None and (not isinstance(delay, int) or isinstance(delay, bool)
                                  or delay < 0):
            raise ConfigError(
                f"handler for {item.job_type!r}: max_delay_ms must be None or an int >= 0, "
                f"got {delay!r}"
            )
