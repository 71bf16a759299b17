#!/usr/bin/env python3
"""What poison jobs cost a run: a clean run and a poison run of `ferry run`, side by side.

Each round runs the same 5,000 jobs twice through `ferry run` (2 worker processes, max_attempts
3, timeout_s 2, batches of up to 8): once all healthy, once with ~1% poison jobs spread over
segfault, os._exit, raise, hang and crash-once-then-succeed (tests/e2e/handlers/poison.py). The
floor of the poison run is the clean run's wall plus what the hangs must cost:
hangs x timeout x attempts / processes. It prints each wall, the floor and the ratio poison/floor
(median and min-max over the rounds), and checks the outcome rules: every poison job fails with
its own cause (crash-once ends ok), every other job ends ok. Exit 1 when a rule is broken.

Run: /usr/bin/python3 bench/poison_bench.py [--runs 3] [--ferry build-release/ferry]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HANDLERS = ROOT / "tests" / "e2e" / "handlers" / "poison.py"
KINDS = ("segv", "exit", "raise", "hang", "crash_once")
# The last error each failing kind must end with: its code, and a text its message holds.
OWN_CAUSE = {
    "segv": ("WORKER_LOST", ("signal 11",)),
    "exit": ("WORKER_LOST", ("exited with code 7",)),
    "raise": ("HANDLER_ERROR", ("cannot be read",)),
    "hang": ("TIMEOUT", ("ran past its limit", "handler still running")),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_ferry = ROOT / "build-release" / "ferry"
    add = parser.add_argument
    add("--ferry", default=str(default_ferry if default_ferry.exists() else ROOT / "build" / "ferry"))
    add("--runs", type=int, default=3, help="rounds of clean + poison run (default 3)")
    add("--jobs", type=int, default=5000)
    add("--poison-percent", type=float, default=1.0)
    add("--processes", type=int, default=2)
    add("--timeout-s", type=int, default=2)
    add("--max-attempts", type=int, default=3)
    add("--batch", type=int, default=8, help="batch.max_size (1: the one-job handler)")
    add("--work-ms", type=float, default=1.0, help="CPU time of a healthy job (default 1)")
    add("--start-method", default="fork", choices=("fork", "spawn", "none"),
        help="workers[].start_method; none: leave the key out (a build that predates it)")
    add("--worker-path", default="", help="FERRY_WORKER_PATH: another ferry_worker package dir")
    args = parser.parse_args()
    args.ferry = str(Path(args.ferry).resolve())
    return args


def pipeline(args: argparse.Namespace) -> str:
    job_type = "poison.batch" if args.batch > 1 else "poison.one"
    method = "" if args.start_method == "none" else f", start_method: {args.start_method}"
    return f"""
broker: {{producers_endpoint: "tcp://127.0.0.1:0", workers_endpoint: "tcp://127.0.0.1:0"}}
job_types:
  default: {{max_attempts: {args.max_attempts}, timeout_s: {args.timeout_s},
             batch: {{max_size: {args.batch}, max_delay_ms: 2}}}}
input: {{type: {job_type}}}
workers:
  - {{handlers: "{HANDLERS}", processes: {args.processes}, log_level: warning{method}}}
"""


def job_kinds(args: argparse.Namespace) -> list[str]:
    """`ok` for every job but ~poison_percent, spread evenly over the poison kinds, shuffled."""
    poison = round(args.jobs * args.poison_percent / 100.0)
    kinds = ["ok"] * (args.jobs - poison) + [KINDS[i % len(KINDS)] for i in range(poison)]
    random.Random(2026).shuffle(kinds)
    return kinds


def write_input(path: Path, kinds: list[str], work_ms: float) -> None:
    with path.open("w") as out:
        for n, kind in enumerate(kinds):
            payload = {"kind": kind, "n": n, "work_ms": work_ms}
            out.write(json.dumps({"id": f"job-{n:05d}", "payload": payload}) + "\n")


def run_ferry(args: argparse.Namespace, work: Path, name: str) -> tuple[float, list[dict]]:
    """Wall seconds of one `ferry run`, and its output records."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "py_workers"))
    if args.worker_path:
        env["FERRY_WORKER_PATH"] = args.worker_path
    started = time.perf_counter()
    done = subprocess.run([args.ferry, "run", "p.yaml", "--input", f"{name}.jsonl", "--output",
                           f"{name}.out.jsonl"], cwd=work, env=env, capture_output=True,
                          text=True, timeout=3600)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 3):
        sys.exit(f"ferry run {name} exited {done.returncode}:\n{done.stderr[-4000:]}")
    records = [json.loads(line) for line in (work / f"{name}.out.jsonl").read_text().splitlines()]
    return wall, records


