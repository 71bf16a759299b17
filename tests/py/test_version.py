"""--version: one release number for the repository, the protocol version and the commit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import ferry_worker
from ferry_worker.version import VERSION

REPO = Path(__file__).resolve().parents[2]
PY_WORKERS = REPO / "py_workers"


def version_output(package_root: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(package_root), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", "ferry_worker", "--version"], env=env,
                          capture_output=True, text=True, timeout=30, cwd=package_root)


def test_the_package_version_is_the_repository_version_file() -> None:
    assert (REPO / "VERSION").read_text() == f"{VERSION}\n"
    assert ferry_worker.__version__ == VERSION


def test_version_prints_release_protocol_and_the_checkouts_commit() -> None:
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.strip()
    done = version_output(PY_WORKERS)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"ferry {VERSION} (protocol FJP/1, commit {head})\n"


def copy_package(root: Path) -> Path:
    shutil.copytree(PY_WORKERS / "ferry_worker", root / "ferry_worker",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_outside_a_checkout_the_commit_is_unknown(tmp_path: Path) -> None:
    done = version_output(copy_package(tmp_path))
    assert done.stdout == f"ferry {VERSION} (protocol FJP/1, commit unknown)\n", done.stderr


def test_a_package_inside_some_other_git_repository_does_not_take_its_commit(
        tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    site = copy_package(tmp_path / "venv" / "site-packages")
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "-q", "-m", "a project that vendors ferry_worker"], check=True)
    done = version_output(site)
    assert done.stdout.endswith("commit unknown)\n"), done.stdout + done.stderr
