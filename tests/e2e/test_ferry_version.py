"""`ferry --version` names the release (the VERSION file), the wire protocol and the commit."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from conftest import REPO


def _protocol_version() -> int:
    text = (REPO / "schemas" / "protocol.yaml").read_text()
    found = re.search(r"^protocol:\n(?:  .*\n)*?  version: (\d+)", text, re.MULTILINE)
    assert found, "schemas/protocol.yaml has no protocol.version"
    return int(found.group(1))


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else "unknown"


def test_version_prints_the_release_the_protocol_and_the_commit(run_ferry) -> None:
    done = run_ferry("--version", timeout=20)
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    found = re.fullmatch(r"ferry (\S+) \(protocol FJP/(\d+), commit (\w+)\)", line)
    assert found, f"unexpected version line: {line!r}"
    release, protocol, commit = found.groups()
    assert release == (REPO / "VERSION").read_text().strip()
    assert int(protocol) == _protocol_version()
    head = _commit()
    # The commit is stamped at build time: the build under test is of HEAD.
    if head == "unknown":
        assert commit == "unknown"
    else:
        assert len(commit) >= 7
        assert head.startswith(commit), f"built from {commit}, but HEAD is {head}: rebuild"


def _stamp(source: Path, out: Path) -> str:
    subprocess.run(["cmake", f"-DSOURCE_DIR={source}", f"-DOUT={out}", "-P",
                    str(REPO / "cmake" / "FerryCommit.cmake")], check=True, capture_output=True)
    found = re.search(r'#define FERRY_COMMIT "(\w+)"', out.read_text())
    assert found, out.read_text()
    return found.group(1)


def _git(cwd: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t")
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def test_the_build_stamp_follows_new_commits_and_rewrites_only_on_change(tmp_path: Path) -> None:
    source, out = tmp_path / "src", tmp_path / "build" / "commit.hpp"
    source.mkdir()
    _git(source, "init", "-q")
    _git(source, "commit", "-q", "--allow-empty", "-m", "first")
    first = _stamp(source, out)
    assert _git(source, "rev-parse", "HEAD").startswith(first)
    written = out.stat().st_mtime_ns
    os.utime(out, ns=(written - 10**9, written - 10**9))
    assert _stamp(source, out) == first
    assert out.stat().st_mtime_ns == written - 10**9, "an unchanged commit rewrote the header"
    _git(source, "commit", "-q", "--allow-empty", "-m", "second")
    second = _stamp(source, out)
    assert second != first and _git(source, "rev-parse", "HEAD").startswith(second)


def test_the_build_stamp_is_unknown_outside_the_projects_own_checkout(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert _stamp(plain, tmp_path / "a.hpp") == "unknown"
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "commit", "-q", "--allow-empty", "-m", "a project vendoring ferry")
    assert _stamp(plain, tmp_path / "b.hpp") == "unknown"
