"""Typed arrays: ext 0x41 decodes to read-only numpy views, numpy results encode back."""

from __future__ import annotations

import struct
import sys
from typing import Any

import msgpack
import numpy as np
import pytest

import ferry_worker
from ferry_worker import Job, JobError, arrays
from ferry_worker.testing import run_jobs


def ext(code: int, shape: tuple[int, ...], elements: bytes) -> bytes:
    """A packed payload holding one typed array, built by hand from the documented layout."""
    header = struct.pack(f"<BB{len(shape)}I", code, len(shape), *shape)
    return msgpack.packb(msgpack.ExtType(arrays.EXT_TYPE, header + elements))


def test_a_uint8_array_decodes_to_a_read_only_view_of_the_message_bytes() -> None:
    job = Job("1", "t", msgpack.packb({"pixels": msgpack.ExtType(
        0x41, b"\x03\x02\x02\x00\x00\x00\x03\x00\x00\x00" + bytes(range(6)))}))
    pixels = job.payload["pixels"]
    assert pixels.dtype == np.uint8 and pixels.shape == (2, 3)
    assert pixels.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert not pixels.flags.writeable
    base = pixels
    while isinstance(base, np.ndarray):  # the view chain ends at the ext's bytes: no copy
        base = base.base
    assert isinstance(base, bytes) and len(base) == 16


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32",
                                   "int64", "uint64", "float16", "float32", "float64"])
def test_every_dtype_survives_encode_and_decode(dtype: str) -> None:
    original = (np.arange(12) % 2 == 1) if dtype == "bool" else np.arange(12).astype(dtype)
    original = original.reshape(3, 4)
    packed = msgpack.packb(original, default=arrays.pack_default)
    back = msgpack.unpackb(packed, ext_hook=arrays.ext_hook)
    assert back.dtype == original.dtype and back.shape == (3, 4)
    assert np.array_equal(back, original)


def test_big_endian_and_strided_arrays_are_sent_little_endian_and_contiguous() -> None:
    strided = np.arange(10, dtype=">i4")[::2]
    data = arrays.encode(strided).data
    assert data == b"\x06\x01\x05\x00\x00\x00" + np.arange(0, 10, 2, dtype="<i4").tobytes()


def test_numpy_scalars_encode_as_plain_numbers() -> None:
    packed = msgpack.packb([np.float32(1.5), np.int64(7), np.bool_(True)],
                           default=arrays.pack_default)
    assert msgpack.unpackb(packed) == [1.5, 7, True]


def test_other_ext_types_are_left_as_ext_values() -> None:
    packed = msgpack.packb(msgpack.ExtType(5, b"xyz"))
    assert msgpack.unpackb(packed, ext_hook=arrays.ext_hook) == msgpack.ExtType(5, b"xyz")


@pytest.mark.parametrize("data, message", [
    (b"\x03", "1 bytes, shorter than the 2-byte header"),
    (b"\x63\x00\x00", "unknown dtype code 99"),
    (b"\x03\x21", "rank 33 is above the limit of 32"),
    (b"\x03\x02\x01\x00\x00\x00", "6 bytes, shorter than the header of rank 2 (10)"),
    (b"\x06\x01\x02\x00\x00\x00\x01\x00\x00\x00", "4 element bytes where shape and int32 need 8"),
])
def test_malformed_array_data_fails_the_job_with_invalid_argument(data: bytes, message: str) -> None:
    job = Job("1", "t", msgpack.packb(msgpack.ExtType(0x41, data)))
    with pytest.raises(JobError) as caught:
        job.payload
    assert caught.value.code == "INVALID_ARGUMENT"
    assert caught.value.message == f"malformed typed array (MessagePack ext 0x41): {message}"


def test_a_worker_without_numpy_fails_an_array_job_naming_numpy(monkeypatch: Any) -> None:
    monkeypatch.setitem(sys.modules, "numpy", None)  # `import numpy` now raises ImportError
    job = Job("1", "t", ext(3, (2,), b"\x01\x02"))
    with pytest.raises(JobError) as caught:
        job.payload
    assert caught.value.code == "INVALID_ARGUMENT"
    assert "numpy" in caught.value.message and "python3-numpy" in caught.value.message


def test_an_unsupported_numpy_dtype_is_a_clear_type_error() -> None:
    with pytest.raises(TypeError, match="complex128 cannot be sent as a typed array"):
        msgpack.packb(np.zeros(2, dtype=complex), default=arrays.pack_default)


class Doubles(ferry_worker.Handler):
    """Returns each job's array doubled, as float32, and its sum as a numpy scalar."""

    job_type = "arrays.double"
    max_batch_size = 4

    def handle(self, jobs: list[Job]) -> list[Any]:
        out: list[Any] = []
        for job in jobs:
            try:
                values = job.payload["values"]
            except JobError as error:  # a bad array fails its own job only
                out.append(error)
                continue
            out.append({"doubled": (values * 2).astype(np.float32), "sum": values.sum()})
        return out


def test_a_handler_takes_numpy_payloads_and_returns_numpy_results_through_run_jobs() -> None:
    payloads = [{"values": np.array([[1, 2], [3, 4]], dtype=np.int16)},
                {"values": msgpack.ExtType(0x41, b"\x63\x00")}]
    good, bad = run_jobs([Doubles], "arrays.double", payloads)
    assert good.ok and good.value["doubled"].dtype == np.float32
    assert good.value["doubled"].tolist() == [[2.0, 4.0], [6.0, 8.0]]
    assert good.value["sum"] == 10 and type(good.value["sum"]) is int
    assert not bad.ok and bad.error.code == "INVALID_ARGUMENT"
    assert "unknown dtype code 99" in bad.error.message
