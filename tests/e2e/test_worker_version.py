"""A worker pool of another protocol version against a real `ferry broker`: told, and stopped."""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys

from broker_service import Service
from conftest import REPO

from ferry_worker.version import VERSION


def worker_speaking(root: pathlib.Path, protocol: int) -> pathlib.Path:
    """A copy of ferry_worker whose wire protocol version is `protocol`."""
    package = root / "ferry_worker"
    shutil.copytree(REPO / "py_workers" / "ferry_worker", package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    constants = package / "protocol.py"
    text, count = re.subn(r"(?m)^VERSION = \d+", f"VERSION = {protocol}", constants.read_text())
    assert count == 1, "protocol.py no longer has one `VERSION = <n>` line: update this test"
    constants.write_text(text)
    return root


def test_a_pool_speaking_another_protocol_version_exits_2_naming_both_versions(
        ferry_bin: pathlib.Path, tmp_path: pathlib.Path) -> None:
    service = Service(ferry_bin, tmp_path)
    try:
        service.start_broker()
        env = dict(os.environ, PYTHONPATH=str(worker_speaking(tmp_path / "fjp2", 2)),
                   PYTHONDONTWRITEBYTECODE="1")
        pool = subprocess.Popen(
            [sys.executable, "-m", "ferry_worker", "--broker", service.workers, "--handlers",
             "ferry_worker.examples.echo", "--processes", "2"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        service.procs.append(pool)
        out, _ = pool.communicate(timeout=60)
        assert pool.returncode == 2, out
        assert (f"the broker at {service.workers} speaks FJP/1; this worker "
                f"(ferry_worker {VERSION}) speaks FJP/2") in out
        assert "reconnecting" not in out
    finally:
        service.stop()
