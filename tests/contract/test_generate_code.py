"""schemas/generate_code.py: a field added to protocol.yaml reaches every generated file."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
sys.path.insert(0, str(SCHEMAS))

import generate_code  # noqa: E402  (lives in schemas/, not a package)


def _spec_with(record: str, field: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(yaml.safe_load((SCHEMAS / "protocol.yaml").read_text()))
    spec["records"][record].append(field)
    return spec


def test_a_new_optional_record_field_reaches_struct_binding_table_and_python() -> None:
    field = {"name": "cost_units", "type": "uint", "required": False, "doc": "what it cost"}
    files = generate_code.rendered(_spec_with("outcome", field))
    structs = files["wire/include/ferry/wire/generated/message_structs.hpp"]
    assert "std::optional<std::uint64_t> cost_units; // what it cost" in structs
    assert "bind<FieldForm::plain>(&T::cost_units)" in structs
    assert '{"cost_units", "uint", false},' in files["wire/include/ferry/wire/generated/protocol_tables.hpp"]
    assert 'Field("cost_units", "uint", False),' in files["py_workers/ferry_worker/protocol.py"]


def test_a_new_str_field_of_a_borrowed_record_takes_its_string_type() -> None:
    field = {"name": "region", "type": "str", "required": True}
    structs = generate_code.rendered(_spec_with("job", field))[
        "wire/include/ferry/wire/generated/message_structs.hpp"
    ]
    job = structs[structs.index("struct BasicJob {"):]
    assert "    S region;" in job[: job.index("};")]



def _spec_with_dtype(code: int, name: str) -> dict[str, Any]:
    spec = copy.deepcopy(yaml.safe_load((SCHEMAS / "protocol.yaml").read_text()))
    spec["typed_array"]["dtypes"].append({"code": code, "name": name})
    return spec


def test_a_new_typed_array_dtype_reaches_the_cpp_enum_and_rows_and_python() -> None:
    files = generate_code.rendered(_spec_with_dtype(13, "int128"))
    tables = files["wire/include/ferry/wire/generated/protocol_tables.hpp"]
    assert "    int128 = 13," in tables
    assert '{ArrayDtype::int128, "int128", 16, DtypeKind::signed_int},' in tables
    assert "std::array<ArrayDtypeRow, 13> array_dtype_rows" in tables
    assert '    13: "int128",' in files["py_workers/ferry_worker/protocol.py"]


def test_a_typed_array_ext_type_change_reaches_both_languages() -> None:
    spec = copy.deepcopy(yaml.safe_load((SCHEMAS / "protocol.yaml").read_text()))
    spec["typed_array"]["ext_type"] = 66
    files = generate_code.rendered(spec)
    tables = files["wire/include/ferry/wire/generated/protocol_tables.hpp"]
    assert "inline constexpr std::int8_t typed_array_ext_type = 0x42;" in tables
    assert "TYPED_ARRAY_EXT_TYPE = 0x42" in files["py_workers/ferry_worker/protocol.py"]


def test_a_dtype_name_without_an_element_size_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match=r"typed_array\.dtypes: no element size for 'complex'"):
        generate_code.rendered(_spec_with_dtype(13, "complex"))
