#!/usr/bin/python3
"""The native worker on the digits model against the Python pool and the model in one process.

`ferry worker` (ONNX through OpenCV DNN) against `python3 -m ferry_worker`, batched and unbatched,
and against the same model run in one process without a broker; all in one invocation.

    /usr/bin/python3 bench/native_bench.py [--pairs 5] [--jobs 10000] [--submits 5] [--json F]

Setup (in a temp dir): examples/digits/train.py writes the scikit-learn MLP and its ONNX export,
make_input.py writes --jobs held-out digit jobs (and a warm-up set). What runs, per variant:
a `ferry broker` whose digits.classify type batches as the variant says, one pool, a warm-up
`ferry submit`, then --submits timed `ferry submit`s of the jobs (pixels packed as a uint8 typed
array, window 10,000 as in config/digits.yaml). Both pools are driven the same way:

  python batched     python3 -m ferry_worker --processes 2, examples/digits/handler.py
                     (max_batch_size 256); broker batch 256 / 2 ms
  native batched     ferry worker, processes 2, threads 1, max_batch 256 / 2 ms; broker the same
  python unbatched   the same handler with max_batch_size 1; broker batch 1 / 0 ms
  native unbatched   ferry worker with max_batch 1; broker batch 1 / 0 ms
  native 1p x 2t     processes 1, threads 2, batched  } processes against threads, both
  native 1p x 1t     processes 1, threads 1, batched  } against native batched (2p x 1t)

Unbatched needs the size 1 on both sides: a pool batches the jobs queued in it up to its own
size. The Python pool runs one BLAS thread per process, as the native pool's threads: 1.

Plus bench/native_inprocess_bench (the C++ baseline, built with FERRY_BENCH=ON): the same WORKER
file and jobs through ModelRunner in one process, batches of the same max_batch, no broker
(`runner`), and the forward passes alone on blobs filled beforehand (`forward only`), at 1 and
at 2 OpenCV threads.

The throughput figure is the producer's summary `jobs_per_s` (jobs over first dispatch to last
outcome: a warm pipeline, pool start-up excluded), over the --submits runs of one measurement.
Beside it, the CPU (user + sys, from /proc) of the broker and every process of the pool during
the timed submits, per job: the steadier figure on a noisy machine; and the producer's CPU per
job. Each pair runs every variant once, the order reversed on every other pair, so drift hits
all alike; figures are medians with min-max over the pairs, ratios are taken pair by pair.
Uses build-release/ferry (FERRY_BUILD_DIR overrides build-release/).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pathlib
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Iterator, Optional

REPO = pathlib.Path(__file__).resolve().parents[1]
PYTHON = "/usr/bin/python3"  # Debian's: has zmq, msgpack, numpy, scikit-learn
DIGITS = REPO / "examples" / "digits"
WARM_UP_JOBS = 2000
TICK = os.sysconf("SC_CLK_TCK")


def build_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("FERRY_BUILD_DIR", REPO / "build-release"))


def ferry_bin() -> pathlib.Path:
    binary = build_dir() / "ferry"
    if not binary.exists():
        raise SystemExit(f"{binary} is missing: cmake --preset release -DFERRY_BENCH=ON && "
                         "cmake --build build-release")
    return binary


def inprocess_bin() -> pathlib.Path:
    binary = build_dir() / "bench" / "native_inprocess_bench"
    if not binary.exists():
        raise SystemExit(f"{binary} is missing: configure with -DFERRY_BENCH=ON and build")
    return binary


@dataclass(frozen=True)
class Variant:
    name: str
    pool: str  # "python" or "native"
    batched: bool
    processes: int = 2
    threads: int = 1  # native only: OpenCV threads per process

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name)


PY_B = Variant("python batched", "python", True)
NATIVE_B = Variant("native batched", "native", True)
PY_U = Variant("python unbatched", "python", False)
NATIVE_U = Variant("native unbatched", "native", False)
NATIVE_1P2T = Variant("native 1p x 2t", "native", True, processes=1, threads=2)
NATIVE_1P1T = Variant("native 1p x 1t", "native", True, processes=1, threads=1)
VARIANTS = [PY_B, NATIVE_B, PY_U, NATIVE_U, NATIVE_1P2T, NATIVE_1P1T]
INPROC_RUNNER = "in-process runner"
INPROC_FORWARD = "in-process forward only"
INPROC_FORWARD_2T = "in-process forward, 2t"


def pipeline_yaml(batched: bool) -> str:
    batch = "{max_size: 256, max_delay_ms: 2}" if batched else "{max_size: 1, max_delay_ms: 0}"
    return f"""
