"""Multi-stage pipelines end to end: fan-out, streaming stages, failures per branch, exact resume.

The pipeline splits each input sentence into words (stage `split`), then measures each word
(stage `measure`, `for_each: words`): one output record per sentence holding one result per word.
"""

from __future__ import annotations

import collections
import json
import os
import pathlib
import random
import signal
import subprocess

import pytest

from broker_service import Service, kill_when_written, service_factory
from conftest import REPO, read_output
from processes import line_count, wait_for

HANDLERS = pathlib.Path(__file__).resolve().parent / "handlers" / "stages.py"

STAGES = """
stages:
  - name: split
    type: stages.split
  - name: measure
    type: stages.measure
    for_each: words
    payload: {word: item.word}
"""


def stage_yaml(extra: str = "", stages: str = STAGES, window: int = 500) -> str:
    return f"""
broker:
  producers_endpoint: tcp://127.0.0.1:0
  workers_endpoint: tcp://127.0.0.1:0
  heartbeat_ms: 200
job_types:
  default: {{max_attempts: 2, backoff: {{initial_ms: 10, max_ms: 50}}}}
{stages}
producer: {{window: {window}, progress_interval_s: 1}}
workers:
  - handlers: {HANDLERS}
    processes: 2
    heartbeat_ms: 200
{extra}"""


def write_sentences(path: pathlib.Path, count: int, ms: int = 0, seed: int = 3) -> dict[str, list[str]]:
    """count sentences of 0-5 words; returns id -> words."""
    rng = random.Random(seed)
    sentences = {}
    with path.open("w") as out:
        for i in range(count):
            words = [f"w{i}x{k}" + "a" * rng.randint(0, 4) for k in range(rng.randint(0, 5))]
            sentences[f"s{i:04d}"] = words
            payload = {"text": " ".join(words), "ms": ms}
            out.write(json.dumps({"id": f"s{i:04d}", "payload": payload}) + "\n")
    return sentences


def assert_exact_output(out: pathlib.Path, sentences: dict[str, list[str]]) -> None:
    records = read_output(out)
    ids = [r["id"] for r in records]
    assert sorted(ids) == sorted(sentences), (
        f"{len(ids)} records for {len(sentences)} inputs; {len(ids) - len(set(ids))} duplicates")
    for record in records:
        assert record["status"] == "ok", record
        words = sentences[record["id"]]
        assert [r["word"] for r in record["result"]] == words
        assert [r["length"] for r in record["result"]] == [len(w) for w in words]


def test_a_fan_out_pipeline_writes_one_record_per_input_with_a_result_per_element(
        run_ferry, tmp_path: pathlib.Path) -> None:
    sentences = write_sentences(tmp_path / "jobs.jsonl", 300)
    (tmp_path / "p.yaml").write_text(stage_yaml(
        "aggregates:\n  - {name: letters, kind: sum, field: length, stage: measure}\n"))
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl",
                     "--summary-json", "summary.json")
    assert done.returncode == 0, done.stderr
    assert_exact_output(tmp_path / "out.jsonl", sentences)
    assert [r["id"] for r in read_output(tmp_path / "out.jsonl")] == sorted(sentences)
    summary = json.loads((tmp_path / "summary.json").read_text())
    words = sum(len(w) for w in sentences.values())
    assert summary["jobs"] == 300 and summary["succeeded"] == 300
    assert summary["stages"]["split"] == {"jobs": 300, "succeeded": 300, "failed": 0, "retries": 0}
    assert summary["stages"]["measure"]["jobs"] == words
    letters = sum(len(w) for ws in sentences.values() for w in ws)
    assert summary["aggregates"]["letters"]["value"] == letters


def test_a_failed_branch_fails_only_its_item_and_names_its_stage(run_ferry, tmp_path: pathlib.Path) -> None:
    rows = [("good", "alpha beta"), ("bad", "one poison two"), ("empty", "no-words"), ("none", "")]
    (tmp_path / "jobs.jsonl").write_text("".join(
        json.dumps({"id": i, "payload": {"text": t}}) + "\n" for i, t in rows))
    (tmp_path / "p.yaml").write_text(stage_yaml())
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl", "--json")
    assert done.returncode == 3, done.stderr
    records = {r["id"]: r for r in read_output(tmp_path / "out.jsonl")}
    assert records["good"]["status"] == "ok" and len(records["good"]["result"]) == 2
    assert records["none"] == {**records["none"], "status": "ok", "result": []}
    bad = records["bad"]
    assert bad["status"] == "failed" and bad["stage"] == "measure"
    assert [r and r["word"] for r in bad["result"]] == ["one", None, "two"]
    assert [(f["id"], f["stage"], f["error"]["code"]) for f in bad["failed"]] == [
        ("bad/1", "measure", "INVALID_ARGUMENT")]
    assert "poison" in bad["failed"][0]["error"]["message"]
    assert "Traceback" in bad["failed"][0]["error"]["traceback"]
    empty = records["empty"]
    assert empty["status"] == "failed" and empty["stage"] == "measure"
    assert empty["error"]["code"] == "INVALID_ARGUMENT"
    assert "'words' is missing from the result of stage 'split'" in empty["error"]["message"]
    summary = json.loads(done.stdout)
    assert summary["stages"]["measure"]["failed"] == 1  # the poison word; `empty` never ran


