#!/usr/bin/python3
"""Does `ferry run` memory grow with the input? Peak RSS of ferry at two input sizes, one invocation.

    /usr/bin/python3 bench/memory_bench.py [--sizes 200000,2000000] [--runs 3]
        [--ferry build-release/ferry] [--baseline OTHER/ferry] [--remember-done 100000] [--stdin]

Per run: `ferry run` of the no-op pipeline (ferry_worker.examples.noop, `noop.64`, batches of
64, 2 worker processes) over N generated jobs, with `broker.remember_done` held at
--remember-done so the broker's finished-key memory is the same size at every N. The figure is
the peak RSS (VmHWM) of the ferry process itself (producer, embedded broker, aggregation),
read from /proc/PID/status until the summary appears on its stdout, after the last job. The
Python workers are separate processes, left out of the figure and reported on their own
(largest worker VmHWM). Sizes, and --baseline's binary when given, are interleaved run by run so
a busy machine hurts them alike; medians with min-max are printed, with the ratio of the
largest size's median to the smallest's. --stdin feeds the jobs on standard input (`--input -`)
instead of naming the file.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

REPO = pathlib.Path(__file__).resolve().parents[1]
PYTHON = "/usr/bin/python3"
POLL_S = 0.02


@dataclass
class Run:
    """What one `ferry run` measured."""

    ferry_kib: int = 0                 # VmHWM of the ferry process
    worker_kib: int = 0                # largest VmHWM among its descendants (worker processes)
    jobs_per_s: float = 0.0            # from the summary
    seen: dict[int, int] = field(default_factory=dict)  # descendant pid -> last VmHWM


def pipeline_yaml(remember_done: int, processes: int) -> str:
    return f"""
broker:
  producers_endpoint: "tcp://127.0.0.1:0"
  workers_endpoint: "tcp://127.0.0.1:0"
  remember_done: {remember_done}
job_types:
  noop.64: {{batch: {{max_size: 64, max_delay_ms: 2}}}}
input: {{type: noop.64}}
output: {{order: input}}
workers:
  - {{handlers: ferry_worker.examples.noop, processes: {processes}, python: {PYTHON}}}
