"""`ferry run` under failure: killed workers, killed or interrupted `ferry`, and resume."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess

import pytest

from conftest import REPO, pipeline_yaml, read_output
from processes import alive, descendants_of, kill_all, line_count, wait_for, worker_processes

HANDLERS = pathlib.Path(__file__).resolve().parent / "handlers"


def slow_jobs(path: pathlib.Path, count: int, ms: int) -> list[str]:
    ids = [f"s{i:05d}" for i in range(count)]
    with path.open("w") as out:
        for i, job_id in enumerate(ids):
            out.write(json.dumps({"id": job_id, "payload": {"n": i, "ms": ms}}) + "\n")
    return ids


@pytest.fixture
def start_ferry(ferry_bin, tmp_path: pathlib.Path):
    started: list[subprocess.Popen] = []

    def start(*args: str) -> subprocess.Popen:
        env = dict(os.environ, PYTHONPATH=str(REPO / "py_workers"))
        proc = subprocess.Popen([str(ferry_bin), *args], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        leftovers = descendants_of(proc.pid)
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        kill_all(leftovers, signal.SIGKILL)


def write_pipeline(tmp_path: pathlib.Path) -> None:
    (tmp_path / "p.yaml").write_text(pipeline_yaml(str(HANDLERS / "slow.py"), "test.sleep"))


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(start_ferry, tmp_path) -> None:
    ids = slow_jobs(tmp_path / "jobs.jsonl", 1500, ms=2)
    write_pipeline(tmp_path)
    proc = start_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl", "--json")
    out = tmp_path / "out.jsonl"
    wait_for(lambda: line_count(out) >= 100, 60, "the first 100 outcomes")
    workers = [p for pool in _children(proc.pid) for p in worker_processes(pool)]
    assert workers, "expected worker processes under the pool supervisor"
    os.kill(workers[0], signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    records = read_output(out)
    assert [r["id"] for r in records] == ids
    assert all(r["status"] == "ok" for r in records)
    summary = json.loads(stdout)
    assert summary["jobs"] == 1500 and summary["succeeded"] == 1500


def _children(pid: int) -> list[int]:
    from processes import children_of
    return children_of(pid)


def test_no_process_of_the_run_survives_sigkill_of_ferry(start_ferry, tmp_path) -> None:
    slow_jobs(tmp_path / "jobs.jsonl", 3000, ms=5)
    write_pipeline(tmp_path)
    proc = start_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl")
    wait_for(lambda: line_count(tmp_path / "out.jsonl") >= 20, 60, "the first outcomes")
    family = descendants_of(proc.pid)
    assert len(family) >= 3  # a pool supervisor and its two workers
    proc.kill()
    proc.wait(timeout=10)
    wait_for(lambda: not any(alive(p) for p in family), 15, "every worker process to exit")


def test_ctrl_c_stops_cleanly_reports_and_leaves_no_process(start_ferry, tmp_path) -> None:
    slow_jobs(tmp_path / "jobs.jsonl", 3000, ms=5)
    write_pipeline(tmp_path)
    proc = start_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl")
    wait_for(lambda: line_count(tmp_path / "out.jsonl") >= 20, 60, "the first outcomes")
    family = descendants_of(proc.pid)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "--resume" in stderr and "jobs" in stdout
    wait_for(lambda: not any(alive(p) for p in family), 15, "every worker process to exit")
    records = read_output(tmp_path / "out.jsonl")
    assert 0 < len(records) < 3000 and len({r["id"] for r in records}) == len(records)


def test_resume_after_sigkill_of_ferry_gives_the_uninterrupted_output(start_ferry, tmp_path) -> None:
    ids = slow_jobs(tmp_path / "jobs.jsonl", 2000, ms=2)
    write_pipeline(tmp_path)
    out = tmp_path / "out.jsonl"
    proc = start_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl")
    wait_for(lambda: line_count(out) >= 300, 60, "300 outcomes")
    proc.kill()
    proc.wait(timeout=10)
    again = start_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl",
                        "--resume", "--json")
    stdout, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr
    records = read_output(out)
    assert [r["id"] for r in records] == ids
    assert json.loads(stdout)["resumed"] >= 300
