"""The release this package belongs to, the wire protocol it speaks, and the commit it came from.

VERSION must equal the repository's VERSION file (a test checks it); the C++ `ferry` binary
reads the same file, and both print `ferry <version> (protocol FJP/<n>, commit <sha>)`.
"""

from __future__ import annotations

import functools
import os
import subprocess

from ferry_worker.protocol import VERSION as PROTOCOL_VERSION

VERSION = "0.2.0"
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


@functools.lru_cache(maxsize=1)
def commit() -> str:
    """The checkout's commit (short sha) when the package sits in a Ferry checkout, else unknown.

    Why the check: an installed package may sit inside some other git repository (a project's
    virtualenv); that repository's commit says nothing about this package.
    """
    try:
        top = _git("rev-parse", "--show-toplevel")
        if os.path.realpath(os.path.join(top, "py_workers", "ferry_worker")) != \
                os.path.realpath(_PACKAGE_DIR):
            return "unknown"
        return _git("rev-parse", "--short", "HEAD")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _git(*args: str) -> str:
    done = subprocess.run(["git", "-C", _PACKAGE_DIR, *args], capture_output=True, text=True,
                          timeout=5, check=True)
    return done.stdout.strip()


def protocol_name(version: int = PROTOCOL_VERSION) -> str:
    """How a protocol version is named in messages: FJP/1."""
    return f"FJP/{version}"


def version_line() -> str:
    """What `--version` prints."""
    return f"ferry {VERSION} (protocol {protocol_name()}, commit {commit()})"
