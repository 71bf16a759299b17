#!/usr/bin/env python3
"""CPU the worker runtime spends beside its handlers, by /proc accounting, for cpu-5ms jobs.

Starts a 2-process pool (python3 -m ferry_worker) against a minimal ROUTER broker in this
script, keeps each process's credit full of jobs that burn 5 ms of CPU, and reads utime+stime
of every thread of the supervisor and the worker processes (/proc/<pid>/task/<tid>/stat) before
and after the measured jobs. Handler work is the CPU of the handler threads (their ids come
back in the results) plus, for jobs run inline on a process's main thread, the thread CPU the
handler measured inside itself. Everything else (session loop, zmq I/O threads, watchdogs, the
supervisor) is reported as % of the machine's two cores over the measured wall time.
With --baseline DIR (another checkout's py_workers) the same figures for that package, run
alternately in the same invocation.
Run: /usr/bin/python3 bench/worker_overhead.py [--jobs 2000] [--rounds 3] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import msgpack
import zmq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "py_workers"))
from ferry_worker.codec import decode, encode  # noqa: E402
from ferry_worker.protocol import Command  # noqa: E402

HANDLERS = str(Path(__file__).resolve().parent / "overhead_handlers.py")
CORES = 2
TICK = os.sysconf("SC_CLK_TCK")


def thread_cpu(pids: list[int]) -> dict[tuple[int, int], tuple[str, float]]:
    """(pid, tid) -> (thread name, CPU seconds) for every thread of `pids`."""
    found = {}
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except FileNotFoundError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/stat") as stat:
                    text = stat.read()
            except FileNotFoundError:
                continue
            name = text[text.index("(") + 1:text.rindex(")")]
            fields = text[text.rindex(")") + 2:].split()
            found[(pid, int(tid))] = (name, (int(fields[11]) + int(fields[12])) / TICK)
    return found


class Broker:
    """A ROUTER that registers the pool's processes and keeps their credit full."""

    def __init__(self) -> None:
        self.router = zmq.Context.instance().socket(zmq.ROUTER)
        self.router.setsockopt(zmq.LINGER, 0)
        self.router.bind("tcp://127.0.0.1:*")
        self.endpoint = self.router.getsockopt_string(zmq.LAST_ENDPOINT)
        self.free: dict[bytes, int] = {}  # identity -> credit left
        self.pids: dict[bytes, int] = {}
        self.seq = 0

    def register(self, count: int) -> None:
        while len(self.free) < count:
            identity, *frames = self.router.recv_multipart()
            message = decode(frames)
            if message.command is Command.READY:
                self.free[identity] = int(message.body["credit"])
                self.pids[identity] = int(message.body["pid"])
                self.router.send_multipart([identity, *encode(Command.WELCOME, {
                    "broker": "bench", "heartbeat_ms": 1000, "liveness": 10})])

    def run(self, jobs: int, seconds: float) -> list[list]:
        """Runs `jobs` jobs of `seconds` CPU each, one job per JOBS message; their results."""
        payload = msgpack.packb(seconds)
        left, out = jobs, []
        while len(out) < jobs:
            for identity in self.free:
                while self.free[identity] > 0 and left > 0:
                    job = {"id": f"c{self.seq}", "type": "overhead.cpu", "payload": payload,
                           "attempt": 1}
                    self.router.send_multipart([identity, *encode(Command.JOBS, {"jobs": [job]})])
                    self.free[identity] -= 1
                    left, self.seq = left - 1, self.seq + 1
            identity, *frames = self.router.recv_multipart()
            message = decode(frames)
            if message.command is Command.RESULTS:
                results = message.body["results"]
                self.free[identity] += message.body.get("credit", len(results))
                out.extend(msgpack.unpackb(r["result"]) for r in results)
        return out


