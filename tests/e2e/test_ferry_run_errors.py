"""`ferry run` refuses bad configs and inputs with exit 2, and picks a working interpreter."""

from __future__ import annotations

import os
import pathlib
import stat

from conftest import pipeline_yaml, read_output, write_jobs


def test_a_missing_input_file_is_exit_2_naming_it(run_ferry, tmp_path: pathlib.Path) -> None:
    (tmp_path / "p.yaml").write_text(pipeline_yaml("ferry_worker.examples.echo", "echo.batch"))
    done = run_ferry("run", "p.yaml", "--input", "nope.jsonl", "--output", "out.jsonl")
    assert done.returncode == 2
    assert "nope.jsonl" in done.stderr


def test_a_missing_config_file_is_exit_2_naming_it(run_ferry) -> None:
    done = run_ferry("run", "absent.yaml")
    assert done.returncode == 2
    assert "absent.yaml" in done.stderr


def test_broken_yaml_is_exit_2_with_its_line(run_ferry, tmp_path: pathlib.Path) -> None:
    (tmp_path / "p.yaml").write_text("input:\n  path: [unclosed\n")
    done = run_ferry("run", "p.yaml")
    assert done.returncode == 2
    assert "p.yaml:" in done.stderr and "YAML" in done.stderr


def test_a_wrongly_typed_value_is_exit_2_naming_the_key(run_ferry, tmp_path: pathlib.Path) -> None:
    (tmp_path / "p.yaml").write_text("producer:\n  window: lots\n")
    done = run_ferry("run", "p.yaml")
    assert done.returncode == 2
    assert "p.yaml:2:" in done.stderr and "producer.window" in done.stderr


def test_ferry_python_is_used_when_it_can_import_the_dependencies(
        run_ferry, tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "used"
    wrapper = tmp_path / "python-wrapper"
    wrapper.write_text(f"#!/bin/sh\ntouch {marker}\nexec /usr/bin/python3 \"$@\"\n")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    write_jobs(tmp_path / "jobs.jsonl", 20)
    (tmp_path / "p.yaml").write_text(pipeline_yaml("ferry_worker.examples.echo", "echo.batch"))
    os.environ["FERRY_PYTHON"] = str(wrapper)
    try:
        done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl")
    finally:
        del os.environ["FERRY_PYTHON"]
    assert done.returncode == 0, done.stderr
    assert marker.exists()
    assert f"with {wrapper}" in done.stderr
