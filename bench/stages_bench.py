#!/usr/bin/env python3
"""A two-stage pipeline in one `ferry run` against the same work as two separate `ferry run`s.

The work: N sentences; stage one splits each into words (`stages.split`), stage two measures
every word (`stages.measure`, a fan-out). The multi-stage run streams words into stage two while
stage one is still running; the baseline runs stage one to its output file, turns that output
into one job per word (in this script, timed with the baseline), and runs stage two. The two are
run alternately, R times each, in one invocation; it prints wall time and the CPU time of
everything both started (ferry, its broker, the worker pools), as medians with min-max, and the
ratio of the medians.

Run: /usr/bin/python3 bench/stages_bench.py [--sentences 20000] [--repeats 5] [--build build]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HANDLERS = ROOT / "tests" / "e2e" / "handlers" / "stages.py"

HEAD = f"""
broker:
  producers_endpoint: tcp://127.0.0.1:0
  workers_endpoint: tcp://127.0.0.1:0
job_types:
  stages.split: {{batch: {{max_size: 64, max_delay_ms: 1}}}}
  stages.measure: {{batch: {{max_size: 256, max_delay_ms: 1}}}}
workers:
  - handlers: {HANDLERS}
    processes: 2
    python: /usr/bin/python3
producer: {{window: 10000}}
"""

STAGES = """
stages:
  - {name: split, type: stages.split}
  - {name: measure, type: stages.measure, for_each: words, payload: {word: item.word}}
"""


def write_inputs(work: Path, sentences: int) -> int:
    rng = random.Random(5)
    words = 0
    with (work / "sentences.jsonl").open("w") as out:
        for i in range(sentences):
            text = " ".join(f"w{rng.randint(0, 9999)}" for _ in range(rng.randint(1, 8)))
            words += len(text.split())
            out.write(json.dumps({"id": f"s{i}", "payload": {"text": text}}) + "\n")
    (work / "multi.yaml").write_text(HEAD + STAGES)
    (work / "split.yaml").write_text(HEAD + "input: {type: stages.split}\n")
    (work / "measure.yaml").write_text(HEAD + "input: {type: stages.measure}\n")
    return words


def ferry(build: Path, work: Path, *args: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "py_workers"))
    done = subprocess.run([str(build / "ferry"), "run", *args], cwd=work, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"ferry run {' '.join(args)} failed:\n{done.stderr[-2000:]}")


def words_as_jobs(work: Path) -> None:
    """The glue a two-run pipeline needs: stage one's output becomes stage two's input."""
    with (work / "split.out").open() as results, (work / "words.jsonl").open("w") as jobs:
        for line in results:
            record = json.loads(line)
            for k, word in enumerate(record["result"]["words"]):
                jobs.write(json.dumps({"id": f"{record['id']}/{k}", "payload": word}) + "\n")


def multi(build: Path, work: Path) -> None:
    ferry(build, work, "multi.yaml", "--input", "sentences.jsonl", "--output", "multi.out")


def two_runs(build: Path, work: Path) -> None:
    ferry(build, work, "split.yaml", "--input", "sentences.jsonl", "--output", "split.out")
    words_as_jobs(work)
    ferry(build, work, "measure.yaml", "--input", "words.jsonl", "--output", "measure.out")


def timed(run, build: Path, work: Path) -> tuple[float, float]:
    """Wall seconds, and CPU seconds of this process's children and of this process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    run(build, work)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime +
           own_after.ru_utime + own_after.ru_stime - own.ru_utime - own.ru_stime)
    return wall, cpu


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ferry-stages-") as tmp:
        work = Path(tmp)
        words = write_inputs(work, args.sentences)
        results: dict[str, list[tuple[float, float]]] = {"one multi-stage run": [],
                                                         "two runs": []}
        for _ in range(args.repeats):
            results["one multi-stage run"].append(timed(multi, args.build.resolve(), work))
            results["two runs"].append(timed(two_runs, args.build.resolve(), work))
    print(f"{args.sentences} sentences, {words} words, {args.repeats} runs each, alternated")
    print(f"{'':22} {'wall s':>22} {'CPU s':>22} {'items/s (median)':>18}")
    for name, runs in results.items():
        walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
        rate = args.sentences / statistics.median(walls)
        print(f"{name:22} {spread(walls):>22} {spread(cpus):>22} {rate:>18,.0f}")
    ratios = [b[0] / a[0] for a, b in zip(results["one multi-stage run"], results["two runs"])]
    print(f"two runs / multi-stage wall, pair by pair: median {statistics.median(ratios):.2f} "
          f"({min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    main()
