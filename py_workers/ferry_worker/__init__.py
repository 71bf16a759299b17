"""ferry_worker: the Python side of Ferry — write handlers, serve them with a worker pool."""

from ferry_worker.errors import ConfigError, DecodeError, FerryError, JobError, Retry
from ferry_worker.handler import Handler, handler
from ferry_worker.job import Job
from ferry_worker.protocol import ErrorCode
from ferry_worker.version import VERSION

__all__ = [
    "ConfigError", "DecodeError", "ErrorCode", "FerryError", "Handler", "Job", "JobError",
    "Retry", "handler",
]
__version__ = VERSION  # the release; ferry_worker.version.version_line() adds protocol and commit
