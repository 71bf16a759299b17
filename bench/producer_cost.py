#!/usr/bin/env python3
"""What the `ferry` process costs per job: CPU (user+sys) of `ferry submit` or `ferry run`.

submit mode (default): one `ferry broker` and a 2-process `ferry_worker` pool on the noop
workload (bench/peers/ferry_handlers.py, the ~100-byte payload echoed back, batching 256 / 2 ms)
stay up; each timed run is one `ferry submit` over N jobs read from a JSONL file (or stdin with
--stdin). The CPU of that process alone comes from wait4. With --baseline-ferry the same runs
alternate between the two binaries against the same broker and pool, so both share the machine's
noise. --callgrind runs each binary once under callgrind and prints instructions per job.

run mode (--run): `ferry run` starts its own broker and pool at each size of --sizes (default
200k and 2M jobs); its own CPU (not its pool's) is read from /proc once it has exited and before
it is reaped, and its peak RSS sampled from /proc while it runs. Flat per-job figures across the
sizes mean nothing in the process grows with the input.

Run: /usr/bin/python3 bench/producer_cost.py [--jobs 200000] [--repeats 3]
         [--baseline-ferry /tmp/ferry-before] [--callgrind] [--run --sizes 200000,2000000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parents[1]
FERRY = ROOT / "build-release" / "ferry"
PYTHON = "/usr/bin/python3"
JOB_TYPE = "bench.noop"
ENV = dict(os.environ, PYTHONPATH=f"{ROOT / 'py_workers'}:{ROOT / 'bench'}")


@dataclass
class Cost:
    """One measured process: CPU seconds, peak RSS and the job count."""

    cpu_s: float  # user + sys of the ferry process itself
    max_rss_kb: int  # peak resident set
    jobs: int  # jobs in the input

    @property
    def us_per_job(self) -> float:
        return self.cpu_s * 1e6 / self.jobs


def write_input(path: Path, jobs: int) -> None:
    """The noop workload's payloads: {"i": n, "s": 80 characters}, one record per line."""
    with path.open("w") as out:
        for i in range(jobs):
            text = hashlib.sha256(str(i).encode()).hexdigest()[:80].ljust(80, "-")
            out.write(json.dumps({"id": f"j{i}", "payload": {"i": i, "s": text}}) + "\n")


def config_text(workers: bool) -> str:
    """A pipeline on loopback with batching 256 / 2 ms; with `workers`, ferry run's own pool."""
    lines = ["broker:", "  producers_endpoint: tcp://127.0.0.1:0",
             "  workers_endpoint: tcp://127.0.0.1:0", "  max_pending: 1000000",
             "job_types:", f"  {JOB_TYPE}:", "    timeout_s: 600",
             "    batch: {max_size: 256, max_delay_ms: 2}",
             "input:", f"  type: {JOB_TYPE}", "  on_invalid: fail",
             "output:", "  order: input", "  format: jsonl",
             "producer:", "  window: 10000", "  submit_batch: 256", "  progress_interval_s: 3600"]
    if workers:  # the embedded broker's finished keys capped, as in bench/memory_bench.py
        lines[4:4] = ["  remember_done: 100000"]
        lines += ["workers:", "  - handlers: peers.ferry_handlers", "    processes: 2",
                  f"    python: {PYTHON}", "    log_level: warning"]
    return "\n".join(lines) + "\n"


def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out after {timeout_s:.0f} s waiting for {what}")


class Service:
    """`ferry broker` plus a 2-process pool, up for the whole benchmark."""

    def __init__(self, ferry: Path, config: Path) -> None:
        self.ferry = ferry
        self.broker = subprocess.Popen([str(ferry), "--log-level", "warn", "broker", str(config)],
                                       stdout=subprocess.PIPE, env=ENV)
        assert self.broker.stdout is not None
        line = self.broker.stdout.readline().decode()
        fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
        if "producers" not in fields:
            self.broker.kill()
            raise RuntimeError(f"ferry broker printed no endpoints line (got {line!r})")
        self.producers, workers = fields["producers"], fields["workers"]
        self.pool = subprocess.Popen(
            [PYTHON, "-m", "ferry_worker", "--broker", workers, "--handlers",
             "peers.ferry_handlers", "--processes", "2", "--log-level", "WARNING"], env=ENV)
        wait_until(self.pool_ready, 120, "the worker pool (ferry status --json)")

    def pool_ready(self) -> bool:
        out = subprocess.run([str(self.ferry), "status", "--broker", self.producers, "--json"],
                             capture_output=True, text=True, env=ENV)
        return out.returncode == 0 and len(json.loads(out.stdout).get("workers", [])) >= 2

    def close(self) -> None:
        for proc in (self.pool, self.broker):
            proc.terminate()
        for proc in (self.pool, self.broker):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def submit_command(ferry: Path, config: Path, service: Service, source: str, out: Path) -> list:
    return [str(ferry), "--log-level", "warn", "submit", str(config), "--broker",
            service.producers, "--input", source, "--output", str(out)]


