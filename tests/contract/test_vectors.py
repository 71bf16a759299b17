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
    """(file, case) pairs of every vector file; `kind` is 'valid' or 'invalid' by content."""
    found = []
    for path in sorted(VECTORS.glob("*.json")) if VECTORS.is_dir() else []:
        try:
            cases = json.loads(path.read_text())
        except (OSError, ValueError):
            continue  # a half-written file must not break collection
        for case in cases if isinstance(cases, list) else []:
            if isinstance(case, dict) and ("error" in case) == (kind == "invalid"):
                ident = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{path.stem}-{case.get('name', '?')}")
                found.append(pytest.param(case, id=ident))
    if not found:
        found.append(pytest.param(None, id="no_vectors_yet",
                                  marks=pytest.mark.skip(reason="schemas/vectors/ has no cases")))
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


@pytest.mark.parametrize("case", _cases("valid"))
def test_every_canonical_vector_encodes_to_exactly_its_bytes(case: dict[str, Any]) -> None:
    if not case.get("canonical"):
        pytest.skip("non-canonical: decode-only")
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
        Command.EXITED: {"worker": "h:2", "signal": 11, "rss_mb": 120, "reason": "segv"},
        Command.HEARTBEAT: {},
    }
    for command, body in bodies.items():
        assert dict(decode(encode(command, body)).body) == body
