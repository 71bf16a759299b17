#!/usr/bin/env python3
"""What a crash costs: from a job that kills its worker process to the replacement's READY.

A minimal broker in this script (one ROUTER) drives a one-process pool, sends a job that ends the
process at once (os._exit), and times until a new process announces itself, N times per start
method (fork from the warm template, spawn a fresh interpreter) and per handler module (a light
one, and one that imports scikit-learn and NumPy like a model would). It prints median and
min-max in ms, fork and spawn side by side.

Run: /usr/bin/python3 bench/restart_cost.py [--restarts 20]
"""

from __future__ import annotations

import argparse
import os
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

HANDLERS = str(ROOT / "bench" / "restart_handlers.py")


def next_ready(router: zmq.Socket, timeout_s: float = 120.0) -> bytes:
    """Waits for a READY (other messages are dropped), answers WELCOME, returns the identity."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not router.poll(1000):
            continue
        identity, *frames = router.recv_multipart()
        if decode(frames).command is Command.READY:
            router.send_multipart([identity, *encode(Command.WELCOME, {
                "broker": "bench", "heartbeat_ms": 1000, "liveness": 30})])
            return identity
    raise RuntimeError("no worker announced itself")


def restarts(method: str, sklearn: bool, count: int) -> list[float]:
    """Milliseconds from each killing job to the replacement's READY."""
    context = zmq.Context.instance()
    router = context.socket(zmq.ROUTER)
    router.bind("tcp://127.0.0.1:*")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "py_workers"),
               FERRY_BENCH_IMPORT_SKLEARN="1" if sklearn else "0")
    pool = subprocess.Popen(
        [sys.executable, "-m", "ferry_worker", "--broker", router.getsockopt_string(zmq.LAST_ENDPOINT),
         "--handlers", HANDLERS, "--processes", "1", "--start-method", method,
         "--log-level", "WARNING"], env=env, stderr=subprocess.DEVNULL)
    try:
        identity = next_ready(router)
        times = []
        for n in range(count):
            job = {"id": f"die-{n}", "type": "exit", "payload": msgpack.packb(None), "attempt": 1}
            started = time.perf_counter()
            router.send_multipart([identity, *encode(Command.JOBS, {"jobs": [job]})])
            identity = next_ready(router)
            times.append((time.perf_counter() - started) * 1000.0)
        return times
    finally:
        pool.terminate()
        pool.wait(timeout=30)
        router.close(linger=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restarts", type=int, default=20, help="restarts per case (default 20)")
    args = parser.parse_args()
    print(f"{'handler module':<28} {'method':<6} {'median ms':>10} {'min-max ms':>16}")
    for sklearn in (False, True):
        for method in ("fork", "spawn"):
            ms = restarts(method, sklearn, args.restarts)
            module = "imports sklearn + numpy" if sklearn else "light (ferry_worker only)"
            print(f"{module:<28} {method:<6} {statistics.median(ms):>10.1f} "
                  f"{min(ms):>7.1f}-{max(ms):<8.1f}", flush=True)


if __name__ == "__main__":
    main()