def broken_rules(records: list[dict], kinds: list[str]) -> list[str]:
    """Every poison job failed with its own cause (crash-once ok); every other job ok."""
    problems = []
    for record, kind in zip(records, kinds):
        if kind in OWN_CAUSE:
            code, texts = OWN_CAUSE[kind]
            error = record.get("error") or {}
            if record["status"] != "failed" or error.get("code") != code or not any(
                    text in error.get("message", "") for text in texts):
                problems.append(f"{kind} job {record['id']} ended {record['status']} {error}")
        elif record["status"] != "ok":
            problems.append(f"{kind} job {record['id']} failed: {record.get('error')}")
    if len(records) != len(kinds):
        problems.append(f"{len(records)} outcomes for {len(kinds)} jobs")
    return problems


def charged_innocents(records: list[dict], kinds: list[str]) -> tuple[int, int]:
    """Healthy jobs charged an attempt once, and more than once."""
    extra = [r["attempts"] - 1 for r, k in zip(records, kinds) if k == "ok"]
    return sum(e == 1 for e in extra), sum(e > 1 for e in extra)


def spread(values: list[float], unit: str = "s") -> str:
    return f"{statistics.median(values):7.2f} {unit} ({min(values):.2f}-{max(values):.2f})"


def run_rounds(args: argparse.Namespace, kinds: list[str],
               hang_cost: float) -> tuple[dict[str, list[float]], list[str]]:
    """Clean and poison run, `args.runs` times; the figures per round and the broken rules."""
    rows: dict[str, list[float]] = {"clean": [], "poison": [], "floor": [], "ratio": []}
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ferry-poison-") as tmp:
        work = Path(tmp)
        (work / "p.yaml").write_text(pipeline(args))
        write_input(work / "clean.jsonl", ["ok"] * len(kinds), args.work_ms)
        write_input(work / "poison.jsonl", kinds, args.work_ms)
        for round_no in range(1, args.runs + 1):
            clean, clean_records = run_ferry(args, work, "clean")
            poison, records = run_ferry(args, work, "poison")
            problems += broken_rules(clean_records, ["ok"] * len(kinds)) + broken_rules(records, kinds)
            once, more = charged_innocents(records, kinds)
            floor = clean + hang_cost
            for key, value in (("clean", clean), ("poison", poison), ("floor", floor),
                               ("ratio", poison / floor)):
                rows[key].append(value)
            print(f"round {round_no}: clean {clean:.2f} s, poison {poison:.2f} s, floor "
                  f"{floor:.2f} s, ratio {poison / floor:.2f}; innocents charged once {once}, "
                  f"more than once {more}", flush=True)
    return rows, problems


def main() -> int:
    args = parse_args()
    kinds = job_kinds(args)
    hangs = kinds.count("hang")
    hang_cost = hangs * args.timeout_s * args.max_attempts / args.processes
    rows, problems = run_rounds(args, kinds, hang_cost)
    print(f"{args.jobs} jobs, {len(kinds) - kinds.count('ok')} poison ({hangs} hangs), "
          f"{args.processes} processes, timeout {args.timeout_s} s, max_attempts "
          f"{args.max_attempts}, batch {args.batch}, {args.start_method}; {args.runs} rounds")
    print(f"clean run wall   {spread(rows['clean'])}")
    print(f"poison run wall  {spread(rows['poison'])}")
    print(f"floor            {spread(rows['floor'])}  (clean + {hang_cost:.1f} s of hangs)")
    print(f"ratio poison/floor {spread(rows['ratio'], 'x')}  (target <= 2)")
    for problem in problems[:20]:
        print(f"RULE BROKEN: {problem}")
    print(f"{len(problems)} outcome rules broken over {args.runs} rounds")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
