"""Poison jobs (segfault, os._exit, raise, hang, crash once) fail alone; their neighbours do not pay."""

from __future__ import annotations

import json
import pathlib
import random

import numpy as np

import onnx_models
from conftest import read_output
from native_service import model_entry, write_worker_file

HANDLERS = pathlib.Path(__file__).resolve().parent / "handlers"
POISON_KINDS = ("segv", "exit", "raise", "hang")

# The last error a poison job of each kind must end with: its own cause (code, and text one of
# whose alternatives its message holds: a hang is timed out by the broker or by its own process).
OWN_CAUSE = {
    "segv": ("WORKER_LOST", ("signal 11",)),
    "exit": ("WORKER_LOST", ("exited with code 7",)),
    "raise": ("HANDLER_ERROR", ("cannot be read",)),
    "hang": ("TIMEOUT", ("ran past its limit", "handler still running")),
    "abort": ("WORKER_LOST", ("signal 6",)),  # a native worker process under FERRY_NATIVE_FAULT
}


def poison_pipeline(job_type: str, processes: int, timeout_s: int, batch: int) -> str:
    return f"""
broker:
  producers_endpoint: tcp://127.0.0.1:0
  workers_endpoint: tcp://127.0.0.1:0
  heartbeat_ms: 1000
job_types:
  default: {{max_attempts: 3, timeout_s: {timeout_s}, backoff: {{initial_ms: 10, max_ms: 50}},
             batch: {{max_size: {batch}, max_delay_ms: 2}}}}
input: {{type: {job_type}}}
producer: {{window: 2000, progress_interval_s: 1}}
workers:
  - handlers: {HANDLERS / "poison.py"}
    processes: {processes}
"""


def write_kinds(path: pathlib.Path, kinds: list[str]) -> dict[str, str]:
    """One job per kind, ids in order; returns id -> kind."""
    by_id = {f"job-{i:04d}": kind for i, kind in enumerate(kinds)}
    with path.open("w") as out:
        for n, (job_id, kind) in enumerate(by_id.items()):
            out.write(json.dumps({"id": job_id, "payload": {"kind": kind, "n": n}}) + "\n")
    return by_id


def check_outcomes(records: list[dict], kinds: dict[str, str], max_attempts: int) -> None:
    """Poison jobs end failed with their own cause; every other job ends ok, charged once at most."""
    assert [r["id"] for r in records] == list(kinds)
    for record in records:
        kind = kinds[record["id"]]
        if kind in OWN_CAUSE:
            code, texts = OWN_CAUSE[kind]
            assert record["status"] == "failed", record
            assert record["error"]["code"] == code, record
            assert any(text in record["error"]["message"] for text in texts), record
            assert record["attempts"] == max_attempts, record
        else:
            assert record["status"] == "ok", record
            assert record["attempts"] <= (2 if kind == "ok" else 3), record


def test_a_segfault_job_fails_alone_and_its_prefetched_neighbour_is_not_charged(
        run_ferry, tmp_path: pathlib.Path) -> None:
    kinds = write_kinds(tmp_path / "jobs.jsonl", ["segv", "ok"])
    (tmp_path / "p.yaml").write_text(poison_pipeline("poison.one", 1, 10, 1))
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl",
                     timeout=55)
    assert done.returncode == 3, done.stderr
    records = read_output(tmp_path / "out.jsonl")
    check_outcomes(records, kinds, max_attempts=3)
    assert records[1]["attempts"] == 1
    assert all(c["code"] == "WORKER_LOST" and "signal 11" in c["message"]
               for c in records[0]["causes"])


def test_a_poison_mix_in_batches_fails_only_the_poison_jobs_each_with_its_own_cause(
        run_ferry, tmp_path: pathlib.Path) -> None:
    kinds = ["ok"] * 280 + [k for k in (*POISON_KINDS, "crash_once") for _ in range(4)]
    random.Random(7).shuffle(kinds)
    by_id = write_kinds(tmp_path / "jobs.jsonl", kinds)
    (tmp_path / "p.yaml").write_text(poison_pipeline("poison.batch", 2, 1, 8))
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl",
                     timeout=55)
    assert done.returncode == 3, done.stderr
    records = read_output(tmp_path / "out.jsonl")
    check_outcomes(records, by_id, max_attempts=3)
    assert sum(r["status"] == "failed" for r in records) == 16


