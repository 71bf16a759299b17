"""`ferry --version` names the release (the VERSION file), the wire protocol and the commit."""

from __future__ import annotations

import re
import subprocess

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
    # The commit is read when the build is configured: a prefix of HEAD, or of an ancestor
    # when commits were made since; outside a checkout, "unknown".
    if head == "unknown":
        assert commit == "unknown"
    else:
        assert len(commit) >= 7
        ancestry = subprocess.run(["git", "merge-base", "--is-ancestor", commit, head], cwd=REPO)
        assert ancestry.returncode == 0, f"{commit} is not HEAD or an ancestor of it"
