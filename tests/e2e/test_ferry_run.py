"""`ferry run` end to end: real binary, embedded broker, real Python worker processes."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess

from conftest import REPO, pipeline_yaml, read_output, write_jobs

HANDLERS = pathlib.Path(__file__).resolve().parent / "handlers"


def test_every_job_is_answered_exactly_once_in_input_order(run_ferry, tmp_path: pathlib.Path) -> None:
    ids = write_jobs(tmp_path / "jobs.jsonl", 3000)
    (tmp_path / "p.yaml").write_text(pipeline_yaml("ferry_worker.examples.echo", "echo.batch"))
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl",
                     "--summary-json", "summary.json")
    assert done.returncode == 0, done.stderr
    records = read_output(tmp_path / "out.jsonl")
    assert [r["id"] for r in records] == ids
    assert all(r["status"] == "ok" for r in records)
    assert records[7]["result"] == {"n": 7, "text": "t7"}
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["jobs"] == 3000 and summary["succeeded"] == 3000 and summary["failed"] == 0
    for key in ("duplicates_dropped", "retries", "wall_s", "jobs_per_s", "latency_ms", "per_worker"):
        assert key in summary


def test_failed_jobs_give_exit_code_3_and_failure_records(run_ferry, tmp_path: pathlib.Path) -> None:
    write_jobs(tmp_path / "jobs.jsonl", 200)
    (tmp_path / "p.yaml").write_text(pipeline_yaml(str(HANDLERS / "flaky.py"), "test.fail_odd"))
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl", "--json")
    assert done.returncode == 3, done.stderr
    records = read_output(tmp_path / "out.jsonl")
    failed = [r for r in records if r["status"] == "failed"]
    assert len(records) == 200 and len(failed) == 100
    assert failed[0]["error"]["code"] == "INVALID_ARGUMENT"
    assert "odd n=" in failed[0]["error"]["message"]
    assert failed[0]["attempts"] == 1
    assert json.loads(done.stdout)["failed"] == 100


def test_a_malformed_record_names_file_and_line_and_nothing_runs(run_ferry, tmp_path: pathlib.Path) -> None:
    write_jobs(tmp_path / "jobs.jsonl", 10)
    with (tmp_path / "jobs.jsonl").open("a") as out:
        out.write('{"id": "bad", "payload": {"n": 1}\n')
    (tmp_path / "p.yaml").write_text(pipeline_yaml("ferry_worker.examples.echo", "echo.batch"))
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl")
    assert done.returncode == 2
    assert "jobs.jsonl:11:" in done.stderr and "nothing was submitted" in done.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_duplicate_ids_are_an_input_error_naming_both_lines(run_ferry, tmp_path: pathlib.Path) -> None:
    (tmp_path / "jobs.jsonl").write_text('{"id": "a", "payload": 1}\n{"id": "b", "payload": 2}\n'
                                         '{"id": "a", "payload": 3}\n')
    (tmp_path / "p.yaml").write_text(pipeline_yaml("ferry_worker.examples.echo", "echo.batch"))
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl")
    assert done.returncode == 2
    assert "jobs.jsonl:3:" in done.stderr and "line 1" in done.stderr


def test_skip_mode_writes_invalid_records_as_failed_jobs(run_ferry, tmp_path: pathlib.Path) -> None:
    (tmp_path / "jobs.jsonl").write_text('{"id": "a", "payload": 1}\nnot json\n{"id": "c", "payload": 3}\n')
    (tmp_path / "p.yaml").write_text(
        pipeline_yaml("ferry_worker.examples.echo", "echo.batch").replace(
            "input: {type: echo.batch}", "input: {type: echo.batch, on_invalid: skip}"))
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl")
    assert done.returncode == 3, done.stderr
    records = read_output(tmp_path / "out.jsonl")
    assert [(r["id"], r["status"]) for r in records] == [("a", "ok"), ("2", "failed"), ("c", "ok")]
    assert records[1]["error"]["code"] == "INVALID_ARGUMENT"


def test_an_unknown_config_key_is_refused_with_its_place_and_a_suggestion(run_ferry, tmp_path: pathlib.Path) -> None:
    (tmp_path / "p.yaml").write_text("input:\n  path: x.jsonl\n  on_invalud: skip\n")
    done = run_ferry("run", "p.yaml")
    assert done.returncode == 2
    assert "p.yaml:3:3" in done.stderr and "on_invalud" in done.stderr and "on_invalid" in done.stderr


def test_resume_completes_an_output_cut_mid_record(run_ferry, tmp_path: pathlib.Path) -> None:
    ids = write_jobs(tmp_path / "jobs.jsonl", 500)
    (tmp_path / "p.yaml").write_text(pipeline_yaml("ferry_worker.examples.echo", "echo.batch"))
    first = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl")
    assert first.returncode == 0, first.stderr
    full = (tmp_path / "out.jsonl").read_text()
    cut = full[: len(full) // 3 + 5]  # a prefix that ends inside a record
    (tmp_path / "out.jsonl").write_text(cut)
    again = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl", "--resume",
                      "--json")
    assert again.returncode == 0, again.stderr
    records = read_output(tmp_path / "out.jsonl")
    assert [r["id"] for r in records] == ids
    summary = json.loads(again.stdout)
    assert summary["resumed"] == cut.count("\n") and summary["jobs"] == 500 - summary["resumed"]


def test_skip_mode_writes_a_duplicate_id_as_a_failed_job_naming_both_lines(
        run_ferry, tmp_path: pathlib.Path) -> None:
    ids = write_jobs(tmp_path / "jobs.jsonl", 3000)
    with (tmp_path / "jobs.jsonl").open("a") as out:
        out.write(json.dumps({"id": ids[10], "payload": {"n": -1, "text": "again"}}) + "\n")
    (tmp_path / "p.yaml").write_text(
        pipeline_yaml("ferry_worker.examples.echo", "echo.batch").replace(
            "input: {type: echo.batch}", "input: {type: echo.batch, on_invalid: skip}"))
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl")
    assert done.returncode == 3, done.stderr
    records = read_output(tmp_path / "out.jsonl")
    assert [r["id"] for r in records] == ids + [ids[10]]
    assert [r["status"] for r in records].count("failed") == 1
    assert records[-1]["error"]["code"] == "INVALID_ARGUMENT"
    assert "jobs.jsonl:3001: duplicate id" in records[-1]["error"]["message"]
    assert "already used on line 11" in records[-1]["error"]["message"]


def test_a_duplicate_id_on_stdin_stops_the_run_naming_both_lines(
        ferry_bin: pathlib.Path, tmp_path: pathlib.Path) -> None:
    (tmp_path / "p.yaml").write_text(pipeline_yaml("ferry_worker.examples.echo", "echo.batch"))
    lines = [json.dumps({"id": f"s{i}", "payload": {"n": i}}) for i in range(500)]
    lines.append(json.dumps({"id": "s42", "payload": {"n": 42}}))
    env = dict(os.environ, PYTHONPATH=str(REPO / "py_workers"))
    done = subprocess.run([str(ferry_bin), "run", "p.yaml", "--input", "-", "--output", "out.jsonl"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                          input="\n".join(lines) + "\n")
    assert done.returncode == 2, done.stderr
    assert '-:501: duplicate id "s42": already used on line 43' in done.stderr