def test_the_start_method_of_a_pool_comes_from_the_pipeline_file(run_ferry, tmp_path) -> None:
    kinds = write_kinds(tmp_path / "jobs.jsonl", ["ok", "crash_once", "ok"])
    config = poison_pipeline("poison.one", 1, 10, 1) + "    start_method: spawn\n    log_level: info\n"
    (tmp_path / "p.yaml").write_text(config)
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl", timeout=55)
    assert done.returncode == 0, done.stderr
    assert "starting 1 worker processes (spawn)" in done.stderr
    check_outcomes(read_output(tmp_path / "out.jsonl"), kinds, max_attempts=3)


def test_an_unknown_start_method_is_refused_with_its_place(run_ferry, tmp_path) -> None:
    (tmp_path / "p.yaml").write_text("workers:\n  - handlers: x.py\n    start_method: vfork\n")
    done = run_ferry("run", "p.yaml")
    assert done.returncode == 2
    assert "p.yaml:3:19" in done.stderr and "start_method" in done.stderr and "spawn" in done.stderr


def native_poison_pipeline(tmp_path: pathlib.Path, processes: int) -> str:
    """A native pool on the logits model, one job per forward pass (max_batch 1): a job whose
    payload has the key "abort" makes its process abort() inside the forward step."""
    model = onnx_models.write_logits_model(tmp_path / "logits.onnx")
    worker = write_worker_file(tmp_path / "worker.yaml", model_entry(
        "poison.native", model, "[{field: features, shape: [4]}]",
        "[{tensor: logits, fields: {label: argmax}}]", max_batch=1), processes=processes)
    return f"""
broker:
  producers_endpoint: tcp://127.0.0.1:0
  workers_endpoint: tcp://127.0.0.1:0
  heartbeat_ms: 1000
job_types:
  default: {{max_attempts: 3, timeout_s: 10, backoff: {{initial_ms: 10, max_ms: 50}},
             batch: {{max_size: 1, max_delay_ms: 2}}}}
input: {{type: poison.native}}
producer: {{window: 2000, progress_interval_s: 1}}
workers:
  - native: {worker}
"""


def write_native_kinds(path: pathlib.Path, kinds: list[str]) -> dict[str, str]:
    """One job per kind ("ok" or "abort"), ids in order; returns id -> kind."""
    by_id = {f"job-{i:04d}": kind for i, kind in enumerate(kinds)}
    rows = np.random.default_rng(3).normal(size=(len(kinds), 4))
    with path.open("w") as out:
        for row, (job_id, kind) in zip(rows, by_id.items()):
            payload = {"features": row.tolist(), **({kind: True} if kind != "ok" else {})}
            out.write(json.dumps({"id": job_id, "payload": payload}) + "\n")
    return by_id


def test_a_native_crash_job_fails_alone_and_its_prefetched_neighbour_is_not_charged(
        run_ferry, tmp_path: pathlib.Path, monkeypatch) -> None:
    kinds = write_native_kinds(tmp_path / "jobs.jsonl", ["abort", "ok"])
    (tmp_path / "p.yaml").write_text(native_poison_pipeline(tmp_path, 1))
    monkeypatch.setenv("FERRY_NATIVE_FAULT", "crash:abort")  # run_ferry passes it to the pool
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl",
                     timeout=55)
    assert done.returncode == 3, done.stderr
    records = read_output(tmp_path / "out.jsonl")
    check_outcomes(records, kinds, max_attempts=3)
    assert records[1]["attempts"] == 1
    assert all(c["code"] == "WORKER_LOST" and "signal 6" in c["message"]
               for c in records[0]["causes"])


def test_one_native_crash_job_among_many_fails_alone_and_no_other_job_is_charged(
        run_ferry, tmp_path: pathlib.Path, monkeypatch) -> None:
    kinds = ["ok"] * 199 + ["abort"]
    random.Random(5).shuffle(kinds)
    by_id = write_native_kinds(tmp_path / "jobs.jsonl", kinds)
    (tmp_path / "p.yaml").write_text(native_poison_pipeline(tmp_path, 2))
    monkeypatch.setenv("FERRY_NATIVE_FAULT", "crash:abort")
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl",
                     timeout=55)
    assert done.returncode == 3, done.stderr
    records = read_output(tmp_path / "out.jsonl")
    check_outcomes(records, by_id, max_attempts=3)
    [poison] = [r for r in records if by_id[r["id"]] == "abort"]
    assert len(poison["causes"]) == 3 and all(c["code"] == "WORKER_LOST" for c in poison["causes"])
    charged = [r for r in records if by_id[r["id"]] == "ok" and r["attempts"] != 1]
    assert not charged, charged