broker: {{producers_endpoint: "tcp://127.0.0.1:0", workers_endpoint: "tcp://127.0.0.1:0",
         max_pending: 1000000}}
job_types:
  digits.classify: {{timeout_s: 60, batch: {batch}}}
input: {{type: digits.classify, arrays: {{pixels: uint8}}}}
output: {{order: input, format: jsonl}}
producer: {{window: 10000, submit_batch: 256, progress_interval_s: 3600}}
aggregates:
  - {{name: accuracy, kind: match_rate, result_field: label, input_field: label}}
"""


def worker_yaml(model: pathlib.Path, variant: Variant) -> str:
    """The native pool's WORKER.yaml: config/digits-worker.yaml's model at the variant's shape."""
    size = 256 if variant.batched else 1
    delay = "\n    max_delay_ms: 2" if variant.batched else ""
    return f"""
processes: {variant.processes}
threads: {variant.threads}
models:
  - type: digits.classify
    model: {model}
    max_batch: {size}{delay}
    inputs: [{{field: pixels, tensor: pixels, shape: [64]}}]
    outputs: [{{tensor: probabilities, fields: {{label: argmax, confidence: max}}}}]
"""


UNBATCHED_HANDLER = f"""
# The digits handler one job per call: the unbatched Python variant of bench/native_bench.py.
import sys
sys.path.insert(0, {str(DIGITS)!r})
import handler as digits


class DigitsOneAtATime(digits.DigitsClassifier):
    max_batch_size = 1
"""


