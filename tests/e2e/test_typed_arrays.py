"""Typed arrays through `ferry run`: input.arrays packs JSON lists, handlers see numpy arrays,
numpy results come back as JSON lists, values that do not fit are bad records with file:line."""

from __future__ import annotations

import collections
import json
import pathlib

from conftest import REPO, pipeline_yaml, read_output
from test_digits_pipeline import DEBIAN_PYTHON, digits_pipeline_yaml, run_script

ARRAYS_HANDLER = REPO / "tests" / "e2e" / "handlers" / "arrays.py"


def write_lines(path: pathlib.Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def arrays_yaml(on_invalid: str) -> str:
    text = pipeline_yaml(str(ARRAYS_HANDLER), "test.arrays")
    text = text.replace("input: {type: test.arrays}",
                        f"input: {{type: test.arrays, on_invalid: {on_invalid}, "
                        "arrays: {grid: int16}}")
    return text.replace("    processes: 2\n", f"    processes: 2\n    python: {DEBIAN_PYTHON}\n")


def test_a_declared_field_reaches_the_handler_as_numpy_and_numpy_results_render_as_lists(
        run_ferry, tmp_path: pathlib.Path) -> None:
    write_lines(tmp_path / "jobs.jsonl", [
        {"id": "a", "payload": {"grid": [[1, 2, 3], [4, 5, -6]]}},
        {"id": "b", "payload": {"grid": [7]}},
        {"id": "bad", "payload": {"grid": [1, 40000]}},
    ])
    (tmp_path / "p.yaml").write_text(arrays_yaml("skip"))
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl")
    assert done.returncode == 3, done.stderr  # 3: the run finished with failed jobs
    records = {r["id"]: r for r in read_output(tmp_path / "out.jsonl")}
    assert records["a"]["result"] == {"dtype": "int16", "shape": [2, 3], "writeable": False,
                                      "half": [[0.5, 1.0, 1.5], [2.0, 2.5, -3.0]], "total": 9}
    assert records["b"]["result"]["half"] == [3.5]
    assert records["bad"]["status"] == "failed"
    assert records["bad"]["error"]["code"] == "INVALID_ARGUMENT"
    assert records["bad"]["error"]["message"].endswith(
        'jobs.jsonl:3: payload field "grid" (declared int16 in input.arrays): element [1] is '
        "40000, out of range for int16 (-32768..32767)")


def test_a_value_that_does_not_fit_stops_the_run_before_anything_is_submitted(
        run_ferry, tmp_path: pathlib.Path) -> None:
    write_lines(tmp_path / "jobs.jsonl", [{"id": "a", "payload": {"grid": [1, 2]}},
                                          {"id": "b", "payload": {"grid": [[1, 2], [3]]}}])
    (tmp_path / "p.yaml").write_text(arrays_yaml("fail"))
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl")
    assert done.returncode == 2, done.stderr
    assert ('jobs.jsonl:2: payload field "grid" (declared int16 in input.arrays): ragged lists: '
            "element [1] has 1 items, the first list at that depth has 2") in done.stderr


def test_digits_with_pixels_as_a_uint8_array_are_labelled_like_the_json_lists(
        run_ferry, tmp_path: pathlib.Path, monkeypatch) -> None:
    models = tmp_path / "models"
    run_script("train.py", "--model-dir", str(models))
    run_script("make_input.py", "--count", "300", "--output", str(tmp_path / "jobs.jsonl"))
    with (tmp_path / "jobs.jsonl").open("a") as jobs:  # a bad image fails alone
        jobs.write(json.dumps({"id": "short", "payload": {"pixels": [1, 2, 3]}, "label": 0}) + "\n")
    yaml_text = digits_pipeline_yaml().replace(
        "input: {type: digits.classify}", "input: {type: digits.classify, arrays: {pixels: uint8}}")
    assert "arrays: {pixels: uint8}" in yaml_text
    (tmp_path / "p.yaml").write_text(yaml_text)
    monkeypatch.setenv("FERRY_MODEL_DIR", str(models))
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl")
    assert done.returncode == 3, done.stderr  # 3: the run finished with failed jobs

    inputs = {r["id"]: r["label"] for r in read_output(tmp_path / "jobs.jsonl")}
    records = read_output(tmp_path / "out.jsonl")
    assert collections.Counter(r["id"] for r in records) == collections.Counter(list(inputs))
    by_id = {r["id"]: r for r in records}
    assert by_id.pop("short")["error"]["code"] == "INVALID_ARGUMENT"
    assert all(r["status"] == "ok" for r in by_id.values())
    matched = sum(r["result"]["label"] == inputs[r["id"]] for r in by_id.values())
    assert matched / len(by_id) >= 0.95
