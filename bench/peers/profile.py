"""Where Ferry's time goes: a system-wide `perf record` around one Ferry noop run.

CPU time is split by role (broker, `ferry submit` producer, Python workers, everything else on
the machine) and the hottest shared objects and symbols of the broker and the workers are listed.
Writes docs/bench/peers-profile.md, which the report includes.
"""

from __future__ import annotations

import logging
import re
import signal
import subprocess
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from peers import procs
from peers.ferry_peer import BATCH_OFF, BATCH_ON, FerrySession
from peers.workloads import get, job_ids

log = logging.getLogger(__name__)
OUT = procs.ROOT / "docs" / "bench" / "peers-profile.md"
HZ = 999
LINE = re.compile(r"^\s*([\d.]+)%\s+(\d+)\s+(\d+):(\S+)\s+(\S+)")


def record(session: FerrySession, n: int, data: Path) -> float:
    """Runs `n` noop jobs through the session under perf; returns the run's wall seconds."""
    workload = get("noop")
    session.prepare([f"p-{i}" for i in job_ids(n)], workload.make_payloads(n))
    perf = procs.spawn("perf", ["perf", "record", "-F", str(HZ), "-g", "-a", "-o", str(data)])
    time.sleep(0.5)
    started = time.perf_counter()
    session.execute()
    wall = time.perf_counter() - started
    perf.send_signal(signal.SIGINT)
    perf.wait(timeout=60)
    return wall


def perf_report(data: Path, *extra: str) -> str:
    argv = ["perf", "report", "-i", str(data), "--stdio", "--no-children", "-g", "none", "-n",
            "--percent-limit", "0.2", *extra]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300).stdout


def roles(data: Path, broker: int, workers: set[int]) -> dict[str, float]:
    """CPU seconds per role, from samples per pid."""
    cpu: dict[str, float] = defaultdict(float)
    for line in perf_report(data, "--sort", "pid,dso").splitlines():
        m = LINE.match(line)
        if not m:
            continue
        pid, comm, seconds = int(m.group(3)), m.group(4), int(m.group(2)) / HZ
        role = "broker (ferry broker)" if pid == broker else \
            "Python workers (2 processes)" if pid in workers else \
            "producer (ferry submit)" if comm == "ferry" else "other processes on the machine"
        cpu[role] += seconds
    return dict(cpu)


def hottest(data: Path, pids: list[int], sort: str, top: int) -> list[str]:
    out = perf_report(data, "--pid", ",".join(map(str, pids)), "--percentage", "relative",
                      "--sort", sort)
    rows = [ln.strip() for ln in out.splitlines() if ln.strip() and not ln.startswith("#")]
    return rows[:top]


def profile_variant(variant: str, n: int) -> dict[str, Any]:
    session = FerrySession(get("noop"), variant)
    data = procs.LOG_DIR.parent / f"perf-{variant.split()[0]}.data"
    try:
        wall = record(session, n, data)
        broker, workers = session.broker.pid, set(session.worker_pids())
        result = {"variant": variant, "jobs": n, "wall_s": wall,
                  "cpu_s": roles(data, broker, workers),
                  "broker_top": hottest(data, [broker], "dso,sym", 12),
                  "workers_top": hottest(data, sorted(workers), "dso,sym", 15)}
    finally:
        session.close()
    return result


def markdown(profiles: list[dict[str, Any]]) -> str:
    lines = ["### Where the time goes (perf profile of Ferry on noop)\n",
             "`perf record -F 999 -g -a` around one `ferry submit` run of noop jobs (system-wide, "
             "cpu-clock); CPU seconds by role, then the hottest symbols of the workers and of the "
             "broker (share of that process's samples). Two cores give 2 CPU-seconds per wall "
             "second.\n"]
    for p in profiles:
        lines.append(f"**{p['variant']}** — {p['jobs']:,} jobs in {p['wall_s']:.3f} s "
                     f"({p['jobs'] / p['wall_s']:,.0f} jobs/s):\n")
        lines += ["| role | CPU s | CPU-s per 1,000 jobs (ms) |", "| --- | ---: | ---: |"]
        for role, seconds in sorted(p["cpu_s"].items(), key=lambda kv: -kv[1]):
            lines.append(f"| {role} | {seconds:.2f} | {seconds * 1e6 / p['jobs']:.0f} |")
        for title, key in (("workers, hottest symbols", "workers_top"),
                           ("broker, hottest symbols", "broker_top")):
            lines += ["", f"<details><summary>{title}</summary>\n", "```",
                      *p[key], "```", "</details>\n"]
    return "\n".join(lines) + "\n"


def main(n: int = 100_000) -> None:
    profiles = [profile_variant(v, n) for v in (BATCH_OFF, BATCH_ON)]
    OUT.write_text(markdown(profiles))
    log.info("wrote %s", OUT)
