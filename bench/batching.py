#!/usr/bin/python3
"""Does dynamic batching pay? The digits pipeline at batch.max_size 1 and 64, one invocation.

    /usr/bin/python3 bench/batching.py [--jobs 40000] [--processes 2] [--sizes 1,64]

For each size: a `ferry broker` whose digits.classify type batches at that size, a pool of
worker processes serving examples/digits/handler.py (the scikit-learn MLP, trained first into
a temp dir), a warm-up submit, then `ferry submit` of --jobs held-out digit jobs. The figure is
the submit's jobs/s: a warm pipeline's sustained throughput, so worker start-up (imports, model
load: ~1 s, the same at every size) does not blur the comparison. Prints jobs/s per size and the
ratio of the largest size to the smallest. Uses build/ferry (FERRY_BUILD_DIR overrides build/).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import time
from typing import Iterator

REPO = pathlib.Path(__file__).resolve().parents[1]
PYTHON = "/usr/bin/python3"  # Debian's: has zmq, msgpack, numpy, scikit-learn
DIGITS = REPO / "examples" / "digits"
WARM_UP_JOBS = 2000


def ferry_bin() -> pathlib.Path:
    binary = pathlib.Path(os.environ.get("FERRY_BUILD_DIR", REPO / "build")) / "ferry"
    if not binary.exists():
        raise SystemExit(f"{binary} is missing: build first (bash scripts/build.sh)")
    return binary


def pipeline_yaml(batch_size: int) -> str:
    delay = 2 if batch_size > 1 else 0
    return f"""
broker: {{producers_endpoint: "tcp://127.0.0.1:0", workers_endpoint: "tcp://127.0.0.1:0"}}
job_types:
  digits.classify: {{timeout_s: 60, batch: {{max_size: {batch_size}, max_delay_ms: {delay}}}}}
input: {{type: digits.classify}}
producer: {{window: 10000, submit_batch: 256}}
"""


def run_script(script: pathlib.Path, *args: str) -> None:
    subprocess.run([PYTHON, str(script), *args], check=True, stdout=subprocess.DEVNULL)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def broker_and_pool(work: pathlib.Path, config: pathlib.Path, processes: int,
                    handlers: str = str(DIGITS / "handler.py")) -> Iterator[str]:
    """A broker and a worker pool serving `handlers` for one config; yields the producers endpoint."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "py_workers"))
    broker = subprocess.Popen([str(ferry_bin()), "--log-level", "warn", "broker", str(config)],
                              cwd=work, env=env, stdout=subprocess.PIPE, text=True)
    pool = None
    try:
        match = re.match(r"ferry broker: producers=(\S+) workers=(\S+)", broker.stdout.readline())
        if not match:
            raise SystemExit("ferry broker did not print its endpoints; see its log above")
        producers, workers = match.groups()
        pool = subprocess.Popen([PYTHON, "-m", "ferry_worker", "--broker", workers, "--handlers",
                                 handlers, "--processes", str(processes),
                                 "--log-level", "WARNING"], cwd=work, env=env)
        wait_for_workers(producers, processes)
        yield producers
    finally:
        for proc in (pool, broker):
            if proc is not None:
                stop(proc)


def wait_for_workers(producers: str, count: int, timeout_s: float = 60) -> None:
    """Polls `ferry status` until `count` workers are registered (start-up is not measured)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = subprocess.run([str(ferry_bin()), "status", "--broker", producers, "--json"],
                                capture_output=True, text=True, timeout=30)
        if status.returncode == 0 and len(json.loads(status.stdout)["workers"]) >= count:
            return
        time.sleep(0.2)
    raise SystemExit(f"{count} worker processes did not register within {timeout_s:.0f} s")


def submit(work: pathlib.Path, config: pathlib.Path, producers: str, jobs: pathlib.Path) -> dict:
    done = subprocess.run([str(ferry_bin()), "--log-level", "warn", "submit", str(config),
                           "--broker", producers, "--input", str(jobs), "--output",
                           str(work / "out.jsonl"), "--json"], cwd=work, capture_output=True,
                          text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"ferry submit failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)


def measure(work: pathlib.Path, batch_size: int, processes: int) -> float:
    config = work / f"digits-batch-{batch_size}.yaml"
    config.write_text(pipeline_yaml(batch_size))
    with broker_and_pool(work, config, processes) as producers:
        submit(work, config, producers, work / "warm-up.jsonl")
        summary = submit(work, config, producers, work / "jobs.jsonl")
    if summary["failed"]:
        raise SystemExit(f"batch {batch_size}: {summary['failed']} jobs failed")
    return float(summary["jobs_per_s"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=40000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--sizes", default="1,64", help="comma-separated batch.max_size values")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="ferry-bench-batching-") as tmp:
        work = pathlib.Path(tmp)
        os.environ["FERRY_MODEL_DIR"] = str(work / "models")
        run_script(DIGITS / "train.py", "--model-dir", str(work / "models"))
        run_script(DIGITS / "make_input.py", "--count", str(args.jobs), "--output", str(work / "jobs.jsonl"))
        run_script(DIGITS / "make_input.py", "--count", str(WARM_UP_JOBS), "--output", str(work / "warm-up.jsonl"))
        rates = {size: measure(work, size, args.processes) for size in sizes}
    print(f"digits.classify, {args.jobs} jobs, {args.processes} worker processes, warm pipeline")
    for size, rate in rates.items():
        print(f"  batch.max_size {size:>4}: {rate:>9.0f} jobs/s")
    print(f"  ratio {max(sizes)} / {min(sizes)}: {rates[max(sizes)] / rates[min(sizes)]:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
