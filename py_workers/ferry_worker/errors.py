"""Ferry's Python exceptions: one root, FerryError, and the per-job signals handlers raise."""

from __future__ import annotations

from typing import Optional

from ferry_worker.protocol import DecodeErrorName, ErrorCode


class FerryError(Exception):
    """Root of every exception ferry_worker raises on purpose."""


class ConfigError(FerryError):
    """Bad command-line flags or a handler module that cannot be used (exit code 2)."""


class DecodeError(FerryError):
    """Bytes from the network that are not a valid FJP/1 message.

    `name` is one of protocol.yaml's decode_errors, `detail` says what and where.
    """

    def __init__(self, name: DecodeErrorName, detail: str) -> None:
        super().__init__(f"{name.value}: {detail}")
        self.name = name
        self.detail = detail


class JobError(FerryError):
    """Fails one job with a protocol error code (raise it, or return it in slot i)."""

    def __init__(self, code: str, message: str, traceback: Optional[str] = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = str(code.value if isinstance(code, ErrorCode) else code)
        self.message = message
        self.traceback = traceback


class Retry(FerryError):
    """Asks the broker to run this job again after `delay_ms` (error code RETRY)."""

    def __init__(self, delay_ms: int = 1000, message: str = "handler asked for a retry") -> None:
        super().__init__(f"retry after {delay_ms} ms: {message}")
        self.delay_ms = int(delay_ms)
        self.message = message

