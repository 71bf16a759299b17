"""Every command refuses a bad CONFIG, endpoint or interpreter with exit 2 and a message that says
what, where and what to do, before it binds, connects or starts anything."""

from __future__ import annotations

import os
import pathlib
import stat

import pytest

from conftest import pipeline_yaml, write_jobs

COMMANDS = {
    "run": ["run", "CONFIG", "--input", "jobs.jsonl", "--output", "out.jsonl"],
    "submit": ["submit", "CONFIG", "--input", "jobs.jsonl", "--output", "out.jsonl"],
    "broker": ["broker", "CONFIG"],
}


def _args(command: str, config: str) -> list[str]:
    return [config if arg == "CONFIG" else arg for arg in COMMANDS[command]]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_config_path_that_is_a_directory_is_refused(run_ferry, tmp_path: pathlib.Path,
                                                      command: str) -> None:
    (tmp_path / "conf").mkdir()
    write_jobs(tmp_path / "jobs.jsonl", 3)
    done = run_ferry(*_args(command, "conf"), timeout=20)
    assert done.returncode == 2, done.stderr
    assert "'conf' is a directory" in done.stderr
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_empty_config_file_is_refused_as_empty(run_ferry, tmp_path: pathlib.Path,
                                                  command: str) -> None:
    (tmp_path / "p.yaml").write_text("")
    write_jobs(tmp_path / "jobs.jsonl", 3)
    done = run_ferry(*_args(command, "p.yaml"), timeout=20)
    assert done.returncode == 2, done.stderr
    assert "p.yaml" in done.stderr and "is empty" in done.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_missing_config_file_is_refused(run_ferry, command: str) -> None:
    done = run_ferry(*_args(command, "absent.yaml"), timeout=20)
    assert done.returncode == 2, done.stderr
    assert "absent.yaml" in done.stderr and "no such file" in done.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_misspelled_top_level_section_is_refused_with_a_suggestion(
        run_ferry, tmp_path: pathlib.Path, command: str) -> None:
    (tmp_path / "p.yaml").write_text("brokr:\n  liveness: 4\n")
    write_jobs(tmp_path / "jobs.jsonl", 3)
    done = run_ferry(*_args(command, "p.yaml"), timeout=20)
    assert done.returncode == 2, done.stderr
    assert "p.yaml:1:1: unknown key 'brokr'" in done.stderr
    assert "did you mean 'broker'?" in done.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("yaml, where, hint", [
    ("input:\n  typ: echo\n", "p.yaml:2:3: unknown key 'typ' in 'input'", "'type'"),
    ("broker:\n  livenes: 4\n", "p.yaml:2:3: unknown key 'livenes' in 'broker'", "'liveness'"),
    ("workers:\n  - handlers: h\n    prefetc: 2\n", "p.yaml:3:5: unknown key 'prefetc'",
     "'prefetch'"),
], ids=["input", "broker", "workers"])
def test_every_command_refuses_a_misspelled_key_in_any_section(
        run_ferry, tmp_path: pathlib.Path, command: str, yaml: str, where: str,
        hint: str) -> None:
    (tmp_path / "p.yaml").write_text(yaml)
    write_jobs(tmp_path / "jobs.jsonl", 3)
    done = run_ferry(*_args(command, "p.yaml"), timeout=20)
    assert done.returncode == 2, done.stderr
    assert where in done.stderr and f"did you mean {hint}?" in done.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_duplicate_key_is_refused_naming_both_lines(run_ferry, tmp_path: pathlib.Path,
                                                      command: str) -> None:
    (tmp_path / "p.yaml").write_text("broker:\n  liveness: 4\n  heartbeat_ms: 100\n  liveness: 5\n")
    write_jobs(tmp_path / "jobs.jsonl", 3)
    done = run_ferry(*_args(command, "p.yaml"), timeout=20)
    assert done.returncode == 2, done.stderr
    assert "p.yaml:4:3: duplicate key 'liveness'" in done.stderr and "line 2" in done.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_http_endpoint_in_the_config_is_refused_with_tcp_suggested(
        run_ferry, tmp_path: pathlib.Path, command: str) -> None:
    (tmp_path / "p.yaml").write_text("broker:\n  producers_endpoint: http://127.0.0.1:5555\n")
    write_jobs(tmp_path / "jobs.jsonl", 3)
    done = run_ferry(*_args(command, "p.yaml"), timeout=20)
    assert done.returncode == 2, done.stderr
    assert "p.yaml:2:23:" in done.stderr and "tcp://" in done.stderr


