#!/usr/bin/env python3
"""What CURVE costs, and what a network between hosts costs, each against its baseline run side by
side in this one invocation (alternating, so machine drift hits both alike); medians with min-max.

1. Broker only (native producer and echo worker in one process, 100-byte payloads):
   build-release/bench/broker_bench with --curve against without, P alternating pairs.
2. End to end, `ferry run` of N noop jobs with a local pool of 2 processes: with security.curve
   (the run makes its own keys) against the same pipeline without.
3. Hosts: `ferry submit` of J noop jobs through a broker host and two worker hosts (network
   namespaces on a bridge, CURVE on) against the same processes on loopback, also CURVE on; and
   the bytes that crossed the broker host's link per job (its veth counters: TCP/IP included).
   Needs root; skipped otherwise.

Run: /usr/bin/python3 bench/curve_bench.py [--pairs 5] [--jobs 200000] [--host-jobs 20000]
Needs a release build with benchmarks: cmake --preset release -DFERRY_BENCH=ON &&
cmake --build --preset release.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT / "py_workers"))
from netns import Network, unavailable  # noqa: E402  (the test harness's hosts)

RELEASE = ROOT / "build-release"
FERRY = RELEASE / "ferry"
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONPATH": str(ROOT / "py_workers")}


def spread(values: list[float], digits: int = 3) -> str:
    return (f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-"
            f"{max(values):.{digits}f})")


def broker_only(pairs: int) -> None:
    plain, curve, ratios = [], [], []
    for _ in range(pairs):
        rates = []
        for flag in ([], ["--curve"]):
            out = subprocess.run([str(RELEASE / "bench" / "broker_bench"), "--jobs", "1000000",
                                  "--runs", "1", "--raw-messages", "100000", *flag],
                                 capture_output=True, text=True, check=True).stdout
            rates.append(float(re.search(r"= (\d+) jobs/s", out).group(1)))
        plain.append(rates[0])
        curve.append(rates[1])
        ratios.append(rates[1] / rates[0])
    print(f"broker only, 1,000,000 jobs x {pairs} pairs: plain {spread(plain, 0)} jobs/s, "
          f"CURVE {spread(curve, 0)} jobs/s; CURVE/plain {spread(ratios)}")


def keys(work: Path) -> None:
    subprocess.run([str(FERRY), "keygen", "broker", "--dir", str(work / "keys")], check=True,
                   capture_output=True)
    for role in ("producers", "workers", "admins"):
        (work / "keys" / role).mkdir(exist_ok=True)


def end_to_end(pairs: int, jobs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        keys(work)
        with (work / "jobs.jsonl").open("w") as out:
            for i in range(jobs):
                out.write(f'{{"id":"j{i}","payload":{i}}}\n')
        base = ("broker: {producers_endpoint: 'tcp://127.0.0.1:0', "
                "workers_endpoint: 'tcp://127.0.0.1:0'}\n"
                "input: {type: noop.64}\nproducer: {window: 20000, submit_batch: 512}\n"
                "workers: [{handlers: ferry_worker.examples.noop, processes: 2}]\n")
        (work / "plain.yaml").write_text(base)
        (work / "curve.yaml").write_text(
            base + "security: {curve: {secret_key_file: keys/broker.key, "
                   "producers: keys/producers}}\n")
        plain, curve, ratios = [], [], []
        for _ in range(pairs):
            rates = []
            for name in ("plain", "curve"):
                done = subprocess.run([str(FERRY), "run", f"{name}.yaml", "--input", "jobs.jsonl",
                                       "--output", f"{name}.out", "--json"], cwd=work, env=ENV,
                                      capture_output=True, text=True, check=True)
                rates.append(json.loads(done.stdout)["jobs_per_s"])
            plain.append(rates[0])
            curve.append(rates[1])
            ratios.append(rates[1] / rates[0])
        print(f"end to end, ferry run of {jobs:,} noop jobs x {pairs} pairs: plain "
              f"{spread(plain, 0)} jobs/s, CURVE {spread(curve, 0)} jobs/s; CURVE/plain "
              f"{spread(ratios)}")


def link_bytes(network: Network, port: str) -> int:
    out = subprocess.run(["ip", "-n", network.switch, "-s", "-j", "link", "show", port],
                         capture_output=True, text=True, check=True).stdout
    stats = json.loads(out)[0]["stats64"]
    return stats["rx"]["bytes"] + stats["tx"]["bytes"]


def hosts_run(work: Path, jobs: int, broker_address: str, run) -> float:
    """One `ferry submit` of `jobs` noop jobs through `run` (where it runs); its wall seconds."""
    done = run([str(FERRY), "submit", str(work / "cluster.yaml"), "--broker",
                f"tcp://{broker_address}:5555", "--input", "jobs.jsonl",
                "--output", f"out-{time.monotonic_ns()}.jsonl", "--json",
                "--key-file", str(work / "keys" / "producers" / "p.key"),
                "--server-key", str(work / "keys" / "broker.pub")])
    return json.loads(done)["wall_s"]


def cluster(work: Path, broker_address: str, popen, worker_popens) -> list:
    (work / "cluster.yaml").write_text(
        f"broker: {{producers_endpoint: 'tcp://{broker_address}:5555', "
        f"workers_endpoint: 'tcp://{broker_address}:5556'}}\n"
        "security: {curve: {secret_key_file: keys/broker.key, producers: keys/producers, "
        "workers: keys/workers}}\n"
        "input: {type: noop.64}\nproducer: {window: 20000, submit_batch: 512}\n")
    procs = [popen([str(FERRY), "broker", str(work / "cluster.yaml")], cwd=work, env=ENV,
                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)]
    assert procs[0].stdout.readline().startswith("ferry broker:")
    for start in worker_popens:
        procs.append(start([sys.executable, "-m", "ferry_worker", "--broker",
                            f"tcp://{broker_address}:5556", "--handlers",
                            "ferry_worker.examples.noop", "--processes", "1",
                            "--key-file", str(work / "keys" / "workers" / "w.key"),
                            "--server-key", str(work / "keys" / "broker.pub"),
                            "--log-level", "WARNING"], cwd=work, env=ENV,
                           stdin=subprocess.DEVNULL))
    return procs


def across_hosts(pairs: int, jobs: int) -> None:
    why = unavailable()
    if why:
        print(f"hosts: skipped ({why})")
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        keys(work)
        for name, role in (("p", "producers"), ("w", "workers")):
            subprocess.run([str(FERRY), "keygen", name, "--dir", str(work / "keys" / role)],
                           check=True, capture_output=True)
        with (work / "jobs.jsonl").open("w") as out:
            for i in range(jobs):
                out.write(f'{{"id":"j{i}","payload":{i}}}\n')
        network = Network()
        local: list = []
        try:
            broker, w1, w2, producer = (network.add_host(n) for n in ("broker", "w1", "w2", "p"))
            cluster(work, broker.address, broker.popen, [w1.popen, w2.popen])

            def in_producer(command: list[str]) -> str:
                done = producer.run(command, cwd=work, env=ENV, timeout=600)
                assert done.returncode == 0, done.stderr
                return done.stdout

            (work / "loop").mkdir()
            for item in ("keys", "jobs.jsonl"):
                os.symlink(work / item, work / "loop" / item)
            local = cluster(work / "loop", "127.0.0.1", subprocess.Popen,
                            [subprocess.Popen, subprocess.Popen])

            def on_loopback(command: list[str]) -> str:
                done = subprocess.run(command, cwd=work / "loop", env=ENV, capture_output=True,
                                      text=True, timeout=600)
                assert done.returncode == 0, done.stderr
                return done.stdout

            time.sleep(2)  # both pools connect and register (a bench, not a test)
            spaced, looped, ratios, per_job = [], [], [], []
            for _ in range(pairs):
                before = link_bytes(network, broker.port)
                hosts = hosts_run(work, jobs, broker.address, in_producer)
                per_job.append((link_bytes(network, broker.port) - before) / jobs)
                loop = hosts_run(work / "loop", jobs, "127.0.0.1", on_loopback)
                spaced.append(hosts)
                looped.append(loop)
                ratios.append(hosts / loop)
            print(f"hosts, ferry submit of {jobs:,} noop jobs, CURVE, x {pairs} pairs: namespaces "
                  f"{spread(spaced)} s, loopback {spread(looped)} s; wall ratio {spread(ratios)}; "
                  f"bytes on the broker host's link per job {spread(per_job, 0)}")
        finally:
            for proc in local:
                proc.terminate()
            for proc in local:
                proc.wait(timeout=30)
            network.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=200000)
    parser.add_argument("--host-jobs", type=int, default=20000)
    args = parser.parse_args()
    broker_only(args.pairs)
    end_to_end(args.pairs, args.jobs)
    across_hosts(min(args.pairs, 3), args.host_jobs)


if __name__ == "__main__":
    main()