def measure(package_dir: str, jobs: int, seconds: float) -> dict[str, float]:
    """One pool run: wall time, handler CPU and the rest, by thread kind."""
    broker = Broker()
    env = dict(os.environ, PYTHONPATH=package_dir)
    pool = subprocess.Popen(
        [sys.executable, "-m", "ferry_worker", "--broker", broker.endpoint, "--processes", "2",
         "--handlers", HANDLERS, "--log-level", "WARNING"], env=env)
    try:
        broker.register(2)
        broker.run(100, seconds)  # warm-up: setup, first calls, credit settled
        pids = [pool.pid, *broker.pids.values()]
        before, started = thread_cpu(pids), time.perf_counter()
        results = broker.run(jobs, seconds)
        after, wall = thread_cpu(pids), time.perf_counter() - started
    finally:
        pool.send_signal(signal.SIGKILL)
        pool.wait()
        for pid in broker.pids.values():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        broker.router.close(linger=0)
    return account(before, after, results, set(broker.pids.values()), wall, seconds)


def account(before, after, results, workers: set[int], wall: float, seconds: float
            ) -> dict[str, float]:
    """Handler and other CPU, as % of the cores over `wall` and as microseconds per job.

    `at_full_speed_pct` is the other CPU per job times the rate the cores could sustain if they
    did only handler work (CORES / seconds jobs/s): the share it takes on an otherwise idle
    machine, where a loaded one runs fewer jobs per second and shows a smaller %.
    """
    handler_tids = {tid for tid, _ in results if tid not in workers}
    inline_cpu = sum(cpu for tid, cpu in results if tid in workers)
    used = {key: after[key][1] - before.get(key, ("", 0.0))[1] for key in after}
    handler = sum(cpu for (pid, tid), cpu in used.items() if tid in handler_tids) + inline_cpu
    rest = sum(used.values()) - handler
    main = sum(cpu for (pid, tid), cpu in used.items() if pid == tid and pid in workers)
    supervisor = sum(cpu for (pid, tid), cpu in used.items() if pid not in workers)
    per_job = rest / len(results)
    return {"wall": wall, "jobs_per_s": len(results) / wall, "rest_us_per_job": per_job * 1e6,
            "at_full_speed_pct": 100 * per_job / seconds / (1 + per_job / seconds),
            "handler_pct": 100 * handler / (wall * CORES),
            "rest_pct": 100 * rest / (wall * CORES),
            "session_pct": 100 * (main - inline_cpu) / (wall * CORES),
            "supervisor_pct": 100 * supervisor / (wall * CORES)}


def summary(runs: list[dict[str, float]], key: str) -> str:
    values = [run[key] for run in runs]
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000, help="measured jobs per run")
    parser.add_argument("--cpu-ms", type=float, default=5.0, help="CPU per job")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each package")
    parser.add_argument("--baseline", default="", metavar="DIR",
                        help="another py_workers directory, measured alternately with this one")
    args = parser.parse_args()
    packages = {"this": str(ROOT / "py_workers")}
    if args.baseline:
        packages["baseline"] = args.baseline
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in packages}
    for _ in range(args.rounds):
        for name, package_dir in packages.items():
            runs[name].append(measure(package_dir, args.jobs, args.cpu_ms / 1000))
            print(f"{name}: {runs[name][-1]}", flush=True)
    print(f"{args.jobs} jobs of {args.cpu_ms} ms CPU, 2 worker processes, medians of "
          f"{args.rounds} (min-max); % of {CORES} cores over the wall time")
    for name, package_runs in runs.items():
        print(f"{name:9s} jobs/s {summary(package_runs, 'jobs_per_s')}  handler "
              f"{summary(package_runs, 'handler_pct')}%  everything else "
              f"{summary(package_runs, 'rest_pct')}% (session threads "
              f"{summary(package_runs, 'session_pct')}%, supervisor "
              f"{summary(package_runs, 'supervisor_pct')}%); per job "
              f"{summary(package_runs, 'rest_us_per_job')} us, so at full speed "
              f"{summary(package_runs, 'at_full_speed_pct')}% of the cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