def run_script(script: pathlib.Path, *args: str) -> None:
    subprocess.run([PYTHON, str(script), *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def stop(proc: Optional[subprocess.Popen]) -> None:
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def proc_cpu(pid: int) -> tuple[int, float]:
    """(parent pid, utime + stime seconds) of `pid`, all its threads."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds so far of the processes `roots` and all their live descendants."""
    table: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                table[int(entry)] = proc_cpu(int(entry))
            except (OSError, IndexError, ValueError):
                pass  # gone meanwhile
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, list(roots)
    while todo:
        pid = todo.pop()
        if pid in table:
            total += table[pid][1]
        todo.extend(children.get(pid, []))
    return total


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def status(producers: str) -> dict:
    done = subprocess.run([str(ferry_bin()), "status", "--broker", producers, "--json"],
                          capture_output=True, text=True, timeout=30)
    return json.loads(done.stdout) if done.returncode == 0 else {}


@contextlib.contextmanager
def pipeline(work: pathlib.Path, variant: Variant) -> Iterator[tuple[str, list[int]]]:
    """A broker and the variant's pool, registered; yields the producers endpoint and the pids
    whose process trees count as the pipeline's CPU (broker, pool)."""
    config = work / f"pipeline-{'batched' if variant.batched else 'unbatched'}.yaml"
    env = dict(os.environ, PYTHONPATH=str(REPO / "py_workers"),
               FERRY_MODEL_DIR=str(work / "models"))
    broker = subprocess.Popen([str(ferry_bin()), "--log-level", "warn", "broker", str(config)],
                              cwd=work, env=env, stdout=subprocess.PIPE, text=True)
    pool = None
    try:
        assert broker.stdout is not None
        match = re.match(r"ferry broker: producers=(\S+) workers=(\S+)", broker.stdout.readline())
        if not match:
            raise SystemExit("ferry broker did not print its endpoints; see its log above")
        producers, workers = match.groups()
        if variant.pool == "native":
            worker_file = work / f"worker-{variant.slug}.yaml"
            worker_file.write_text(worker_yaml(work / "models" / "digits-mlp.onnx", variant))
            command = [str(ferry_bin()), "--log-level", "warn", "worker", "--broker", workers,
                       "--config", str(worker_file)]
        else:
            handlers = DIGITS / "handler.py" if variant.batched else work / "digits_one.py"
            command = [PYTHON, "-m", "ferry_worker", "--broker", workers, "--handlers",
                       str(handlers), "--processes", str(variant.processes),
                       "--log-level", "WARNING"]
            # one BLAS thread per process, as the native pool's threads: 1 (processes = cores)
            env = dict(env, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        pool = subprocess.Popen(command, cwd=work, env=env)
        deadline = time.monotonic() + 90
        while len(status(producers).get("workers", [])) < variant.processes:
            if pool.poll() is not None:
                raise SystemExit(f"{variant.name}: the pool exited with {pool.returncode}")
            if time.monotonic() > deadline:
                raise SystemExit(f"{variant.name}: the pool did not register within 90 s")
            time.sleep(0.1)
        yield producers, [broker.pid, pool.pid]
    finally:
        stop(pool)
        stop(broker)


def submit(work: pathlib.Path, config: pathlib.Path, producers: str,
           jobs: pathlib.Path) -> dict:
    summary_file = work / "summary.json"
    done = subprocess.run([str(ferry_bin()), "--log-level", "warn", "submit", str(config),
                           "--broker", producers, "--input", str(jobs), "--output",
                           str(work / "out.jsonl"), "--summary-json", str(summary_file)],
                          cwd=work, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"ferry submit failed ({done.returncode}):\n{done.stderr}")
    return json.loads(summary_file.read_text())


def measure(work: pathlib.Path, variant: Variant, submits: int) -> dict:
    """One measurement of a variant: a fresh pipeline, a warm-up, `submits` timed submits."""
    config = work / f"pipeline-{'batched' if variant.batched else 'unbatched'}.yaml"
    jobs = work / "jobs.jsonl"
    with pipeline(work, variant) as (producers, roots):
        submit(work, config, producers, work / "warm-up.jsonl")
        count, work_s, wall_s, producer_cpu = 0, 0.0, 0.0, 0.0
        broker_cpu, pool_cpu = 0.0, 0.0
        for _ in range(submits):
            broker_before, pool_before = tree_cpu(roots[:1]), tree_cpu(roots[1:])
            own = children_cpu()
            summary = submit(work, config, producers, jobs)
            broker_cpu += tree_cpu(roots[:1]) - broker_before
            pool_cpu += tree_cpu(roots[1:]) - pool_before
            producer_cpu += children_cpu() - own
            if summary["failed"] or summary["succeeded"] != summary["jobs"]:
                raise SystemExit(f"{variant.name}: {summary['failed']} jobs failed")
            accuracy = summary["aggregates"]["accuracy"]["value"]
            if accuracy < 0.98:
                raise SystemExit(f"{variant.name}: accuracy {accuracy}: wrong answers")
            count += summary["jobs"]
            work_s += summary["work_s"]
            wall_s += summary["wall_s"]
    return {"jobs_per_s": count / work_s, "wall_jobs_per_s": count / wall_s,
            "cpu_us_per_job": (broker_cpu + pool_cpu) * 1e6 / count,
            "broker_cpu_us_per_job": broker_cpu * 1e6 / count,
            "pool_cpu_us_per_job": pool_cpu * 1e6 / count,
            "producer_cpu_us_per_job": producer_cpu * 1e6 / count, "accuracy": accuracy}


def inprocess(work: pathlib.Path, threads: int = 1) -> dict:
    """bench/native_inprocess_bench over the jobs: batches of 256, `threads` OpenCV threads."""
    worker_file = work / "worker-inprocess.yaml"
    worker_file.write_text(worker_yaml(work / "models" / "digits-mlp.onnx", NATIVE_1P1T))
    done = subprocess.run([str(inprocess_bin()), "--worker", str(worker_file), "--pipeline",
                           str(work / "pipeline-batched.yaml"), "--input",
                           str(work / "jobs.jsonl"), "--threads", str(threads),
                           "--repeats", "5"],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"native_inprocess_bench failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)


def source_version() -> str:
    """What was measured: the commit the ferry binary was built from (`ferry --version`)."""
    done = subprocess.run([str(ferry_bin()), "--version"], capture_output=True, text=True)
    match = re.search(r"commit (\w+)", done.stdout)
    return f"ferry built from commit {match.group(1) if match else 'unknown'}"


def spread(values: list[float], digits: int = 0) -> str:
    return (f"{statistics.median(values):,.{digits}f} ({min(values):,.{digits}f}-"
            f"{max(values):,.{digits}f})")


def figures(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "all": values}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5, help="rounds of every variant")
    parser.add_argument("--jobs", type=int, default=10000, help="jobs per timed submit")
    parser.add_argument("--submits", type=int, default=5,
                        help="timed submits per measurement (their jobs over their work time)")
    parser.add_argument("--variants", default=",".join(v.slug for v in VARIANTS),
                        help="comma-separated subset of: " + ", ".join(v.slug for v in VARIANTS))
    parser.add_argument("--json", default="", metavar="FILE", help="also write every figure "
                        "as JSON to FILE (- for stdout)")
    args = parser.parse_args(argv)
    chosen = [v for v in VARIANTS if v.slug in args.variants.split(",")]
    runs: dict[str, list[dict]] = {v.name: [] for v in chosen}  # measure()'s figures per pair
    rates: dict[str, list[float]] = {v.name: [] for v in chosen}
    rates[INPROC_RUNNER], rates[INPROC_FORWARD], rates[INPROC_FORWARD_2T] = [], [], []
    stages: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="ferry-bench-native-") as tmp:
        work = pathlib.Path(tmp)
        run_script(DIGITS / "train.py", "--model-dir", str(work / "models"))
        run_script(DIGITS / "make_input.py", "--count", str(args.jobs), "--output",
                   str(work / "jobs.jsonl"))
        run_script(DIGITS / "make_input.py", "--count", str(WARM_UP_JOBS), "--output",
                   str(work / "warm-up.jsonl"))
        (work / "pipeline-batched.yaml").write_text(pipeline_yaml(True))
        (work / "pipeline-unbatched.yaml").write_text(pipeline_yaml(False))
        (work / "digits_one.py").write_text(UNBATCHED_HANDLER)
        for pair in range(args.pairs):
            order = chosen if pair % 2 == 0 else list(reversed(chosen))
            for variant in order:
                got = measure(work, variant, args.submits)
                runs[variant.name].append(got)
                rates[variant.name].append(got["jobs_per_s"])
                print(f"pair {pair + 1}: {variant.name:18} {got['jobs_per_s']:>10,.0f} jobs/s, "
                      f"CPU us/job: broker {got['broker_cpu_us_per_job']:.2f}, pool "
                      f"{got['pool_cpu_us_per_job']:.2f}, producer "
                      f"{got['producer_cpu_us_per_job']:.2f}", file=sys.stderr, flush=True)
            base = inprocess(work)
            rates[INPROC_RUNNER].append(base["runner"]["jobs_per_s"])
            rates[INPROC_FORWARD].append(base["forward_only"]["jobs_per_s"])
            stages.append(base["stages_us_per_job"])
            two = inprocess(work, threads=2)["forward_only"]["jobs_per_s"]
            rates[INPROC_FORWARD_2T].append(two)
            print(f"pair {pair + 1}: {INPROC_RUNNER:18} {base['runner']['jobs_per_s']:>10,.0f} "
                  f"jobs/s, forward only {base['forward_only']['jobs_per_s']:,.0f}, with 2 "
                  f"threads {two:,.0f}", file=sys.stderr, flush=True)

    def of(name: str, key: str) -> list[float]:
        return [got[key] for got in runs[name]]

    def ratios(top: str, bottom: str) -> list[float]:
        return [a / b for a, b in zip(rates[top], rates[bottom])]

    wanted = [  # (label, numerator, denominator, target or None)
        ("native / python, batched", NATIVE_B.name, PY_B.name, 2.0),
        ("native / python, unbatched", NATIVE_U.name, PY_U.name, 5.0),
        ("native batched / in-process runner", NATIVE_B.name, INPROC_RUNNER, 0.5),
        ("native batched / in-process forward only", NATIVE_B.name, INPROC_FORWARD, None),
        ("native 1p x 2t / 2p x 1t", NATIVE_1P2T.name, NATIVE_B.name, None),
        ("native 1p x 1t / 2p x 1t", NATIVE_1P1T.name, NATIVE_B.name, None),
        ("native 1p x 2t / 1p x 1t", NATIVE_1P2T.name, NATIVE_1P1T.name, None),
        ("in-process forward, 2 threads / 1", INPROC_FORWARD_2T, INPROC_FORWARD, None),
    ]
    present = [w for w in wanted if rates.get(w[1]) and rates.get(w[2])]

    print(f"\ndigits.classify, {args.jobs:,} jobs x {args.submits} submits per measurement, "
          f"{args.pairs} pairs alternated; medians (min-max); {source_version()}")
    print(f"{'':23} {'jobs/s':>22} {'broker+pool CPU us/job':>24} {'broker':>7} {'pool':>7} "
          f"{'producer':>9}")
    for variant in chosen:
        name = variant.name
        print(f"{name:23} {spread(rates[name]):>22} {spread(of(name, 'cpu_us_per_job'), 2):>24} "
              f"{statistics.median(of(name, 'broker_cpu_us_per_job')):>7.2f} "
              f"{statistics.median(of(name, 'pool_cpu_us_per_job')):>7.2f} "
              f"{statistics.median(of(name, 'producer_cpu_us_per_job')):>9.2f}")
    for name in (INPROC_RUNNER, INPROC_FORWARD, INPROC_FORWARD_2T):
        print(f"{name:23} {spread(rates[name]):>22}")
    print("in-process stages, us/job (median): " + ", ".join(
        f"{key} {statistics.median(s[key] for s in stages):.3f}" for key in stages[0]))
    print("\nratios of jobs/s, pair by pair: median (min-max)")
    verdicts = {}
    for label, top, bottom, target in present:
        values = ratios(top, bottom)
        line = f"  {label:42} {spread(values, 2)}"
        if target is not None:
            met = statistics.median(values) >= target
            verdicts[label] = {"target": target, "met": met, **figures(values)}
            line += f"   target >= {target}: {'met' if met else 'MISSED'}"
        print(line)
    cpu_pairs = [(NATIVE_B.name, PY_B.name), (NATIVE_U.name, PY_U.name)]
    for top, bottom in cpu_pairs:
        if runs.get(top) and runs.get(bottom):
            values = [b / a for a, b in zip(of(top, "cpu_us_per_job"),
                                            of(bottom, "cpu_us_per_job"))]
            print(f"  broker+pool CPU per job, {bottom} / {top}: {spread(values, 2)}")

    if args.json:
        out = {"source": source_version(), "jobs": args.jobs, "submits": args.submits,
               "pairs": args.pairs,
               "jobs_per_s": {k: figures(v) for k, v in rates.items() if v},
               **{key: {name: figures(of(name, key)) for name in runs}
                  for key in ("wall_jobs_per_s", "cpu_us_per_job", "broker_cpu_us_per_job",
                              "pool_cpu_us_per_job", "producer_cpu_us_per_job")},
               "inprocess_stages_us_per_job": stages,
               "ratios": {label: figures(ratios(top, bottom)) for label, top, bottom, _ in present},
               "targets": verdicts}
        text = json.dumps(out, indent=1)
        if args.json == "-":
            print(text)
        else:
            pathlib.Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
