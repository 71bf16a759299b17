"""FJP/1 constants: the Python mirror of schemas/protocol.yaml (checked by a contract test)."""

from __future__ import annotations

import enum
from typing import NamedTuple

SIGNATURE = b"FERRY"
VERSION = 1
HEADER_BYTES = 7

MAX_BATCH = 65536  # jobs, results, ids or types in one message
MAX_STRING_BYTES = 1048576  # any str field
MAX_DEPTH = 32  # nesting of a body; embedded msgpack values are not inspected
DEFAULT_MAX_PAYLOAD_BYTES = 16777216


class Command(enum.IntEnum):
    """Command byte, the last byte of the header frame."""

    READY = 0x01
    JOBS = 0x02
    RESULTS = 0x03
    HEARTBEAT = 0x04
    DISCONNECT = 0x05
    CANCEL = 0x06
    EXITED = 0x07
    WELCOME = 0x08
    ERROR = 0x0F
    SUBMIT = 0x10
    ACCEPTED = 0x11
    REJECTED = 0x12
    OUTCOMES = 0x13
    HELLO = 0x14
    ACK = 0x15
    STATUS = 0x20
    STATUS_REPLY = 0x21


class Field(NamedTuple):
    """One field of a body or record: name, protocol.yaml type spelling, required."""

    name: str
    type: str
    required: bool


def _f(name: str, type_: str, required: bool = True) -> Field:
    return Field(name, type_, required)


# Records (nested maps), in encoder field order.
RECORDS: dict[str, tuple[Field, ...]] = {
    "job_type": (_f("type", "str"), _f("max_batch", "uint"), _f("max_delay_ms", "uint", False)),
    "job": (
        _f("id", "str"),
        _f("type", "str"),
        _f("payload", "msgpack"),
        _f("attempt", "uint"),
        _f("timeout_ms", "uint", False),
    ),
    "submit_job": (
        _f("id", "str"),
        _f("type", "str"),
        _f("payload", "msgpack"),
        _f("priority", "int", False),
        _f("timeout_ms", "uint", False),
        _f("max_attempts", "uint", False),
    ),
    "result": (
        _f("id", "str"),
        _f("ok", "bool"),
        _f("result", "msgpack", False),
        _f("error", "error", False),
        _f("ms", "float", False),
    ),
    "outcome": (
        _f("id", "str"),
        _f("ok", "bool"),
        _f("result", "msgpack", False),
        _f("error", "error", False),
        _f("attempts", "uint"),
        _f("causes", "list<error>", False),
        _f("ms", "float", False),
        _f("worker", "str", False),
        _f("queue_ms", "float", False),
        _f("handler_ms", "float", False),
    ),
    "error": (
        _f("code", "str"),
        _f("message", "str"),
        _f("traceback", "str", False),
        _f("retry_after_ms", "uint", False),
        _f("worker", "str", False),
    ),
}

# Body fields per command, in encoder field order.
COMMAND_FIELDS: dict[Command, tuple[Field, ...]] = {
    Command.READY: (
        _f("worker", "str"),
        _f("host", "str"),
        _f("pid", "uint"),
        _f("types", "list<job_type>"),
        _f("credit", "uint"),
        _f("heartbeat_ms", "uint"),
    ),
    Command.JOBS: (_f("jobs", "list<job>"),),
    Command.RESULTS: (_f("results", "list<result>"), _f("credit", "uint", False)),
    Command.HEARTBEAT: (),
    Command.DISCONNECT: (_f("reason", "str", False), _f("finished", "bool", False)),
    Command.CANCEL: (_f("ids", "list<str>"), _f("code", "str")),
    Command.EXITED: (
        _f("worker", "str"),
        _f("exit_code", "int", False),
        _f("signal", "uint", False),
        _f("rss_mb", "uint", False),
        _f("reason", "str"),
        _f("running", "list<str>", False),
    ),
    Command.WELCOME: (_f("broker", "str"), _f("heartbeat_ms", "uint"), _f("liveness", "uint")),
    Command.ERROR: (_f("code", "str"), _f("message", "str")),
    Command.SUBMIT: (
        _f("client", "str"),
        _f("session", "str"),
        _f("seq", "uint"),
        _f("jobs", "list<submit_job>"),
    ),
    Command.ACCEPTED: (
        _f("seq", "uint"),
        _f("accepted", "uint"),
        _f("duplicates", "uint"),
        _f("credit", "uint"),
    ),
    Command.REJECTED: (
        _f("seq", "uint"),
        _f("code", "str"),
        _f("message", "str"),
        _f("retry_after_ms", "uint"),
    ),
    Command.OUTCOMES: (_f("outcomes", "list<outcome>"), _f("seq", "uint", False)),
    Command.HELLO: (_f("client", "str"), _f("session", "str"), _f("heartbeat_ms", "uint")),
    Command.ACK: (_f("client", "str"), _f("session", "str"), _f("ranges", "list<uint>")),
    Command.STATUS: (),
    Command.STATUS_REPLY: (_f("status", "map"),),
}


class ErrorCode(str, enum.Enum):
    """Job error codes; the value is the exact wire string."""

    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    TIMEOUT = "TIMEOUT"
    WORKER_LOST = "WORKER_LOST"
    HANDLER_ERROR = "HANDLER_ERROR"
    CANCELLED = "CANCELLED"
    UNAVAILABLE = "UNAVAILABLE"
    INTERNAL = "INTERNAL"
    RETRY = "RETRY"
    QUEUE_FULL = "QUEUE_FULL"
    MALFORMED_MESSAGE = "MALFORMED_MESSAGE"
    VERSION_MISMATCH = "VERSION_MISMATCH"
    CLIENT_IN_USE = "CLIENT_IN_USE"
    JOURNAL_FULL = "JOURNAL_FULL"
    ALREADY_DONE = "ALREADY_DONE"


RETRYABLE: frozenset[str] = frozenset(
    {
        "TIMEOUT",
        "WORKER_LOST",
        "HANDLER_ERROR",
        "UNAVAILABLE",
        "RETRY",
        "QUEUE_FULL",
        "CLIENT_IN_USE",
        "JOURNAL_FULL",
    }
)


def is_retryable(code: str) -> bool:
    """Whether a failed attempt with `code` is run again; unknown codes count as INTERNAL."""
    return code in RETRYABLE


class DecodeErrorName(str, enum.Enum):
    """What a decoder reports for bytes it cannot accept (protocol.yaml decode_errors)."""

    BAD_FRAMES = "BAD_FRAMES"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    VERSION_MISMATCH = "VERSION_MISMATCH"
    UNKNOWN_COMMAND = "UNKNOWN_COMMAND"
    MALFORMED = "MALFORMED"
    WRONG_TYPE = "WRONG_TYPE"
    MISSING_FIELD = "MISSING_FIELD"
    TOO_LARGE = "TOO_LARGE"
