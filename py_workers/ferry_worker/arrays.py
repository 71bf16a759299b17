"""Typed arrays on the wire: MessagePack ext 0x41 <-> read-only numpy arrays (PROTOCOL.md).

The ext data is a dtype code (1 byte), a rank (1 byte), the shape (rank little-endian uint32s)
and the elements, little-endian, row-major. numpy is optional: it is imported only when an array
arrives or a handler returns one, and a worker without it fails the job with INVALID_ARGUMENT.
"""

from __future__ import annotations

import math
import struct
import sys
from typing import Any

import msgpack

from ferry_worker.errors import JobError
from ferry_worker.protocol import (
    TYPED_ARRAY_DTYPES,
    TYPED_ARRAY_EXT_TYPE,
    TYPED_ARRAY_MAX_RANK,
    ErrorCode,
)

EXT_TYPE = TYPED_ARRAY_EXT_TYPE  # ASCII 'A'
MAX_RANK = TYPED_ARRAY_MAX_RANK  # the wire's nesting limit
FIXED_HEADER = 2  # dtype code and rank
# protocol.yaml's dtype name families -> numpy's dtype.kind letter.
_KIND_LETTERS: dict[str, str] = {"int": "i", "uint": "u", "float": "f"}


def _dtype_text(name: str) -> str:
    """numpy's dtype string of a protocol dtype name, little-endian: "uint16" -> "<u2"."""
    if name == "bool":
        return "|b1"
    family = name.rstrip("0123456789")
    size = int(name[len(family):]) // 8
    order = "|" if size == 1 else "<"
    return f"{order}{_KIND_LETTERS[family]}{size}"


# Wire code -> numpy dtype string (explicit byte order: little-endian on every host).
DTYPES: dict[int, str] = {code: _dtype_text(name) for code, name in TYPED_ARRAY_DTYPES.items()}
# numpy's dtype.kind + itemsize ("u1", "f4") -> wire code, whatever the byte order.
_CODES: dict[str, int] = {text[1:]: code for code, text in DTYPES.items()}


def _invalid(message: str) -> JobError:
    return JobError(ErrorCode.INVALID_ARGUMENT, message)


def _numpy() -> Any:
    try:
        import numpy
    except ImportError as exc:
        raise _invalid(
            "the payload holds a typed array (MessagePack ext 0x41), which needs numpy, and "
            "numpy cannot be imported in this worker's Python; install numpy (Debian: "
            f"python3-numpy) for it ({exc})") from exc
    return numpy


def problem(data: bytes) -> str:
    """What is wrong with typed-array ext data, or "" when it is well formed."""
    if len(data) < FIXED_HEADER:
        return f"{len(data)} bytes, shorter than the 2-byte header"
    code, rank = data[0], data[1]
    if code not in DTYPES:
        return f"unknown dtype code {code}"
    if rank > MAX_RANK:
        return f"rank {rank} is above the limit of {MAX_RANK}"
    header = FIXED_HEADER + 4 * rank
    if len(data) < header:
        return f"{len(data)} bytes, shorter than the header of rank {rank} ({header})"
    shape = struct.unpack_from(f"<{rank}I", data, FIXED_HEADER)
    need = math.prod(shape) * int(DTYPES[code][2])
    if len(data) - header != need:
        return (f"{len(data) - header} element bytes where shape and "
                f"{TYPED_ARRAY_DTYPES[code]} need {need}")
    return ""


def decode(data: bytes) -> Any:
    """A read-only numpy array viewing `data` (no copy of the elements)."""
    wrong = problem(data)
    if wrong:
        raise _invalid(f"malformed typed array (MessagePack ext 0x41): {wrong}")
    np = _numpy()
    code, rank = data[0], data[1]
    shape = struct.unpack_from(f"<{rank}I", data, FIXED_HEADER)
    header = FIXED_HEADER + 4 * rank
    count = math.prod(shape)
    if count == 0:
        empty = np.empty(shape, dtype=DTYPES[code])
        empty.flags.writeable = False
        return empty
    return np.frombuffer(data, dtype=DTYPES[code], count=count, offset=header).reshape(shape)


def ext_hook(code: int, data: bytes) -> Any:
    """msgpack.unpackb's ext_hook: typed arrays become numpy arrays, other exts stay ExtType."""
    if code != EXT_TYPE:
        return msgpack.ExtType(code, data)
    return decode(data)


def encode(array: Any) -> msgpack.ExtType:
    """The typed-array ext of a numpy array (copied once, into the ext's bytes)."""
    np = sys.modules["numpy"]
    dtype = array.dtype
    key = f"{dtype.kind}{dtype.itemsize}"
    if key not in _CODES:
        raise TypeError(f"numpy array of dtype {dtype} cannot be sent as a typed array; use "
                        "bool, int8..int64, uint8..uint64 or float16/32/64")
    if array.ndim > MAX_RANK:
        raise TypeError(f"numpy array of rank {array.ndim} is above the limit of {MAX_RANK}")
    little = np.ascontiguousarray(array, dtype=dtype.newbyteorder("<"))
    header = struct.pack(f"<BB{array.ndim}I", _CODES[key], array.ndim, *array.shape)
    return msgpack.ExtType(EXT_TYPE, header + little.tobytes())


def pack_default(value: Any) -> Any:
    """msgpack.packb's default: numpy arrays as typed arrays, numpy scalars as plain numbers."""
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(value, np.ndarray):
            return encode(value)
        if isinstance(value, np.generic):
            return value.item()
    raise TypeError(f"can not serialize {type(value).__name__!r} object")