"""


def write_jobs(path: pathlib.Path, count: int) -> None:
    with path.open("w") as out:
        for i in range(count):
            out.write(f'{{"id": "job-{i:08d}", "payload": {{"n": {i}, "text": "{"x" * 40}"}}}}\n')


def vm_hwm_kib(pid: int) -> int:
    """VmHWM of a live process in KiB; 0 once it is gone (or a zombie). (bench/peers/procs.py
    reads /proc the same way but imports psutil, which this benchmark does without.)"""
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def descendants(root: int) -> list[int]:
    """Every live descendant of `root`, from the ppid field of /proc/*/stat."""
    parents: dict[int, int] = {}
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def watch(proc: subprocess.Popen, run: Run, done: threading.Event) -> None:
    """Polls the ferry process's and its descendants' VmHWM until `done` or the process exits."""
    next_scan = 0.0
    while not done.is_set() and proc.poll() is None:
        run.ferry_kib = max(run.ferry_kib, vm_hwm_kib(proc.pid))
        if time.monotonic() >= next_scan:  # the tree changes rarely: scan it every 0.5 s
            for pid in descendants(proc.pid):
                run.seen[pid] = 0
            next_scan = time.monotonic() + 0.5
        for pid in run.seen:
            run.seen[pid] = max(run.seen[pid], vm_hwm_kib(pid))
        time.sleep(POLL_S)


def measure(ferry: pathlib.Path, work: pathlib.Path, jobs: pathlib.Path, stdin: bool) -> Run:
    env = dict(os.environ, PYTHONPATH=str(REPO / "py_workers"))
    command = [str(ferry), "run", str(work / "pipeline.yaml"), "--input",
               "-" if stdin else str(jobs), "--output", str(work / "out.jsonl"), "--json"]
    run, done = Run(), threading.Event()
    with jobs.open("rb") as feed, subprocess.Popen(
            command, stdin=feed if stdin else subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=env, text=True) as proc:
        watcher = threading.Thread(target=watch, args=(proc, run, done))
        watcher.start()
        summary_line = proc.stdout.readline() if proc.stdout else ""
        # The summary is printed after the last outcome is written: the producer's work is over.
        run.ferry_kib = max(run.ferry_kib, vm_hwm_kib(proc.pid))
        done.set()
        watcher.join()
        rest = proc.stdout.read() if proc.stdout else ""
        code = proc.wait()
    if code != 0:
        raise SystemExit(f"{ferry} run exited {code} on {jobs}: {summary_line}{rest}")
    summary = json.loads(summary_line)
    run.jobs_per_s = float(summary["jobs_per_s"])
    run.worker_kib = max(run.seen.values(), default=0)
    return run


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def report(results: dict[str, dict[int, list[Run]]], sizes: list[int]) -> str:
    lines = ["| binary | jobs | ferry peak RSS MiB, median (min-max) | largest worker MiB | "
             "jobs/s (median) |", "| --- | ---: | ---: | ---: | ---: |"]
    ratios = []
    for name, by_size in results.items():
        for size in sizes:
            runs = by_size[size]
            lines.append(f"| {name} | {size:,} | {spread([r.ferry_kib / 1024 for r in runs])} | "
                         f"{spread([r.worker_kib / 1024 for r in runs])} | "
                         f"{statistics.median(r.jobs_per_s for r in runs):,.0f} |")
        small = statistics.median(r.ferry_kib for r in by_size[sizes[0]])
        large = statistics.median(r.ferry_kib for r in by_size[sizes[-1]])
        ratios.append(f"{name}: peak at {sizes[-1]:,} / peak at {sizes[0]:,} = "
                      f"{large / small:.2f}x")
    return "\n".join(lines + [""] + ratios) + "\n"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200000,2000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ferry", default=str(REPO / "build-release" / "ferry"))
    parser.add_argument("--baseline", help="a second ferry binary, measured alternately")
    parser.add_argument("--remember-done", type=int, default=100000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--stdin", action="store_true", help="feed the jobs on standard input")
    return parser.parse_args(argv)


def binaries_of(args: argparse.Namespace) -> dict[str, pathlib.Path]:
    binaries = {"this": pathlib.Path(args.ferry)}
    if args.baseline:
        binaries = {"baseline": pathlib.Path(args.baseline), **binaries}
    for binary in binaries.values():
        if not binary.exists():
            raise SystemExit(f"{binary} is missing: build it first (cmake --preset release && "
                             "cmake --build build-release --target ferry)")
    return binaries


def run_rounds(args: argparse.Namespace, binaries: dict[str, pathlib.Path], sizes: list[int],
               work: pathlib.Path) -> dict[str, dict[int, list[Run]]]:
    """Every size with every binary, round after round, so a busy spell hurts all alike."""
    results: dict[str, dict[int, list[Run]]] = {n: {s: [] for s in sizes} for n in binaries}
    for round_ in range(args.runs):
        for size in sizes:
            for name, binary in binaries.items():
                run = measure(binary, work, work / f"jobs-{size}.jsonl", args.stdin)
                results[name][size].append(run)
                print(f"  round {round_ + 1} {name:<8} {size:>9,} jobs: ferry "
                      f"{run.ferry_kib / 1024:6.1f} MiB, largest worker "
                      f"{run.worker_kib / 1024:5.1f} MiB, {run.jobs_per_s:,.0f} jobs/s",
                      flush=True)
    return results


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    binaries = binaries_of(args)
    with tempfile.TemporaryDirectory(prefix="ferry-bench-memory-", dir="/var/tmp") as tmp:
        work = pathlib.Path(tmp)
        (work / "pipeline.yaml").write_text(pipeline_yaml(args.remember_done, args.processes))
        for size in sizes:
            write_jobs(work / f"jobs-{size}.jsonl", size)
        results = run_rounds(args, binaries, sizes, work)
    print(report(results, sizes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
