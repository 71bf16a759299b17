"""The command line: every flag documented, bad input refused with exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PY_WORKERS = Path(__file__).resolve().parents[2] / "py_workers"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(PY_WORKERS))
    return subprocess.run([sys.executable, "-m", "ferry_worker", *args], env=env,
                          capture_output=True, text=True, timeout=30)


def test_help_documents_every_flag() -> None:
    out = run("--help").stdout
    for flag in ("--broker", "--handlers", "--processes", "--max-jobs", "--max-rss-mb",
                 "--prefetch", "--heartbeat-ms", "--handler-config", "--drain-timeout",
                 "--log-level", "--start-method"):
        assert flag in out


def test_a_handler_module_that_cannot_be_imported_exits_2_with_a_clear_error() -> None:
    done = run("--broker", "tcp://127.0.0.1:1", "--handlers", "no_such_module_xyz")
    assert done.returncode == 2
    assert "--handlers no_such_module_xyz: cannot import it" in done.stderr


def test_bad_handler_config_json_exits_2() -> None:
    done = run("--broker", "tcp://127.0.0.1:1", "--handlers", "ferry_worker.examples.echo",
               "--handler-config", "{nope")
    assert done.returncode == 2 and "--handler-config is not valid JSON" in done.stderr


def test_a_handler_file_that_raises_on_import_exits_2_with_its_path_and_the_error(
        tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text('raise RuntimeError("weights.bin is missing")\n')
    done = run("--broker", "tcp://127.0.0.1:1", "--handlers", str(broken))
    assert done.returncode == 2, done.stderr
    assert str(broken) in done.stderr and "RuntimeError: weights.bin is missing" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_handler_module_whose_own_import_fails_names_the_missing_dependency(
        tmp_path: Path) -> None:
    (tmp_path / "needs_torch_xyz.py").write_text("import torch_that_is_not_installed_xyz\n")
    env = dict(os.environ, PYTHONPATH=f"{PY_WORKERS}:{tmp_path}")
    done = subprocess.run([sys.executable, "-m", "ferry_worker", "--broker", "tcp://127.0.0.1:1",
                           "--handlers", "needs_torch_xyz"], env=env, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 2, done.stderr
    assert "--handlers needs_torch_xyz" in done.stderr
    assert "torch_that_is_not_installed_xyz" in done.stderr
    assert "check the name or PYTHONPATH" not in done.stderr  # the module itself was found


def test_a_handler_path_that_is_a_directory_exits_2_saying_so(tmp_path: Path) -> None:
    (tmp_path / "handlers").mkdir()
    done = run("--broker", "tcp://127.0.0.1:1", "--handlers", f"{tmp_path}/handlers/")
    assert done.returncode == 2, done.stderr
    assert "is a directory" in done.stderr


def test_an_http_broker_endpoint_exits_2_and_suggests_tcp() -> None:
    done = run("--broker", "http://127.0.0.1:5556", "--handlers", "ferry_worker.examples.echo")
    assert done.returncode == 2, done.stderr
    assert "--broker http://127.0.0.1:5556" in done.stderr and "tcp://" in done.stderr


def test_a_negative_drain_timeout_exits_2() -> None:
    done = run("--broker", "tcp://127.0.0.1:1", "--handlers", "ferry_worker.examples.echo",
               "--drain-timeout", "-1")
    assert done.returncode == 2 and "--drain-timeout" in done.stderr


def test_two_handlers_for_one_job_type_exit_2_naming_both_and_the_module(tmp_path: Path) -> None:
    twice = tmp_path / "twice.py"
    twice.write_text("import ferry_worker\n\n"
                     "@ferry_worker.handler('echo')\ndef echo_a(job):\n    return 1\n\n"
                     "@ferry_worker.handler('echo')\ndef echo_b(job):\n    return 2\n")
    done = run("--broker", "tcp://127.0.0.1:1", "--handlers", str(twice))
    assert done.returncode == 2, done.stderr
    assert f"handler module {twice}: two handlers serve job type 'echo': echo_a and echo_b" \
        in done.stderr
