"""The Python codec against the golden vectors in schemas/vectors/ (shared with the C++ suite)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import msgpack
import pytest

from ferry_worker.codec import decode, encode
from ferry_worker.errors import DecodeError
from ferry_worker.protocol import Command

VECTORS = Path(__file__).resolve().parents[2] / "schemas" / "vectors"


def _cases(kind: str) -> list[Any]:
    """Every case of every vector file of a kind: 'valid', 'canonical' (valid and encodable to
    exactly its bytes) or 'invalid'. An unreadable vector file or an empty set is an error."""
    found = []
    for path in sorted(VECTORS.glob("*.json")):
        for case in json.loads(path.read_text()):
            invalid = "error" in case
            wanted = invalid if kind == "invalid" else not invalid and (
                kind == "valid" or bool(case.get("canonical")))
            if wanted:
                ident = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{path.stem}-{case.get('name', '?')}")
                found.append(pytest.param(case, id=ident))
    assert found, f"no {kind} vectors in {VECTORS}"
    return found


def _frames(case: dict[str, Any]) -> list[bytes]:
    return [bytes.fromhex(frame) for frame in case["frames"]]


def _to_json_form(value: Any, key: str = "") -> Any:
    """Our decoded value in the vectors' JSON form ({"msgpack": hex} for embedded values)."""
    if key == "status":
        return {"msgpack": msgpack.packb(value, use_bin_type=True).hex()}
    if isinstance(value, bytes):
        return {"msgpack": value.hex()}
    if isinstance(value, dict):
        return {k: _to_json_form(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json_form(v) for v in value]
    return value


def _from_json_form(value: Any, key: str = "") -> Any:
    """The vectors' JSON form back to what our encoder takes."""
    if isinstance(value, dict) and set(value) == {"msgpack"}:
        raw = bytes.fromhex(value["msgpack"])
        return msgpack.unpackb(raw, raw=False) if key == "status" else raw
    if isinstance(value, dict):
        return {k: _from_json_form(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json_form(v) for v in value]
    return value


def _normalise_status(value: Any) -> Any:
    """STATUS_REPLY's map: compare decoded contents, since a noncanonical header may widen."""
    if isinstance(value, dict) and "status" in value:
        raw = bytes.fromhex(value["status"]["msgpack"])
        return dict(value, status=msgpack.unpackb(raw, raw=False, strict_map_key=False))
    return value


@pytest.mark.parametrize("case", _cases("valid"))
def test_every_valid_vector_decodes_to_its_value(case: dict[str, Any]) -> None:
    message = decode(_frames(case))
    assert message.command is Command[case["command"]]
    assert _normalise_status(_to_json_form(dict(message.body))) == _normalise_status(case["value"])


@pytest.mark.parametrize("case", _cases("canonical"))
def test_every_canonical_vector_encodes_to_exactly_its_bytes(case: dict[str, Any]) -> None:
    frames = encode(Command[case["command"]], _from_json_form(case["value"]))
    assert [f.hex() for f in frames] == case["frames"]


@pytest.mark.parametrize("case", _cases("invalid"))
def test_every_invalid_vector_reports_its_decode_error(case: dict[str, Any]) -> None:
    with pytest.raises(DecodeError) as caught:
        decode(_frames(case))
    assert caught.value.name.value == case["error"], caught.value.detail


def test_decoding_then_encoding_round_trips_every_command() -> None:
    bodies = {
        Command.READY: {"worker": "h:1", "host": "h", "pid": 1,
                        "types": [{"type": "echo", "max_batch": 4}], "credit": 8,
                        "heartbeat_ms": 100},
        Command.RESULTS: {"results": [{"id": "a", "ok": True, "result": b"\x01", "ms": 1.5},
                                      {"id": "b", "ok": False,
                                       "error": {"code": "RETRY", "message": "m",
                                                 "retry_after_ms": 5}}], "credit": 0},
        Command.EXITED: {"worker": "h:2", "signal": 11, "rss_mb": 120, "reason": "segv",
                         "running": ["c\x1fj1"]},
        Command.HEARTBEAT: {},
    }
    for command, body in bodies.items():
        assert dict(decode(encode(command, body)).body) == body
