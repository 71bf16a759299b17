#!/usr/bin/python3
"""What does durability cost? The no-op pipeline with the journal off, fsync interval_ms and always.

    /usr/bin/python3 bench/journal_bench.py [--jobs 100000] [--runs 3] [--write-docs]

The no-op pipeline: a `ferry broker`, a pool of 2 worker processes serving
ferry_worker.examples.echo (`echo.batch`, batch 64), and `ferry submit` of --jobs small jobs
(window 20,000). Per run: a fresh broker (and journal directory), a warm-up submit, then the
measured submit; its jobs/s is the figure. The three modes are interleaved round by round so a
noisy machine hurts them alike; the median of --runs is reported with the ratio to journal-off.
--write-docs replaces the Durability section of docs/BENCHMARKS.md (between its markers).
Uses build/ferry (FERRY_BUILD_DIR overrides build/).
"""

from __future__ import annotations

import argparse
import datetime
import json
import pathlib
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from batching import broker_and_pool, submit  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
BENCHMARKS = REPO / "docs" / "BENCHMARKS.md"
BEGIN, END = "<!-- journal_bench:begin -->", "<!-- journal_bench:end -->"
MODES = {"off": "", "interval_ms: 10": "{fsync: interval_ms, interval_ms: 10}",
         "always": "{fsync: always}"}
WARM_UP_JOBS = 5000


def pipeline_yaml(journal: str, journal_dir: pathlib.Path) -> str:
    journal_key = "" if not journal else \
        f"  journal: {{path: {journal_dir}, {journal.strip('{}')}}}\n"
    return f"""
broker:
  producers_endpoint: "tcp://127.0.0.1:0"
  workers_endpoint: "tcp://127.0.0.1:0"
{journal_key}job_types:
  echo.batch: {{batch: {{max_size: 64, max_delay_ms: 2}}}}
input: {{type: echo.batch}}
producer: {{window: 20000, submit_batch: 256}}
"""


def write_jobs(path: pathlib.Path, count: int, prefix: str) -> None:
    """Warm-up and measured jobs get distinct ids: both submits write out.jsonl, so they are the
    same producer client, and a finished id is refused as a duplicate."""
    with path.open("w") as out:
        for i in range(count):
            out.write(json.dumps({"id": f"{prefix}{i}", "payload": {"n": i, "text": "x" * 40}}) + "\n")


def measure(work: pathlib.Path, mode: str, processes: int) -> float:
    journal_dir = work / "journal"
    shutil.rmtree(journal_dir, ignore_errors=True)
    config = work / "pipeline.yaml"
    config.write_text(pipeline_yaml(MODES[mode], journal_dir))
    with broker_and_pool(work, config, processes, "ferry_worker.examples.echo") as producers:
        submit(work, config, producers, work / "warm-up.jsonl")
        summary = submit(work, config, producers, work / "jobs.jsonl")
    if summary["failed"]:
        raise SystemExit(f"journal {mode}: {summary['failed']} jobs failed")
    return float(summary["jobs_per_s"])


def report(rates: dict[str, list[float]], jobs: int, processes: int) -> str:
    base = statistics.median(rates["off"])
    lines = [f"Result ({datetime.date.today()}, {jobs} jobs per run, {processes} worker "
             f"processes, median of {len(rates['off'])}):", "",
             "| journal | jobs/s (median) | runs | ratio to off |", "| --- | --- | --- | --- |"]
    for mode, runs in rates.items():
        median = statistics.median(runs)
        figures = ", ".join(f"{r:,.0f}" for r in runs)
        lines.append(f"| {mode} | {median:,.0f} | {figures} | {median / base:.2f} |")
    return "\n".join(lines) + "\n"


def write_docs(table: str) -> None:
    text = BENCHMARKS.read_text()
    if BEGIN not in text:
        raise SystemExit(f"{BENCHMARKS} has no {BEGIN} marker: add the Durability section first")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    BENCHMARKS.write_text(f"{head}{BEGIN}\n{table}{END}{tail}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    rates: dict[str, list[float]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory(prefix="ferry-bench-journal-", dir="/var/tmp") as tmp:
        work = pathlib.Path(tmp)
        write_jobs(work / "jobs.jsonl", args.jobs, "j")
        write_jobs(work / "warm-up.jsonl", WARM_UP_JOBS, "w")
        for _ in range(args.runs):
            for mode in MODES:
                rates[mode].append(measure(work, mode, args.processes))
                print(f"  journal {mode:<16} {rates[mode][-1]:>9,.0f} jobs/s", flush=True)
    table = report(rates, args.jobs, args.processes)
    print(table)
    if args.write_docs:
        write_docs(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
