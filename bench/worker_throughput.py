#!/usr/bin/env python3
"""Per-process throughput of a no-op handler, batches of 1 and of 64 jobs.

Drives one worker process (python3 -m ferry_worker --processes 1) from a minimal ROUTER broker
in this script that keeps the worker's credit full (the credit READY announces plus any the
worker adds in RESULTS), and prints jobs/s for each batch size and
the ratio. With --baseline DIR (another checkout's py_workers), the same figures for that
package too, measured alternately in the same invocation.
Run: PYTHONPATH=py_workers /usr/bin/python3 bench/worker_throughput.py [--baseline DIR]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import msgpack
import zmq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "py_workers"))
from ferry_worker.codec import decode, encode, header, pack_frames  # noqa: E402
from ferry_worker.protocol import Command  # noqa: E402

PAYLOAD = msgpack.packb({"x": 1}, use_bin_type=True)


def start_worker(endpoint: str, package_dir: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=package_dir)
    return subprocess.Popen(
        [sys.executable, "-m", "ferry_worker", "--broker", endpoint, "--processes", "1",
         "--handlers", "ferry_worker.examples.noop", "--log-level", "WARNING"], env=env)


def handshake(router: zmq.Socket) -> tuple[bytes, int]:
    identity, credit, _ = register(router)
    return identity, credit


def register(router: zmq.Socket) -> tuple[bytes, int, int]:
    """Answers the worker's READY; its identity, credit and pid."""
    while True:
        identity, *frames = router.recv_multipart()
        message = decode(frames)
        if message.command is Command.READY:
            router.send_multipart([identity, *encode(Command.WELCOME, {
                "broker": "bench", "heartbeat_ms": 1000, "liveness": 10})])
            return identity, int(message.body["credit"]), int(message.body["pid"])


def cpu_seconds(pid: int) -> float:
    """utime + stime of process `pid` (all its threads), from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(router: zmq.Socket, identity: bytes, credit: int, job_type: str, batch: int,
            seconds: float) -> tuple[float, int]:
    """Jobs per second over `seconds`, keeping the worker's credit full; and the jobs done."""
    free, sent, done, seq = credit, 0, 0, 0
    results_header = header(Command.RESULTS)
    started = time.perf_counter()
    while True:
        while free >= batch:  # fields in canonical order: pack_frames, not encode
            jobs = [{"id": f"{job_type}-{seq + i}", "type": job_type, "payload": PAYLOAD,
                     "attempt": 1} for i in range(batch)]
            router.send_multipart([identity, *pack_frames(Command.JOBS, {"jobs": jobs})])
            seq, free, sent = seq + batch, free - batch, sent + batch
        _, head, body = router.recv_multipart()
        if head == results_header:  # unpacked without the codec's checks: the driver stays cheap
            message = msgpack.unpackb(body)
            count = len(message["results"])
            done += count
            free += message.get("credit", count)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds and done >= sent - credit:
            return done / elapsed, done


def measure_package(package_dir: str, seconds: float) -> tuple[float, float, int, float, float]:
    """Jobs/s at batch 1 and 64 of one worker process running the package at `package_dir`,
    its READY credit, and the worker process's CPU microseconds per job at each size."""
    context = zmq.Context.instance()
    router = context.socket(zmq.ROUTER)
    router.bind("tcp://127.0.0.1:*")
    worker = start_worker(router.getsockopt_string(zmq.LAST_ENDPOINT), package_dir)
    try:
        identity, credit, pid = register(router)
        measure(router, identity, credit, "noop.1", 1, 0.5)  # warm-up
        cpu = cpu_seconds(pid)
        one, one_jobs = measure(router, identity, credit, "noop.1", 1, seconds)
        cpu_one, cpu = (cpu_seconds(pid) - cpu) * 1e6 / one_jobs, cpu_seconds(pid)
        many, many_jobs = measure(router, identity, credit, "noop.64", 64, seconds)
        cpu_many = (cpu_seconds(pid) - cpu) * 1e6 / many_jobs
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        router.close(linger=0)
    return one, many, credit, cpu_one, cpu_many


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per size")
    parser.add_argument("--baseline", default="", metavar="DIR",
                        help="another py_workers directory, measured alternately with this one")
    parser.add_argument("--rounds", type=int, default=1, help="measurements of each package")
    args = parser.parse_args()
    packages = {"this": str(ROOT / "py_workers")}
    if args.baseline:
        packages["baseline"] = args.baseline
    for round_no in range(1, args.rounds + 1):
        for name, package_dir in packages.items():
            one, many, credit, cpu_one, cpu_many = measure_package(package_dir, args.seconds)
            print(f"round {round_no}, {name} ({package_dir}), no-op handler, one worker process, "
                  f"credit {credit}: batch 1 {one:.0f} jobs/s ({cpu_one:.1f} us CPU/job), "
                  f"batch 64 {many:.0f} jobs/s ({cpu_many:.1f} us CPU/job), "
                  f"ratio {many / one:.1f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
