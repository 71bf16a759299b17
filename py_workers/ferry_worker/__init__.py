"""ferry_worker: the Python side of Ferry — write handlers, serve them with a worker pool."""

from ferry_worker.errors import ConfigError, DecodeError, FerryError, JobError, Retry
from ferry_worker.handler import Handler, handler
from ferry_worker.job import Job
from ferry_worker.protocol import ErrorCode
from ferry_worker.version import VERSION as __version__

__all__ = [
    "ConfigError", "DecodeError", "ErrorCode", "FerryError", "Handler", "Job", "JobError",
    "Retry", "handler",
]
