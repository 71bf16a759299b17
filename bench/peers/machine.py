"""What the benchmark ran on: CPU, memory, OS, and the versions of every system compared."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import psutil

from peers import procs

PACKAGES = ["redis-server", "python3-celery", "python3-rq", "python3-distributed",
            "python3-flask", "gunicorn", "python3-zmq", "python3-msgpack", "libzmq5",
            "python3-sklearn", "tesseract-ocr-eng", "python3-tesserocr"]


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def package_versions() -> dict[str, str]:
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n", *PACKAGES],
                         capture_output=True, text=True)
    return dict(line.split(" ", 1) for line in out.stdout.splitlines() if " " in line)


def git_commit() -> str:
    out = subprocess.run(["git", "-C", str(procs.ROOT), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def os_release() -> str:
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return platform.platform()


def describe() -> dict[str, Any]:
    return {"cpu": cpu_model(), "cores": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "os": os_release(), "kernel": platform.release(),
            "python": platform.python_version(), "packages": package_versions(),
            "ferry_commit": git_commit()}
