"""Walks MessagePack headers to spot a declared count or length above `limits`.

Used only when unpacking failed: a str or array that declares more than the limits is
TOO_LARGE even when the bytes it declares are missing (the limit is checked first).
"""

from __future__ import annotations

import struct

from ferry_worker.protocol import MAX_BATCH, MAX_STRING_BYTES

# first byte -> (kind, width of the length/count field, or fixed payload size)
_SIZED = {
    0xC4: ("bin", 1), 0xC5: ("bin", 2), 0xC6: ("bin", 4),
    0xD9: ("str", 1), 0xDA: ("str", 2), 0xDB: ("str", 4),
    0xDC: ("array", 2), 0xDD: ("array", 4), 0xDE: ("map", 2), 0xDF: ("map", 4),
    0xC7: ("ext", 1), 0xC8: ("ext", 2), 0xC9: ("ext", 4),
}
_FIXED = {0xCA: 4, 0xCB: 8, 0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8, 0xD0: 1, 0xD1: 2, 0xD2: 4,
          0xD3: 8, 0xD4: 2, 0xD5: 3, 0xD6: 5, 0xD7: 9, 0xD8: 17}
_WIDTH = {1: ">B", 2: ">H", 4: ">I"}


def declares_too_much(data: bytes) -> bool:
    """True when a header in `data` declares a str or container above the limits."""
    pos, pending = 0, 1  # pending: values still to read
    while pending and pos < len(data):
        pending -= 1
        kind, length, pos = _header(data, pos)
        if kind is None:
            return False
        if (kind == "str" and length > MAX_STRING_BYTES) or (
                kind in ("array", "map") and length > MAX_BATCH):
            return True
        if kind == "array":
            pending += length
        elif kind == "map":
            pending += 2 * length
        else:
            pos += length
    return False


def _header(data: bytes, pos: int) -> tuple[object, int, int]:
    """(kind, length, position after the header); kind None when the header is cut short."""
    first = data[pos]
    if first <= 0x7F or first >= 0xE0 or 0xC0 <= first <= 0xC3:
        return "scalar", 0, pos + 1
    if 0xA0 <= first <= 0xBF:
        return "str", first & 0x1F, pos + 1
    if 0x90 <= first <= 0x9F:
        return "array", first & 0x0F, pos + 1
    if 0x80 <= first <= 0x8F:
        return "map", first & 0x0F, pos + 1
    if first in _FIXED:
        return "scalar", _FIXED[first], pos + 1
    kind, width = _SIZED.get(first, (None, 0))
    if kind is None or pos + 1 + width > len(data):
        return None, 0, pos
    (length,) = struct.unpack_from(_WIDTH[width], data, pos + 1)
    extra = 1 if kind == "ext" else 0  # an ext's type byte
    return kind, length + extra, pos + 1 + width
