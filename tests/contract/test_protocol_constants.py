"""ferry_worker.protocol agrees with schemas/protocol.yaml, the single source of the wire."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ferry_worker import protocol
from ferry_worker.protocol import COMMAND_FIELDS, RECORDS, Command

try:
    import yaml
except ImportError as exc:  # a missing PyYAML must fail the contract, never skip it
    raise ImportError(
        "tests/contract needs PyYAML to read schemas/protocol.yaml: "
        "apt-get install python3-yaml (scripts/install-deps.sh installs it)"
    ) from exc

SPEC_PATH = Path(__file__).resolve().parents[2] / "schemas" / "protocol.yaml"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())


def _fields(items: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    return [(f["name"], f["type"], bool(f["required"])) for f in items]


def test_signature_version_and_header_size_match(spec: dict[str, Any]) -> None:
    assert protocol.SIGNATURE == spec["protocol"]["signature"].encode()
    assert protocol.VERSION == spec["protocol"]["version"]
    assert protocol.HEADER_BYTES == spec["protocol"]["header_bytes"]


def test_every_command_has_the_same_code(spec: dict[str, Any]) -> None:
    assert {c["name"]: c["code"] for c in spec["commands"]} == {c.name: int(c) for c in Command}


def test_every_command_lists_the_same_fields_in_encoder_order(spec: dict[str, Any]) -> None:
    for command in spec["commands"]:
        ours = [tuple(f) for f in COMMAND_FIELDS[Command[command["name"]]]]
        assert ours == _fields(command["fields"]), command["name"]


def test_every_record_and_the_error_fields_match(spec: dict[str, Any]) -> None:
    expected = {name: _fields(items) for name, items in spec["records"].items()}
    expected["error"] = _fields(spec["error_fields"])
    assert {name: [tuple(f) for f in fields] for name, fields in RECORDS.items()} == expected


def test_error_codes_and_their_retryability_match(spec: dict[str, Any]) -> None:
    assert [c["name"] for c in spec["error_codes"]] == [c.value for c in protocol.ErrorCode]
    for code in spec["error_codes"]:
        assert protocol.is_retryable(code["name"]) is code["retryable"], code["name"]


def test_unknown_error_codes_are_not_retryable() -> None:
    assert not protocol.is_retryable("SOMETHING_NEW")


def test_decode_error_names_match(spec: dict[str, Any]) -> None:
    assert [e["name"] for e in spec["decode_errors"]] == [e.value for e in protocol.DecodeErrorName]


def test_limits_match(spec: dict[str, Any]) -> None:
    limits = spec["limits"]
    assert protocol.MAX_BATCH == limits["max_batch"]
    assert protocol.MAX_STRING_BYTES == limits["max_string_bytes"]
    assert protocol.MAX_DEPTH == limits["max_depth"]
    assert protocol.DEFAULT_MAX_PAYLOAD_BYTES == limits["default_max_payload_bytes"]


def test_the_contract_fails_rather_than_skips_when_pyyaml_is_missing(tmp_path: Path) -> None:
    blocker = tmp_path / "sitecustomize.py"  # runs first in the child: PyYAML cannot be imported
    blocker.write_text("import sys\nsys.modules['yaml'] = None\n")
    env = {"PYTHONPATH": f"{tmp_path}:{Path(protocol.__file__).resolve().parents[1]}"}
    child = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__,
         "-k", "limits_match"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert child.returncode != 0, child.stdout
    assert "needs PyYAML" in child.stdout
    assert "skipped" not in child.stdout
