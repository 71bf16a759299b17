"""The digits model end to end: train, generate held-out jobs, `ferry run`, check accuracy."""

from __future__ import annotations

import collections
import json
import os
import pathlib
import re
import subprocess

from conftest import REPO, read_output

DEBIAN_PYTHON = "/usr/bin/python3"  # has scikit-learn; the python on PATH may not
DIGITS = REPO / "examples" / "digits"
JOBS = 500


def digits_pipeline_yaml() -> str:
    return f"""
broker: {{producers_endpoint: tcp://127.0.0.1:0, workers_endpoint: tcp://127.0.0.1:0, heartbeat_ms: 200}}
job_types:
  digits.classify: {{timeout_s: 30, batch: {{max_size: 64, max_delay_ms: 2}}}}
input: {{type: digits.classify}}
producer: {{window: 2000, progress_interval_s: 1}}
workers:
  - {{handlers: {DIGITS / "handler.py"}, processes: 2, python: {DEBIAN_PYTHON}, heartbeat_ms: 200}}
aggregates:
  - {{name: accuracy, kind: match_rate, result_field: label, input_field: label}}
"""


def run_script(script: str, *args: str) -> None:
    done = subprocess.run([DEBIAN_PYTHON, str(DIGITS / script), *args], capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{script} failed:\n{done.stderr}"


def test_digits_pipeline_answers_every_id_once_with_accuracy_above_95_percent(
        run_ferry, tmp_path: pathlib.Path, monkeypatch) -> None:
    models = tmp_path / "models"
    run_script("train.py", "--model-dir", str(models))
    run_script("make_input.py", "--count", str(JOBS), "--output", str(tmp_path / "jobs.jsonl"))
    (tmp_path / "p.yaml").write_text(digits_pipeline_yaml())
    monkeypatch.setenv("FERRY_MODEL_DIR", str(models))  # run_ferry passes the environment on

    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl",
                     "--summary-json", "summary.json")
    assert done.returncode == 0, done.stderr

    inputs = read_output(tmp_path / "jobs.jsonl")
    records = read_output(tmp_path / "out.jsonl")
    counts = collections.Counter(r["id"] for r in records)
    assert sorted(counts) == sorted(r["id"] for r in inputs)
    assert set(counts.values()) == {1}
    assert all(r["status"] == "ok" for r in records)

    truth = {r["id"]: r["label"] for r in inputs}
    recomputed = sum(r["result"]["label"] == truth[r["id"]] for r in records) / len(records)
    assert recomputed >= 0.95
    assert all(0.0 <= r["result"]["confidence"] <= 1.0 for r in records)

    accuracy = json.loads((tmp_path / "summary.json").read_text())["aggregates"]["accuracy"]
    assert accuracy["count"] == JOBS and accuracy["value"] >= 0.95
    assert accuracy["matched"] == round(recomputed * JOBS)


HELD_OUT_JOBS = 10_000


def labels_of(path: pathlib.Path) -> dict[str, int]:
    return {r["id"]: r["result"]["label"] for r in read_output(path) if r["status"] == "ok"}


def test_the_native_pool_and_the_python_pool_agree_on_the_10000_held_out_demo_jobs(
        run_ferry, tmp_path: pathlib.Path, monkeypatch) -> None:
    """The demo's own files, config/digits.yaml (Python) and config/digits-native.yaml (the MLP
    exported to ONNX, run by `ferry worker`), on the demo's 10,000 jobs."""
    models = tmp_path / "models"
    run_script("train.py", "--model-dir", str(models))
    assert (models / "digits-mlp.onnx").is_file()
    run_script("make_input.py", "--count", str(HELD_OUT_JOBS), "--output",
               str(tmp_path / "jobs.jsonl"))
    monkeypatch.setenv("FERRY_MODEL_DIR", str(models))
    for pool, config in (("python", "digits.yaml"), ("native", "digits-native.yaml")):
        done = run_ferry("run", str(REPO / "config" / config), "--input", "jobs.jsonl",
                         "--output", f"{pool}.jsonl", "--summary-json", f"{pool}-summary.json")
        assert done.returncode == 0, f"{config}:\n{done.stderr}"
    python, native = labels_of(tmp_path / "python.jsonl"), labels_of(tmp_path / "native.jsonl")
    assert len(python) == len(native) == HELD_OUT_JOBS
    agreement = sum(python[k] == native[k] for k in python) / HELD_OUT_JOBS
    assert agreement >= 0.999, f"labels agree on {agreement:.4f}"
    summary = json.loads((tmp_path / "native-summary.json").read_text())
    assert summary["aggregates"]["accuracy"]["value"] >= 0.95


def test_a_native_pool_beside_a_python_pool_shares_one_run(
        run_ferry, tmp_path: pathlib.Path, monkeypatch) -> None:
    models = tmp_path / "models"
    run_script("train.py", "--model-dir", str(models))
    run_script("make_input.py", "--count", str(JOBS * 4), "--output", str(tmp_path / "jobs.jsonl"))
    monkeypatch.setenv("FERRY_MODEL_DIR", str(models))
    worker_file = REPO / "config" / "digits-worker.yaml"
    (tmp_path / "p.yaml").write_text(digits_pipeline_yaml().replace(
        "workers:\n", f"workers:\n  - {{native: {worker_file}, processes: 1}}\n"))

    done = run_ferry("--log-level", "info", "run", "p.yaml", "--input", "jobs.jsonl",
                     "--output", "out.jsonl")
    assert done.returncode == 0, done.stderr
    native_workers = set(re.findall(r"\] (\S+:\d+): registered with broker", done.stderr))
    assert len(native_workers) >= 1, done.stderr
    records = read_output(tmp_path / "out.jsonl")
    assert len(records) == JOBS * 4 and all(r["status"] == "ok" for r in records)
    served_by = collections.Counter(r["worker"] in native_workers for r in records)
    assert served_by[True] > 0 and served_by[False] > 0, served_by
