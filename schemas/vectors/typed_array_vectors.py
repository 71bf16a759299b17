"""Golden typed-array values (protocol.yaml `typed_array`), built with struct and msgpack only.

Valid cases: {"name", "dtype", "values" (nested JSON lists), "msgpack" (hex of the ext value)};
an encoder given dtype and values writes exactly these bytes, a decoder reads them back as the
values (shape = the nesting of the lists). Malformed cases: {"name", "msgpack", "error"}: a
receiver refuses the value with that text (C++ renders it, Python raises JobError).
"""
import struct

import msgpack

FORMATS = {"bool": "?", "int8": "b", "uint8": "B", "int16": "h", "uint16": "H", "int32": "i",
           "uint32": "I", "int64": "q", "uint64": "Q", "float16": "e", "float32": "f",
           "float64": "d"}


def shape_of(values) -> list:
    shape = []
    while isinstance(values, list):
        shape.append(len(values))
        if not values:
            break
        values = values[0]
    return shape


def flat(values) -> list:
    if not isinstance(values, list):
        return [values]
    return [x for v in values for x in flat(v)]


def ext(protocol: dict, data: bytes) -> str:
    return msgpack.packb(msgpack.ExtType(protocol["ext_type"], data)).hex()


def valid(protocol: dict, name: str, dtype: str, values) -> dict:
    codes = {d["name"]: d["code"] for d in protocol["dtypes"]}
    shape = shape_of(values)
    elements = flat(values) if shape else [values]
    data = struct.pack(f"<BB{len(shape)}I", codes[dtype], len(shape), *shape)
    data += struct.pack(f"<{len(elements)}{FORMATS[dtype]}", *elements)
    return {"name": name, "dtype": dtype, "values": values, "msgpack": ext(protocol, data)}


def malformed(protocol: dict, name: str, data: bytes, error: str) -> dict:
    return {"name": name, "msgpack": ext(protocol, data), "error": error}


def cases(protocol: dict) -> list:
    p = protocol["typed_array"]
    return [
        valid(p, "bool_rank1", "bool", [True, False, True]),
        valid(p, "int8_limits", "int8", [-128, 0, 127]),
        valid(p, "uint8_digit_row", "uint8", [0, 16, 255, 7]),
        valid(p, "int16_rank2", "int16", [[1, -2, 3], [-4, 5, -6]]),
        valid(p, "uint16_limits", "uint16", [0, 65535]),
        valid(p, "int32_limits", "int32", [-2147483648, 2147483647]),
        valid(p, "uint32_limits", "uint32", [0, 4294967295]),
        valid(p, "int64_limits", "int64", [-9223372036854775808, 9223372036854775807]),
        valid(p, "uint64_limits", "uint64", [0, 18446744073709551615]),
        valid(p, "float16_exact", "float16", [1.0, -2.5, 0.0]),
        valid(p, "float32_rank3", "float32", [[[0.5, -1.0]], [[2.25, 65536.0]]]),
        valid(p, "float64_values", "float64", [0.1, -1e+300, 3.0]),
        valid(p, "empty_rank1", "uint8", []),
        valid(p, "empty_rows", "float32", [[], []]),
        malformed(p, "shorter_than_header", b"\x03", "1 bytes, shorter than the 2-byte header"),
        malformed(p, "unknown_dtype", b"\x63\x01\x01\x00\x00\x00\x00", "unknown dtype code 99"),
        malformed(p, "dtype_zero", b"\x00\x00\x00", "unknown dtype code 0"),
        malformed(p, "rank_above_limit", b"\x03\x21", "rank 33 is above the limit of 32"),
        malformed(p, "shape_truncated", b"\x03\x02\x01\x00\x00\x00",
                  "6 bytes, shorter than the header of rank 2 (10)"),
        malformed(p, "elements_missing", b"\x06\x01\x02\x00\x00\x00\x01\x00\x00\x00",
                  "4 element bytes where shape and int32 need 8"),
        malformed(p, "elements_extra", b"\x03\x01\x01\x00\x00\x00\x01\x02",
                  "2 element bytes where shape and uint8 need 1"),
    ]