def test_an_http_endpoint_in_the_environment_is_refused_naming_the_variable(
        run_ferry, tmp_path: pathlib.Path) -> None:
    (tmp_path / "p.yaml").write_text("broker: {liveness: 4}\n")
    os.environ["FERRY_WORKERS_ENDPOINT"] = "http://127.0.0.1:5556"
    try:
        done = run_ferry("broker", "p.yaml", timeout=20)
    finally:
        del os.environ["FERRY_WORKERS_ENDPOINT"]
    assert done.returncode == 2, done.stderr
    assert "FERRY_WORKERS_ENDPOINT" in done.stderr and "tcp://" in done.stderr


def test_submit_refuses_an_http_broker_flag(run_ferry, tmp_path: pathlib.Path) -> None:
    (tmp_path / "p.yaml").write_text("input: {type: echo}\n")
    write_jobs(tmp_path / "jobs.jsonl", 3)
    done = run_ferry("submit", "p.yaml", "--broker", "http://127.0.0.1:5555", "--input",
                     "jobs.jsonl", "--output", "out.jsonl", timeout=20)
    assert done.returncode == 2, done.stderr
    assert "--broker" in done.stderr and "tcp://" in done.stderr
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("endpoint", ["tcp://127.0.0.1:0", "tcp://*:5555"])
def test_submit_refuses_a_bind_form_as_the_broker_to_connect_to(
        run_ferry, tmp_path: pathlib.Path, endpoint: str) -> None:
    (tmp_path / "p.yaml").write_text(f"broker: {{producers_endpoint: '{endpoint}'}}\n")
    write_jobs(tmp_path / "jobs.jsonl", 3)
    done = run_ferry("submit", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl",
                     timeout=20)
    assert done.returncode == 2, done.stderr
    assert f"'{endpoint}' is a form for binding" in done.stderr
    assert "broker.producers_endpoint in p.yaml" in done.stderr
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("endpoint", ["garbage://x", "tcp://127.0.0.1", "http://localhost:5555"])
def test_status_names_an_endpoint_it_cannot_use(run_ferry, endpoint: str) -> None:
    done = run_ferry("status", "--broker", endpoint, timeout=20)
    assert done.returncode == 2, done.stderr
    assert f"'{endpoint}'" in done.stderr and "--broker" in done.stderr


def _fake_python(tmp_path: pathlib.Path, body: str) -> pathlib.Path:
    fake = tmp_path / "fake-python"
    fake.write_text(f"#!/bin/sh\n{body}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    return fake


@pytest.mark.parametrize("python", ["missing", "without the modules"])
def test_a_configured_interpreter_that_cannot_run_workers_is_an_error_not_a_fallback(
        run_ferry, tmp_path: pathlib.Path, python: str) -> None:
    if python == "missing":
        interpreter = tmp_path / "no" / "python3"
    else:  # -S: no site-packages, so neither zmq nor msgpack can be imported
        interpreter = _fake_python(tmp_path, 'exec /usr/bin/python3 -S "$@"')
    yaml = pipeline_yaml("ferry_worker.examples.echo", "echo.batch").replace(
        "    processes: 2\n", f"    processes: 2\n    python: {interpreter}\n")
    (tmp_path / "p.yaml").write_text(yaml)
    write_jobs(tmp_path / "jobs.jsonl", 3)
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl", timeout=60)
    assert done.returncode == 2, done.stderr
    assert str(interpreter) in done.stderr and "workers[0].python" in done.stderr
    if python == "missing":
        assert "not found" in done.stderr
    else:
        assert "cannot import zmq, msgpack" in done.stderr and "pip install" in done.stderr
    assert "starting worker pool" not in done.stderr
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("key", ["window", "submit_batch"])
def test_a_zero_window_or_batch_names_file_and_line(run_ferry, tmp_path: pathlib.Path,
                                                    key: str) -> None:
    (tmp_path / "p.yaml").write_text(f"input: {{type: echo}}\nproducer:\n  {key}: 0\n")
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", timeout=20)
    assert done.returncode == 2, done.stderr
    assert f"p.yaml:3:{len(key) + 5}: 'producer.{key}' must be at least 1" in done.stderr
