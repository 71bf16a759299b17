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
