#!/usr/bin/env python3
"""Per-process throughput of a no-op handler, batches of 1 and of 64 jobs.

Drives one worker process (python3 -m ferry_worker --processes 1) from a minimal ROUTER broker
in this script that keeps the worker's credit full, and prints jobs/s for each batch size and
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
from ferry_worker.codec import decode, encode  # noqa: E402
from ferry_worker.protocol import Command  # noqa: E402

PAYLOAD = msgpack.packb({"x": 1}, use_bin_type=True)


def start_worker(endpoint: str, package_dir: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=package_dir)
    return subprocess.Popen(
        [sys.executable, "-m", "ferry_worker", "--broker", endpoint, "--processes", "1",
         "--handlers", "ferry_worker.examples.noop", "--log-level", "WARNING"], env=env)


def handshake(router: zmq.Socket) -> tuple[bytes, int]:
    while True:
        identity, *frames = router.recv_multipart()
        message = decode(frames)
        if message.command is Command.READY:
            router.send_multipart([identity, *encode(Command.WELCOME, {
                "broker": "bench", "heartbeat_ms": 1000, "liveness": 10})])
            return identity, int(message.body["credit"])


def measure(router: zmq.Socket, identity: bytes, credit: int, job_type: str, batch: int,
            seconds: float) -> float:
    """Jobs per second over `seconds`, keeping at most `credit` jobs at the worker."""
    free, sent, done, seq = credit, 0, 0, 0
    started = time.perf_counter()
    while True:
        while free >= batch:
            jobs = [{"id": f"{job_type}-{seq + i}", "type": job_type, "payload": PAYLOAD,
                     "attempt": 1} for i in range(batch)]
            router.send_multipart([identity, *encode(Command.JOBS, {"jobs": jobs})])
            seq, free, sent = seq + batch, free - batch, sent + batch
        _, *frames = router.recv_multipart()
        message = decode(frames)
        if message.command is Command.RESULTS:
            results = message.body["results"]
            done += len(results)
            free += message.body.get("credit", len(results))
        elapsed = time.perf_counter() - started
        if elapsed >= seconds and done >= sent - credit:
            return done / elapsed


def measure_package(package_dir: str, seconds: float) -> tuple[float, float, int]:
    """Jobs/s at batch 1 and 64 of one worker process running the package at `package_dir`."""
    context = zmq.Context.instance()
    router = context.socket(zmq.ROUTER)
    router.bind("tcp://127.0.0.1:*")
    worker = start_worker(router.getsockopt_string(zmq.LAST_ENDPOINT), package_dir)
    try:
        identity, credit = handshake(router)
        measure(router, identity, credit, "noop.1", 1, 0.5)  # warm-up
        one = measure(router, identity, credit, "noop.1", 1, seconds)
        many = measure(router, identity, credit, "noop.64", 64, seconds)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        router.close(linger=0)
    return one, many, credit


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
            one, many, credit = measure_package(package_dir, args.seconds)
            print(f"round {round_no}, {name} ({package_dir}), no-op handler, one worker process, "
                  f"credit {credit}: batch 1 {one:.0f} jobs/s, batch 64 {many:.0f} jobs/s, "
                  f"ratio {many / one:.1f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
