"""`ferry --log-level` reaches the local pools `ferry run` starts, unless workers[].log_level says
otherwise."""

from __future__ import annotations

import pathlib

from conftest import write_jobs

PIPELINE = """
broker: {producers_endpoint: "tcp://127.0.0.1:0", workers_endpoint: "tcp://127.0.0.1:0"}
input: {type: echo}
workers:
  - handlers: ferry_worker.examples.echo
    processes: 1
"""


def test_log_level_warn_silences_the_info_lines_of_local_pools(run_ferry,
                                                               tmp_path: pathlib.Path) -> None:
    (tmp_path / "p.yaml").write_text(PIPELINE)
    write_jobs(tmp_path / "jobs.jsonl", 3)
    done = run_ferry("--log-level", "warn", "run", "p.yaml", "--input", "jobs.jsonl", "--output",
                     "out.jsonl", timeout=60)
    assert done.returncode == 0, done.stderr
    assert "INFO" not in done.stderr and "[info]" not in done.stderr, done.stderr


def test_a_pools_own_log_level_wins_over_the_command_line(run_ferry,
                                                         tmp_path: pathlib.Path) -> None:
    (tmp_path / "p.yaml").write_text(PIPELINE + "    log_level: info\n")
    write_jobs(tmp_path / "jobs.jsonl", 3)
    done = run_ferry("--log-level", "warn", "run", "p.yaml", "--input", "jobs.jsonl", "--output",
                     "out.jsonl", timeout=60)
    assert done.returncode == 0, done.stderr
    assert "INFO" in done.stderr, done.stderr
    assert "[info]" not in done.stderr, done.stderr
