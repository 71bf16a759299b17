"""The peer benchmark's command line: which workloads, which systems, how many runs."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from peers import machine, memory, procs, workloads
from peers.measure import measure

log = logging.getLogger("peers")
SYSTEMS = ["ferry_peer", "pyzmq_peer", "celery_peer", "rq_peer", "dask_peer", "http_peer",
           "inprocess"]
WORKLOADS = ["noop", "cpu-5ms", "latency", "digits", "ocr"]
SLOW = {"celery_peer", "rq_peer", "dask_peer", "http_peer"}  # ~1,000 jobs/s or less on noop
CAPPED = {"noop", "digits"}  # 100,000-job workloads
CAP, QUICK_CAP = 20_000, 3_000
MEMORY_JOBS, QUICK_MEMORY_JOBS = 1_000_000, 200_000


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/run", description="Ferry against its peers")
    p.add_argument("--quick", action="store_true", help="fewer jobs, 1 run each (not published)")
    p.add_argument("--repeats", type=int, help="timed runs per row (default 3; 1 with --quick)")
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--systems", default=",".join(s.removesuffix("_peer") for s in SYSTEMS))
    p.add_argument("--same-counts", action="store_true",
                   help="run slow peers on the full job counts too (about an hour more)")
    p.add_argument("--results", type=Path, default=procs.ROOT / "docs/bench/peers.json")
    p.add_argument("--no-docs", action="store_true", help="do not regenerate docs/")
    p.add_argument("--skip-memory", action="store_true")
    p.add_argument("--skip-profile", action="store_true", help="no perf profile of Ferry")
    p.add_argument("--merge", action="store_true",
                   help="rerun only the selected rows and merge them into --results")
    p.add_argument("--report-only", action="store_true",
                   help="regenerate the docs from --results without running anything")
    p.add_argument("--command", default="bench/run", help="the command line, for the docs")
    return p.parse_args(argv)


def job_count(args: argparse.Namespace, system: str, workload: workloads.Workload) -> int:
    """The workload's count, capped for the slow peers unless --same-counts."""
    n = workload.job_count(args.quick)
    if system in SLOW and workload.name in CAPPED and not args.same_counts:
        return min(n, QUICK_CAP if args.quick else CAP)
    return n


def run_rows(args: argparse.Namespace, results: dict[str, Any], save_to: Path) -> None:
    repeats = args.repeats or (1 if args.quick else 3)
    systems = [s if s == "inprocess" else f"{s}_peer" for s in args.systems.split(",")]
    for name in args.workloads.split(","):
        workload = workloads.get(name)
        for system in systems:
            module = importlib.import_module(f"peers.{system}")
            for variant in module.variants(workload):
                n = job_count(args, system, workload)
                results["rows"].append(measure(module, workload, variant, n, repeats))
                save(save_to, results)


def save(path: Path, results: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, default=str) + "\n")


def merged(old: dict[str, Any], new: dict[str, Any], command: str) -> dict[str, Any]:
    """The earlier results with the rows just measured put in place of their namesakes."""
    key = lambda row: (row["workload"], row["system"], row["variant"])  # noqa: E731
    fresh = {key(r): r for r in new["rows"]}
    old["rows"] = [fresh.pop(key(r), r) for r in old["rows"]] + list(fresh.values())
    old.setdefault("reruns", []).append({"command": command, "started": new["started"],
                                         "rows": [list(key(r)) for r in new["rows"]]})
    return old


def run_profile(jobs: int) -> None:
    """perf profile of Ferry on noop; a missing or restricted perf is logged, not fatal."""
    from peers import profile

    try:
        profile.main(jobs)
    except (OSError, subprocess.SubprocessError, RuntimeError) as exc:
        log.error("perf profile failed (is linux-perf installed, perf_event_paranoid low "
                  "enough?): %s", exc)


def report_only(args: argparse.Namespace) -> int:
    from peers import report

    report.publish(json.loads(args.results.read_text()), args.results)
    return 0


def main(argv: list[str]) -> int:
    args = parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for noisy in ("distributed", "digits.handler", "ocr.handler", "celery", "kombu"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.report_only:
        return report_only(args)
    for sig in (signal.SIGTERM, signal.SIGINT):  # exit through atexit: servers stop by PID
        signal.signal(sig, lambda signum, _frame: sys.exit(128 + signum))
    started = time.time()
    results: dict[str, Any] = {"quick": args.quick, "command": args.command,
                               "machine": machine.describe(), "rows": [], "started": started}
    partial = args.results.with_suffix(".partial.json") if args.merge else args.results
    run_rows(args, results, partial)  # saved after every row: a failed run keeps what it did
    if args.merge:
        results = merged(json.loads(args.results.read_text()), results, args.command)
        partial.unlink()
    if not args.skip_memory:
        results["memory"] = memory.measure_broker_memory(
            QUICK_MEMORY_JOBS if args.quick else MEMORY_JOBS)
    if not args.skip_profile:
        run_profile(QUICK_CAP * 10 if args.quick else workloads.get("noop").jobs)
    results.setdefault("duration_s", time.time() - started)
    save(args.results, results)
    if not args.no_docs:
        from peers import report

        report.publish(results, args.results)
    failed = [r for r in results["rows"] if r.get("error")]
    for row in failed:
        log.error("FAILED %s / %s / %s: %s", row["workload"], row["system"], row["variant"],
                  row["error"])
    return 1 if failed else 0
