#!/usr/bin/env python3
"""The scheduler's overhead: tiny runs fired back to back by `ferry serve`, as runs/s.

A pipeline of one job (an echo) is backfilled over N nominal times (`every: 1s`, so N seconds of
history): the service starts the runs one after another, each with its fired record fsynced,
its own output file, its producer session, its end recorded. The figure is N over the time from
the backfill command to the last run's end record. The baseline, run side by side in the same
invocation, is what the same runs cost without a service: N `ferry submit` processes one after
another against a running `ferry broker` with the same pool (a cron-driven setup). Each side is
measured R times, alternately; medians with min-max.

Run: /usr/bin/python3 bench/serve_bench.py [--runs 1000] [--submits 200] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PYTHONPATH=str(ROOT / "py_workers"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_service(work: Path) -> tuple[Path, str]:
    producers = f"tcp://127.0.0.1:{free_port()}"
    (work / "pipelines").mkdir()
    (work / "job.jsonl").write_text(json.dumps({"id": "only", "payload": {"n": 1}}) + "\n")
    (work / "service.yaml").write_text(f"""
broker:
  producers_endpoint: {producers}
  workers_endpoint: tcp://127.0.0.1:{free_port()}
service: {{state_dir: state, pipelines: [pipelines/*.yaml]}}
workers:
  - {{handlers: ferry_worker.examples.echo, processes: 1, python: /usr/bin/python3}}
""")
    (work / "pipelines" / "tiny.yaml").write_text("""
schedule: {every: 1s, paused: true, keep_runs: 100000}  # keep every record: they are counted
input: {path: ../job.jsonl, type: echo}
output: {path: "out/{run_id}.jsonl"}
""")
    return work / "service.yaml", producers


def ended_runs(ferry: Path, producers: str) -> int:
    done = subprocess.run([str(ferry), "runs", "tiny", "--json", "--limit", "1000000", "--broker",
                           producers], capture_output=True, text=True, env=ENV, check=True)
    runs = json.loads(done.stdout)["pipelines"][0]["runs"]
    return sum(run["state"] == "succeeded" for run in runs)


def serve_side(ferry: Path, runs: int) -> float:
    """Seconds for `runs` backfilled runs, from the backfill command to the last end."""
    with tempfile.TemporaryDirectory(prefix="ferry-serve-bench-") as tmp:
        service, producers = write_service(Path(tmp))
        proc = subprocess.Popen([str(ferry), "serve", str(service)], cwd=tmp, env=ENV,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert proc.stdout.readline().startswith("ferry serve:")
            start_at = "2020-01-01T00:00:00Z"
            end_at = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                   time.gmtime(1577836800 + runs - 1))
            started = time.perf_counter()
            subprocess.run([str(ferry), "backfill", "tiny", "--from", start_at, "--to", end_at,
                            "--broker", producers], env=ENV, check=True, capture_output=True)
            while ended_runs(ferry, producers) < runs:
                time.sleep(0.2)  # a progress poll: the figure's error is at most this
            return time.perf_counter() - started
        finally:
            proc.terminate()
            proc.wait(timeout=60)


def submit_side(ferry: Path, submits: int) -> float:
    """Seconds for `submits` one-job `ferry submit` processes, one after another."""
    with tempfile.TemporaryDirectory(prefix="ferry-submit-bench-") as tmp:
        work = Path(tmp)
        producers, workers = f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"
        (work / "job.jsonl").write_text(json.dumps({"id": "only", "payload": {"n": 1}}) + "\n")
        (work / "p.yaml").write_text(f"""
broker: {{producers_endpoint: {producers}, workers_endpoint: {workers}}}
input: {{type: echo}}
""")
        broker = subprocess.Popen([str(ferry), "broker", "p.yaml"], cwd=work, env=ENV,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        pool = subprocess.Popen([sys.executable, "-m", "ferry_worker", "--broker", workers,
                                 "--handlers", "ferry_worker.examples.echo", "--processes", "1"],
                                cwd=work, env=ENV, stderr=subprocess.DEVNULL)
        try:
            assert broker.stdout.readline().startswith("ferry broker:")
            started = time.perf_counter()
            for i in range(submits):
                subprocess.run([str(ferry), "submit", "p.yaml", "--broker", producers, "--input",
                                "job.jsonl", "--output", f"out-{i}.jsonl"], cwd=work, env=ENV,
                               check=True, capture_output=True)
            return time.perf_counter() - started
        finally:
            pool.terminate()
            pool.wait(timeout=60)
            broker.terminate()
            broker.wait(timeout=60)


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):,.1f} ({min(values):,.1f}-{max(values):,.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--submits", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    args = parser.parse_args()
    ferry = args.build.resolve() / "ferry"
    serve_rates, submit_rates = [], []
    for _ in range(args.repeats):
        serve_rates.append(args.runs / serve_side(ferry, args.runs))
        submit_rates.append(args.submits / submit_side(ferry, args.submits))
    print(f"{args.repeats} rounds, alternated")
    print(f"ferry serve, {args.runs} backfilled one-job runs: {spread(serve_rates)} runs/s")
    print(f"{args.submits} one-job ferry submit processes:   {spread(submit_rates)} runs/s")
    ratios = [a / b for a, b in zip(serve_rates, submit_rates)]
    print(f"serve / submit, round by round: {spread(ratios)}")


if __name__ == "__main__":
    main()
