"""The worker's typed-array codec against schemas/vectors/values/typed_arrays.json (shared with
the C++ producer's tests): decode to the values, encode to the bytes, refuse malformed data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgpack
import numpy as np
import pytest
import yaml

from ferry_worker import JobError, arrays

ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((ROOT / "schemas" / "vectors" / "values" / "typed_arrays.json").read_text())
VALID = [c for c in CASES if "error" not in c]
MALFORMED = [c for c in CASES if "error" in c]


def test_the_vector_file_has_cases_of_both_kinds() -> None:
    assert len(VALID) >= 12 and len(MALFORMED) >= 5


@pytest.mark.parametrize("case", VALID, ids=[c["name"] for c in VALID])
def test_a_valid_vector_decodes_to_its_values_and_encodes_to_its_bytes(case: Any) -> None:
    packed = bytes.fromhex(case["msgpack"])
    decoded = msgpack.unpackb(packed, ext_hook=arrays.ext_hook)
    assert decoded.dtype == np.dtype(case["dtype"])
    assert decoded.tolist() == case["values"]
    original = np.array(case["values"], dtype=case["dtype"])
    assert msgpack.packb(original, default=arrays.pack_default) == packed


@pytest.mark.parametrize("case", MALFORMED, ids=[c["name"] for c in MALFORMED])
def test_a_malformed_vector_is_refused_with_its_message(case: Any) -> None:
    with pytest.raises(JobError) as caught:
        msgpack.unpackb(bytes.fromhex(case["msgpack"]), ext_hook=arrays.ext_hook)
    assert caught.value.code == "INVALID_ARGUMENT"
    assert caught.value.message.endswith(": " + case["error"])


def test_the_worker_dtype_table_is_the_one_protocol_yaml_gives() -> None:
    spec = yaml.safe_load((ROOT / "schemas" / "protocol.yaml").read_text())["typed_array"]
    assert spec["ext_type"] == arrays.EXT_TYPE and spec["max_rank"] == arrays.MAX_RANK
    assert {d["code"]: np.dtype(d["name"]) for d in spec["dtypes"]} == \
        {code: np.dtype(text) for code, text in arrays.DTYPES.items()}