def measure_submit(command: list, jobs: int, stdin_path: Optional[Path]) -> Cost:
    """Runs one `ferry submit`; its own CPU and peak RSS from wait4."""
    stdin = stdin_path.open("rb") if stdin_path else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(command, stdin=stdin, stdout=subprocess.DEVNULL, env=ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdin_path:
            stdin.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {proc.returncode}")
    return Cost(usage.ru_utime + usage.ru_stime, usage.ru_maxrss, jobs)


def callgrind_instructions(command: list, stdin_path: Optional[Path], scratch: Path,
                           keep: Optional[Path]) -> int:
    """Total instructions (Ir) of one run under callgrind, every thread included."""
    out = (keep or scratch) / f"callgrind.{Path(command[0]).parent.name}.{time.monotonic_ns()}"
    with (stdin_path or Path(os.devnull)).open("rb") as source:
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command],
                       stdin=source, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=ENV)
    text = out.read_text(errors="replace")
    match = re.search(r"^(?:summary|totals):\s+(\d+)", text, re.MULTILINE)
    if not match:
        raise RuntimeError(f"no instruction total in {out}")
    return int(match.group(1))


def measure_run(ferry: Path, config: Path, source: Path, out: Path, jobs: int) -> Cost:
    """Runs one `ferry run`; its own CPU read from /proc after exit, before reaping."""
    proc = subprocess.Popen([str(ferry), "--log-level", "warn", "run", str(config), "--input",
                             str(source), "--output", str(out)], stdout=subprocess.DEVNULL,
                            env=ENV)
    peak_kb = 0
    while True:
        peak_kb = max(peak_kb, vm_hwm_kb(proc.pid))
        exited = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if exited is not None:
            break
        time.sleep(0.05)
    fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu_s = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime: this process only
    if proc.wait() != 0:
        raise RuntimeError(f"ferry run exited {proc.returncode}")
    return Cost(cpu_s, peak_kb, jobs)


def vm_hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def summarise(label: str, costs: list[Cost]) -> str:
    us = [c.us_per_job for c in costs]
    rss = max(c.max_rss_kb for c in costs) / 1024
    return (f"{label:<34} {costs[0].jobs:>9} {statistics.median(us):>10.2f} "
            f"{min(us):>7.2f}-{max(us):<7.2f} {rss:>9.1f}")


HEADER = f"{'binary':<34} {'jobs':>9} {'us/job':>10} {'min-max':>15} {'maxRSS MB':>9}"


def submit_mode(args: argparse.Namespace, binaries: list[Path], scratch: Path) -> None:
    source = scratch / "jobs.jsonl"
    write_input(source, args.jobs)
    config = scratch / "submit.yaml"
    config.write_text(config_text(workers=False))
    service = Service(binaries[0], config)
    try:
        stdin_path = source if args.stdin else None
        commands = {b: submit_command(b, config, service, "-" if args.stdin else str(source),
                                      scratch / "out.jsonl") for b in binaries}
        costs: dict[Path, list[Cost]] = {b: [] for b in binaries}
        for _ in range(args.repeats):
            for binary in binaries:  # alternate, so both see the same noise
                costs[binary].append(measure_submit(commands[binary], args.jobs, stdin_path))
        print(f"ferry submit, {'stdin' if args.stdin else 'file'} input, CPU of the process:")
        print(HEADER)
        for binary in binaries:
            print(summarise(str(binary), costs[binary]))
        if args.callgrind:
            print("callgrind (every thread of ferry submit):")
            for binary in binaries:
                total = callgrind_instructions(commands[binary], stdin_path, scratch,
                                               args.callgrind_keep)
                print(f"{str(binary):<34} {total:>15,} Ir {total / args.jobs:>10,.0f} Ir/job")
    finally:
        service.close()


def run_mode(args: argparse.Namespace, binaries: list[Path], scratch: Path) -> None:
    config = scratch / "run.yaml"
    config.write_text(config_text(workers=True))
    print("ferry run (own broker and pool), CPU of the ferry process alone:")
    print(HEADER)
    for size in (int(s) for s in args.sizes.split(",")):
        source = scratch / f"jobs-{size}.jsonl"
        write_input(source, size)
        costs: dict[Path, list[Cost]] = {b: [] for b in binaries}
        for _ in range(args.repeats):
            for binary in binaries:
                costs[binary].append(measure_run(binary, config, source, scratch / "out.jsonl",
                                                 size))
        for binary in binaries:
            print(summarise(str(binary), costs[binary]), flush=True)
        source.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ferry", type=Path, default=FERRY, help="ferry binary measured")
    parser.add_argument("--baseline-ferry", type=Path, help="a second binary, run alternately")
    parser.add_argument("--jobs", type=int, default=200_000, help="jobs per submit run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per binary (default 3)")
    parser.add_argument("--stdin", action="store_true", help="feed the input on stdin")
    parser.add_argument("--callgrind", action="store_true", help="also count instructions")
    parser.add_argument("--callgrind-keep", type=Path,
                        help="directory that keeps the callgrind files (callgrind_annotate)")
    parser.add_argument("--run", action="store_true", help="ferry run at each of --sizes")
    parser.add_argument("--sizes", default="200000,2000000", help="job counts for --run")
    args = parser.parse_args()
    binaries = ([args.baseline_ferry] if args.baseline_ferry else []) + [args.ferry]
    with tempfile.TemporaryDirectory(prefix="producer-cost-") as scratch:
        if args.run:
            run_mode(args, binaries, Path(scratch))
        else:
            submit_mode(args, binaries, Path(scratch))


if __name__ == "__main__":
    sys.exit(main())
