"""`ferry run` and `ferry submit` never overwrite what they read, and open no output before the run
is sure to start."""

from __future__ import annotations

import json
import os
import pathlib

import pytest

from conftest import pipeline_yaml, write_jobs

NO_BROKER = "tcp://127.0.0.1:9"  # nothing listens there: a check that passed would hang on it


def _pipeline(tmp_path: pathlib.Path) -> None:
    (tmp_path / "p.yaml").write_text(pipeline_yaml("ferry_worker.examples.echo", "echo.batch"))


def _command(kind: str, *args: str) -> list[str]:
    if kind == "run":
        return ["run", "p.yaml", *args]
    return ["submit", "p.yaml", "--broker", NO_BROKER, *args]


def _alias(tmp_path: pathlib.Path, how: str) -> str:
    """Another name for jobs.jsonl: the same path, a symlink or a hard link."""
    if how == "symlink":
        os.symlink("jobs.jsonl", tmp_path / "alias.jsonl")
        return "alias.jsonl"
    if how == "hard link":
        os.link(tmp_path / "jobs.jsonl", tmp_path / "alias.jsonl")
        return "alias.jsonl"
    return "./jobs.jsonl"


@pytest.mark.parametrize("kind", ["run", "submit"])
@pytest.mark.parametrize("how", ["same path", "symlink", "hard link"])
def test_an_output_that_is_the_input_is_refused_and_the_input_is_kept(
        run_ferry, tmp_path: pathlib.Path, kind: str, how: str) -> None:
    _pipeline(tmp_path)
    write_jobs(tmp_path / "jobs.jsonl", 20)
    before = (tmp_path / "jobs.jsonl").read_bytes()
    output = _alias(tmp_path, how)
    done = run_ferry(*_command(kind, "--input", "jobs.jsonl", "--output", output), timeout=60)
    assert done.returncode == 2, done.stderr
    assert "is the input" in done.stderr and output in done.stderr
    assert (tmp_path / "jobs.jsonl").read_bytes() == before
    assert not list(tmp_path.glob("*.ferry-client"))
    assert "starting worker pool" not in done.stderr


@pytest.mark.parametrize("kind", ["run", "submit"])
def test_a_summary_that_is_the_input_is_refused_and_the_input_is_kept(
        run_ferry, tmp_path: pathlib.Path, kind: str) -> None:
    _pipeline(tmp_path)
    write_jobs(tmp_path / "jobs.jsonl", 20)
    before = (tmp_path / "jobs.jsonl").read_bytes()
    done = run_ferry(*_command(kind, "--input", "jobs.jsonl", "--output", "out.jsonl",
                               "--summary-json", "jobs.jsonl"), timeout=60)
    assert done.returncode == 2, done.stderr
    assert "--summary-json" in done.stderr and "is the input" in done.stderr
    assert (tmp_path / "jobs.jsonl").read_bytes() == before
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("kind", ["run", "submit"])
def test_an_output_inside_a_directory_input_is_refused(
        run_ferry, tmp_path: pathlib.Path, kind: str) -> None:
    _pipeline(tmp_path)
    (tmp_path / "images").mkdir()
    for name in ("a.png", "b.png"):
        (tmp_path / "images" / name).write_bytes(b"not really an image")
    done = run_ferry(*_command(kind, "--input", "images", "--output", "images/out.jsonl"),
                     timeout=60)
    assert done.returncode == 2, done.stderr
    assert "inside the input directory" in done.stderr
    assert sorted(p.name for p in (tmp_path / "images").iterdir()) == ["a.png", "b.png"]


@pytest.mark.parametrize("kind", ["run", "submit"])
def test_an_output_in_a_missing_directory_is_refused_before_anything_runs(
        run_ferry, tmp_path: pathlib.Path, kind: str) -> None:
    _pipeline(tmp_path)
    write_jobs(tmp_path / "jobs.jsonl", 5)
    done = run_ferry(*_command(kind, "--input", "jobs.jsonl", "--output", "nowhere/out.jsonl"),
                     timeout=60)
    assert done.returncode == 2, done.stderr
    assert "nowhere" in done.stderr and "does not exist" in done.stderr
    assert "starting worker pool" not in done.stderr


def test_an_output_that_is_a_directory_is_refused_before_anything_runs(
        run_ferry, tmp_path: pathlib.Path) -> None:
    _pipeline(tmp_path)
    write_jobs(tmp_path / "jobs.jsonl", 5)
    (tmp_path / "out").mkdir()
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out")
    assert done.returncode == 2, done.stderr
    assert "'out' is a directory" in done.stderr
    assert "starting worker pool" not in done.stderr


def test_a_summary_path_that_cannot_be_written_is_refused_before_anything_runs(
        run_ferry, tmp_path: pathlib.Path) -> None:
    _pipeline(tmp_path)
    write_jobs(tmp_path / "jobs.jsonl", 5)
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl",
                     "--summary-json", "missing/summary.json")
    assert done.returncode == 2, done.stderr
    assert "--summary-json" in done.stderr and "missing" in done.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_an_input_that_is_a_fifo_is_refused_with_what_to_do_instead(
        run_ferry, tmp_path: pathlib.Path) -> None:
    _pipeline(tmp_path)
    os.mkfifo(tmp_path / "jobs.fifo")
    done = run_ferry("run", "p.yaml", "--input", "jobs.fifo", "--output", "out.jsonl", timeout=60)
    assert done.returncode == 2, done.stderr
    assert "jobs.fifo" in done.stderr and "--input -" in done.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_a_handler_module_that_raises_on_import_leaves_no_output_behind(
        run_ferry, tmp_path: pathlib.Path) -> None:
    (tmp_path / "broken.py").write_text('raise RuntimeError("model file is missing")\n')
    (tmp_path / "p.yaml").write_text(pipeline_yaml("broken.py", "echo.batch"))
    write_jobs(tmp_path / "jobs.jsonl", 5)
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl", timeout=60)
    assert done.returncode == 2, done.stderr
    assert "broken.py" in done.stderr and "model file is missing" in done.stderr
    assert not (tmp_path / "out.jsonl").exists()
    assert not (tmp_path / "out.jsonl.ferry-client").exists()


def test_a_missing_handler_module_is_exit_2_naming_it_and_leaves_no_output_behind(
        run_ferry, tmp_path: pathlib.Path) -> None:
    (tmp_path / "p.yaml").write_text(pipeline_yaml("no_such_handlers_xyz", "echo.batch"))
    write_jobs(tmp_path / "jobs.jsonl", 5)
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl", timeout=60)
    assert done.returncode == 2, done.stderr
    assert "no_such_handlers_xyz" in done.stderr
    assert not (tmp_path / "out.jsonl").exists()
    assert not (tmp_path / "out.jsonl.ferry-client").exists()


def test_records_on_standard_output_are_not_mixed_with_the_summary(
        run_ferry, tmp_path: pathlib.Path) -> None:
    _pipeline(tmp_path)
    ids = write_jobs(tmp_path / "jobs.jsonl", 20)
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "-")
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == ids
    assert "jobs 20" in done.stderr  # the summary went to stderr


def test_an_unknown_log_level_is_refused_instead_of_silencing_every_log(run_ferry) -> None:
    done = run_ferry("--log-level", "loud", "status", "--broker", NO_BROKER, timeout=30)
    assert done.returncode == 2, done.stderr
    assert "--log-level" in done.stderr and "loud" in done.stderr