def test_a_mapping_to_a_field_the_result_lacks_fails_that_item_naming_the_field(
        run_ferry, tmp_path: pathlib.Path) -> None:
    (tmp_path / "jobs.jsonl").write_text(json.dumps({"id": "a", "payload": {"text": "x y"}}) + "\n")
    (tmp_path / "p.yaml").write_text(stage_yaml(stages=STAGES.replace("item.word", "item.wrod")))
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl")
    assert done.returncode == 3, done.stderr
    [record] = read_output(tmp_path / "out.jsonl")
    assert record["status"] == "failed" and record["stage"] == "measure"
    assert record["error"]["code"] == "INVALID_ARGUMENT"
    assert "field 'wrod' is missing from item (its keys are word)" in record["error"]["message"]


@pytest.mark.parametrize("stages,expected", [
    (STAGES + "input: {type: stages.split}\n", "input.type and stages both give job types"),
    (STAGES.replace("name: measure", "name: split"), "another stage is already named 'split'"),
    (STAGES.replace("    for_each: words\n", ""), "reads 'item', which only a for_each stage has"),
    (STAGES.replace("item.word", "words.word"), "must start with result, item or input"),
    (STAGES.replace("type: stages.split\n", "type: stages.split\n    for_each: x\n"),
     "the first stage cannot fan out"),
    ("stages: []\n", "'stages' must be a list of stages"),
    (STAGES.replace("name: measure", "name: 'me asure'"), "may hold only letters"),
])
def test_a_bad_stage_list_is_refused_with_its_place_before_anything_runs(
        run_ferry, tmp_path: pathlib.Path, stages: str, expected: str) -> None:
    (tmp_path / "jobs.jsonl").write_text(json.dumps({"id": "a", "payload": {"text": "x"}}) + "\n")
    (tmp_path / "p.yaml").write_text(stage_yaml(stages=stages))
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl")
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr and "p.yaml:" in done.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_an_aggregate_naming_an_unknown_stage_is_refused(run_ferry, tmp_path: pathlib.Path) -> None:
    (tmp_path / "p.yaml").write_text(stage_yaml(
        "aggregates:\n  - {name: n, kind: sum, field: length, stage: mesure}\n"))
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl")
    assert done.returncode == 2
    assert "aggregates[0].stage 'mesure' is not a stage of this pipeline" in done.stderr


def test_a_multi_stage_ferry_run_killed_mid_run_resumes_with_every_record_once(
        ferry_bin, tmp_path: pathlib.Path) -> None:
    sentences = write_sentences(tmp_path / "jobs.jsonl", 400, ms=4)
    (tmp_path / "p.yaml").write_text(stage_yaml(window=64))
    env = dict(os.environ, PYTHONPATH=str(REPO / "py_workers"))
    command = [str(ferry_bin), "run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl"]
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for(lambda: line_count(tmp_path / "out.jsonl") >= 120 or proc.poll() is not None, 120,
                 "120 records")
        assert proc.poll() is None, proc.stderr.read()
        os.killpg(proc.pid, signal.SIGKILL)  # the run, its embedded broker and its pools
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    resumed = subprocess.run(command + ["--resume"], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=180)
    assert resumed.returncode == 0, resumed.stderr
    assert_exact_output(tmp_path / "out.jsonl", sentences)


@pytest.fixture
def service(ferry_bin, tmp_path: pathlib.Path):
    yield from service_factory(ferry_bin, tmp_path)


def stage_service(service, tmp_path: pathlib.Path, order: str) -> Service:
    svc = service()
    svc.config.write_text(f"""
broker:
  producers_endpoint: {svc.producers}
  workers_endpoint: {svc.workers}
  heartbeat_ms: 200
{STAGES}
output: {{order: {order}}}
producer: {{window: 64, heartbeat_ms: 200}}
""")
    svc.env["FERRY_TEST_RUN_LOG"] = str(tmp_path / "runs.log")
    svc.start_broker()
    svc.start_pool(HANDLERS)
    return svc


@pytest.mark.parametrize("order", ["input", "completion"])
def test_a_multi_stage_submit_killed_three_times_ends_exact_and_runs_no_stage_twice(
        service, tmp_path: pathlib.Path, order: str) -> None:
    svc = stage_service(service, tmp_path, order)
    sentences = write_sentences(tmp_path / "jobs.jsonl", 500, ms=3, seed=8)
    out = tmp_path / "out.jsonl"
    rng = random.Random(21)
    for kill in range(3):
        proc = svc.submit(*(["--resume"] if kill else []), wait=False)
        kill_when_written(proc, out, line_count(out) + rng.randint(30, 100))
    resumed = svc.submit("--resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert_exact_output(out, sentences)
    # The broker kept every stage's outcome until its item's record was written, so the resumed
    # runs got the earlier stages' outcomes back instead of running them again.
    runs = collections.Counter((tmp_path / "runs.log").read_text().split())
    twice = {job: n for job, n in runs.items() if n > 1}
    assert not twice, f"{len(twice)} stage jobs ran more than once, e.g. {list(twice.items())[:5]}"
    expected = {f"split:{i}" for i in sentences} | {
        f"measure:{i}/{k}" for i, words in sentences.items() for k in range(len(words))}
    assert set(runs) == expected
    assert svc.status()["outcomes_kept"] == 0
