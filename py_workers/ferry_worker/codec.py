"""FJP/1 codec: two frames (header, MessagePack body) to a Message and back.

Decoding never trusts the bytes: every failure is a DecodeError carrying one of protocol.yaml's
decode_errors names, so the session can log and drop a bad message instead of crashing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence, Union

import msgpack

from ferry_worker.bounds import declares_too_much
from ferry_worker.errors import DecodeError
from ferry_worker.protocol import (
    COMMAND_FIELDS,
    HEADER_BYTES,
    MAX_BATCH,
    MAX_DEPTH,
    MAX_STRING_BYTES,
    RECORDS,
    SIGNATURE,
    VERSION,
    Command,
    DecodeErrorName,
    Field,
)

Frame = Union[bytes, bytearray, memoryview]
_E = DecodeErrorName
_HEADERS = {cmd: SIGNATURE + bytes([VERSION, cmd]) for cmd in Command}
_COMMANDS = {int(cmd): cmd for cmd in Command}


@dataclass(frozen=True)
class Message:
    """One decoded message: its command and its body (known fields only, wire types)."""

    command: Command
    body: Mapping[str, Any]


def header(command: Command) -> bytes:
    """The 7-byte header frame of `command`."""
    return _HEADERS[command]


def pack_frames(command: Command, body: Mapping[str, Any]) -> list[bytes]:
    """Fast path: frames of a body whose fields are already in canonical order."""
    return [_HEADERS[command], msgpack.packb(body, use_bin_type=True)]


def encode(command: Command, body: Mapping[str, Any]) -> list[bytes]:
    """Frames of `body`, fields re-ordered as protocol.yaml lists them, absent ones (None) omitted."""
    return pack_frames(command, _canonical(body, COMMAND_FIELDS[command]))


def _canonical(value: Mapping[str, Any], fields: Sequence[Field]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in fields:
        item = value.get(field.name)
        if item is not None:
            out[field.name] = _canonical_value(item, field.type)
    return out


def _canonical_value(value: Any, type_: str) -> Any:
    if type_.startswith("list<"):
        inner = type_[5:-1]
        return [_canonical_value(item, inner) for item in value]
    if type_ in RECORDS:
        return _canonical(value, RECORDS[type_])
    if type_ == "float":
        return float(value)
    return value


def decode(frames: Sequence[Frame]) -> Message:
    """Decodes the two frames after the routing envelope; raises DecodeError on bad bytes."""
    if len(frames) != 2:
        raise DecodeError(_E.BAD_FRAMES, f"expected 2 frames (header, body), got {len(frames)}")
    command = _read_header(bytes(frames[0]))
    body = _unpack(frames[1])
    if type(body) is not dict:
        raise DecodeError(_E.WRONG_TYPE, f"{command.name} body: expected map, got {_kind(body)}")
    if command is Command.JOBS and _plain_jobs(body):
        return Message(command, body)
    return Message(command, _check_record(body, COMMAND_FIELDS[command], command.name, 1))


def _plain_jobs(body: dict[Any, Any]) -> bool:
    """True for a JOBS body exactly as brokers write it (job fields only, all well typed).

    Why: the general checker costs several calls per field, most of a worker's per-job
    decoding time. Anything else (absent, extra or mistyped fields) returns False, and the
    general checker then names the error, so the errors are the same as without this path.
    """
    jobs = body.get("jobs")
    if len(body) != 1 or type(jobs) is not list:
        return False
    for job in jobs:
        if type(job) is not dict or not 4 <= len(job) <= 5:
            return False
        attempt = job.get("attempt")
        if (type(job.get("id")) is not str or type(job.get("type")) is not str
                or type(job.get("payload")) is not bytes or type(attempt) is not int
                or attempt < 0):
            return False
        if len(job) == 5:
            limit = job.get("timeout_ms")
            if type(limit) is not int or limit < 0:
                return False
    return True


def _read_header(frame: bytes) -> Command:
    if len(frame) != HEADER_BYTES or frame[:5] != SIGNATURE:
        raise DecodeError(_E.BAD_SIGNATURE, f"header {frame[:16].hex()} is not FERRY+version+command")
    if frame[5] != VERSION:
        raise DecodeError(_E.VERSION_MISMATCH, f"peer speaks version {frame[5]}, we speak {VERSION}")
    command = _COMMANDS.get(frame[6])
    if command is None:
        raise DecodeError(_E.UNKNOWN_COMMAND, f"command byte 0x{frame[6]:02x} is not in the table")
    return command


def _unpack(frame: Frame) -> Any:
    try:
        return msgpack.unpackb(
            frame,
            raw=False,
            strict_map_key=False,
            max_str_len=MAX_STRING_BYTES,
            max_array_len=MAX_BATCH,
            max_map_len=MAX_BATCH,
        )
    except msgpack.StackError as exc:
        raise DecodeError(_E.TOO_LARGE, "body nests deeper than the unpacker allows") from exc
    except ValueError as exc:
        if "exceeds max_" in str(exc) or declares_too_much(bytes(frame)):
            raise DecodeError(_E.TOO_LARGE, f"body: {exc}") from exc
        raise DecodeError(_E.MALFORMED, f"body is not one MessagePack value: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - any unpacker failure is bad bytes, never a crash
        raise DecodeError(_E.MALFORMED, f"body is not one MessagePack value: {exc!r}") from exc


def _check_record(
    value: dict[Any, Any], fields: Sequence[Field], where: str, depth: int
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    missing = ""
    for field in fields:
        item = value.get(field.name)
        if item is None:
            missing = missing or (field.name if field.required else "")
            continue
        out[field.name] = _check_value(item, field.type, f"{where}.{field.name}", depth + 1)
    if missing:  # reported after wrong types, as the vectors order them
        raise DecodeError(_E.MISSING_FIELD, f"{where}: required field '{missing}' is absent")
    if len(value) > len(out):
        _check_extra_keys(value, out, where, depth)
    return out


def _check_extra_keys(value: dict[Any, Any], known: dict[str, Any], where: str, depth: int) -> None:
    """Unknown keys are ignored, but they must still be str keys within the depth limit."""
    for key, item in value.items():
        if type(key) is not str:
            raise DecodeError(_E.WRONG_TYPE, f"{where}: map key {key!r} is not a str")
        if key not in known:
            _check_depth(item, depth + 1, f"{where}.{key}")


def _check_depth(value: Any, depth: int, where: str) -> None:
    if depth > MAX_DEPTH and type(value) in (dict, list):
        raise DecodeError(_E.TOO_LARGE, f"{where}: nesting deeper than {MAX_DEPTH}")
    if type(value) is dict:
        for item in value.values():
            _check_depth(item, depth + 1, where)
    elif type(value) is list:
        for item in value:
            _check_depth(item, depth + 1, where)


def _check_value(value: Any, type_: str, where: str, depth: int) -> Any:
    checker = _SCALARS.get(type_)
    if checker is not None:
        if not checker(value):
            raise DecodeError(_E.WRONG_TYPE, f"{where}: expected {type_}, got {_kind(value)}")
        return value
    if type_.startswith("list<"):
        if type(value) is not list:
            raise DecodeError(_E.WRONG_TYPE, f"{where}: expected array, got {_kind(value)}")
        inner = type_[5:-1]
        return [_check_value(item, inner, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    if type(value) is not dict:
        raise DecodeError(_E.WRONG_TYPE, f"{where}: expected map, got {_kind(value)}")
    if type_ == "map":
        _check_extra_keys(value, {}, where, depth)
        return value
    return _check_record(value, RECORDS[type_], where, depth)


_SCALARS = {
    "str": lambda v: type(v) is str,
    "bin": lambda v: type(v) is bytes,
    "msgpack": lambda v: type(v) is bytes,
    "uint": lambda v: type(v) is int and v >= 0,
    "int": lambda v: type(v) is int,
    "float": lambda v: type(v) is float,
    "bool": lambda v: type(v) is bool,
}


def _kind(value: Any) -> str:
    names = {str: "str", bytes: "bin", int: "int", float: "float", bool: "bool", list: "array"}
    if value is None:
        return "nil"
    return names.get(type(value), "map" if isinstance(value, dict) else type(value).__name__)
