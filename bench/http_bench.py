#!/usr/bin/env python3
"""Ferry's HTTP API against its targets, side by side in one invocation:

1. `POST /v1/batches` of 100,000 noop jobs with the results streamed back (target: at least
   50,000 jobs/s), from the POST to the last result line;
2. single-job round trips, noop: `POST /v1/jobs` then `GET /v1/jobs/{id}?wait=30s`, and the same
   in one request (`POST /v1/jobs?wait=30s`), against one JSON POST to a Flask app on gunicorn
   (2 processes) doing the same noop, in rounds that rotate the order, on keep-alive connections
   (target: Ferry's p50 below Flask's);
3. the broker's ZeroMQ throughput with the HTTP server on and /metrics and /v1/status scraped
   every second, beside it off (target: within 5%): bench/http_overhead_bench (C++).

Run: bench/http_bench.py [--quick] [--json FILE]. Needs a build (build/ferry,
build/bench/http_overhead_bench) and Debian's python3-flask and gunicorn (bench/run installs them).
Medians with min-max; every run is printed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from peers import procs  # noqa: E402

log = logging.getLogger("http_bench")
HANDLERS = ROOT / "tests" / "e2e" / "handlers" / "http_jobs.py"
FERRY = ROOT / "build" / "ferry"
OVERHEAD = ROOT / "build" / "bench" / "http_overhead_bench"


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):,.2f} ({min(values):,.2f}-{max(values):,.2f})"


class FerryHttp:
    """`ferry broker` with HTTP on a free loopback port and a pool of 2 worker processes."""

    def __init__(self, workdir: pathlib.Path) -> None:
        config = workdir / "broker.yaml"
        config.write_text(f"""
broker:
  producers_endpoint: tcp://127.0.0.1:{procs.free_port()}
  workers_endpoint: tcp://127.0.0.1:{procs.free_port()}
  max_pending: 1000000
http:
  listen: 127.0.0.1:0
  limits: {{max_body_bytes: 268435456}}
""")
        self.broker = subprocess.Popen([str(FERRY), "--log-level", "warn", "broker", str(config)],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                       stdin=subprocess.DEVNULL, text=True, cwd=workdir)
        first = self.broker.stdout.readline()
        workers = first.split("workers=")[1].strip()
        self.port = int(self.broker.stdout.readline().strip().rsplit(":", 1)[1])
        self.pool = procs.spawn("http-bench-pool", [
            procs.PYTHON, "-m", "ferry_worker", "--broker", workers, "--handlers", str(HANDLERS),
            "--processes", "2", "--log-level", "WARNING"])
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        procs.wait_until(self._workers_ready, 60, "the worker pool")

    def _workers_ready(self) -> bool:
        status = self.call("GET", "/v1/status")
        return len(status.get("workers", [])) >= 2

    def call(self, method: str, path: str, body: str | None = None) -> dict:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data)

    def batch(self, jobs: int) -> float:
        """Seconds from the POST of `jobs` noop jobs (NDJSON) to the last result line."""
        body = "\n".join(json.dumps({"type": "http.noop", "payload": {"i": i, "s": "x" * 80}})
                         for i in range(jobs))
        started = time.perf_counter()
        self.conn.request("POST", "/v1/batches", body=body,
                          headers={"Content-Type": "application/x-ndjson"})
        response = self.conn.getresponse()
        accepted = json.loads(response.read())
        if response.status != 202:
            raise RuntimeError(f"batch refused: {accepted}")
        self.conn.request("GET", f"/v1/batches/{accepted['batch_id']}/results")
        response = self.conn.getresponse()
        lines = 0
        failed = 0
        for line in response:
            if line.strip():
                lines += 1
                failed += b'"status":"ok"' not in line
        elapsed = time.perf_counter() - started
        if lines != jobs or failed:
            raise RuntimeError(f"batch: {lines} result lines of {jobs}, {failed} not ok")
        return elapsed

    def round_trip(self) -> float:
        started = time.perf_counter()
        job_id = self.call("POST", "/v1/jobs", '{"type": "http.noop", "payload": {"i": 1}}')["id"]
        outcome = self.call("GET", f"/v1/jobs/{job_id}?wait=30s")
        elapsed = time.perf_counter() - started
        if outcome.get("status") != "ok":
            raise RuntimeError(f"round trip failed: {outcome}")
        return elapsed

    def round_trip_one_request(self) -> float:
        """The same job in one request: POST with ?wait= answers the outcome."""
        started = time.perf_counter()
        outcome = self.call("POST", "/v1/jobs?wait=30s", '{"type": "http.noop", "payload": {"i": 1}}')
        elapsed = time.perf_counter() - started
        if outcome.get("status") != "ok":
            raise RuntimeError(f"round trip failed: {outcome}")
        return elapsed

    def stop(self) -> None:
        self.conn.close()
        procs.stop(self.pool)
        self.broker.terminate()
        self.broker.wait(timeout=30)


class FlaskHttp:
    """The peers' Flask app (bench/peers/http_app.py) on gunicorn, 2 processes, noop workload."""

    def __init__(self) -> None:
        import os
        os.environ["BENCH_WORKLOAD"] = "noop"
        self.port = procs.free_port()
        self.server = procs.spawn("http-bench-gunicorn", [
            procs.PYTHON, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "1",
            "--keep-alive", "60", "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
            "peers.http_app:app"])
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        procs.wait_until(self._healthy, 60, "gunicorn")

    def _healthy(self) -> bool:
        try:
            self.conn.request("GET", "/health")
            return self.conn.getresponse().read() != b""
        except OSError:
            self.conn.close()
            return False

    def round_trip(self) -> float:
        started = time.perf_counter()
        self.conn.request("POST", "/run/noop", body='{"i": 1, "s": "x"}',
                          headers={"Content-Type": "application/json"})
        response = self.conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200 or json.loads(data) != {"i": 1, "s": "x"}:
            raise RuntimeError(f"flask: {response.status} {data[:200]!r}")
        return elapsed

    def stop(self) -> None:
        self.conn.close()
        procs.stop(self.server)


def bench_batches(ferry: FerryHttp, jobs: int, runs: int) -> dict:
    rates = []
    for run in range(runs):
        seconds = ferry.batch(jobs)
        rates.append(jobs / seconds)
        log.info("batch run %d: %d jobs in %.2f s = %.0f jobs/s", run + 1, jobs, seconds,
                 rates[-1])
    return {"jobs": jobs, "rates": rates, "median": statistics.median(rates)}


def bench_round_trips(ferry: FerryHttp, flask: FlaskHttp, rounds: int, per_round: int) -> dict:
    """Rounds rotate the order of the three clients, so drift favours none."""
    systems = {"ferry": ferry.round_trip, "ferry_one": ferry.round_trip_one_request,
               "flask": flask.round_trip}
    for _ in range(50):  # warm every path (connections, caches, the pool's first batches)
        for call in systems.values():
            call()
    samples: dict[str, list[float]] = {name: [] for name in systems}
    ratios: dict[str, list[float]] = {"ferry": [], "ferry_one": []}
    names = list(systems)
    for r in range(rounds):
        medians = {}
        for name in names[r % 3:] + names[:r % 3]:
            taken = [systems[name]() * 1000 for _ in range(per_round)]
            samples[name].extend(taken)
            medians[name] = statistics.median(taken)
        for name in ratios:
            ratios[name].append(medians[name] / medians["flask"])
        log.info("round %d: p50 ms ferry (POST+GET) %.3f, ferry (POST ?wait) %.3f, flask %.3f",
                 r + 1, medians["ferry"], medians["ferry_one"], medians["flask"])
    out: dict = {"ratios": ratios}
    for name, taken in samples.items():
        out[f"{name}_p50_ms"] = statistics.median(taken)
        out[f"{name}_p99_ms"] = statistics.quantiles(taken, n=100)[98]
    return out


def bench_overhead(jobs: int, pairs: int) -> dict:
    out = subprocess.run([str(OVERHEAD), "--jobs", str(jobs), "--pairs", str(pairs)],
                         capture_output=True, text=True, check=True, timeout=1800).stdout
    sys.stderr.write(out)
    ratio_line = next(line for line in out.splitlines() if line.startswith("ratio on/off"))
    median = float(ratio_line.split("median ")[1].split(" ")[0])
    low = float(ratio_line.split("min ")[1].split(",")[0])
    high = float(ratio_line.split("max ")[1].rstrip(")"))
    return {"ratio_median": median, "ratio_min": low, "ratio_max": high, "output": out}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer jobs and runs (a smoke run)")
    parser.add_argument("--json", type=pathlib.Path, help="write the figures here too")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    for needed in (FERRY, OVERHEAD):
        if not needed.exists():
            sys.exit(f"http_bench: {needed} is missing; build first (scripts/build.sh)")
    jobs, runs = (10_000, 1) if args.quick else (100_000, 3)
    rounds, per_round = (3, 100) if args.quick else (9, 300)
    figures: dict = {"command": " ".join(["bench/http_bench.py", *sys.argv[1:]])}
    with tempfile.TemporaryDirectory(prefix="ferry-http-bench-") as tmp:
        ferry = FerryHttp(pathlib.Path(tmp))
        flask = None
        try:
            figures["batch"] = bench_batches(ferry, jobs, runs)
            flask = FlaskHttp()
            figures["round_trip"] = bench_round_trips(ferry, flask, rounds, per_round)
        finally:
            ferry.stop()
            if flask:
                flask.stop()
    figures["overhead"] = bench_overhead(300_000 if args.quick else 3_000_000,
                                         1 if args.quick else 5)
    batch, trip, over = figures["batch"], figures["round_trip"], figures["overhead"]
    print(f"| workload | target | measured (median, min-max) | met |")
    print(f"| --- | --- | --- | --- |")
    print(f"| POST /v1/batches of {jobs:,} noop jobs, results streamed | >= 50,000 jobs/s | "
          f"{spread(batch['rates'])} jobs/s | {'yes' if batch['median'] >= 50_000 else 'NO'} |")
    for name, what in (("ferry", "POST /v1/jobs + GET ?wait=30s (two requests)"),
                       ("ferry_one", "POST /v1/jobs?wait=30s (one request)")):
        print(f"| single job, {what}, noop, vs Flask+gunicorn JSON POST | p50 below Flask's | "
              f"Ferry p50 {trip[name + '_p50_ms']:.3f} ms (p99 {trip[name + '_p99_ms']:.3f}), "
              f"Flask p50 {trip['flask_p50_ms']:.3f} ms (p99 {trip['flask_p99_ms']:.3f}); "
              f"per-round p50 ratio {spread(trip['ratios'][name])} | "
              f"{'yes' if trip[name + '_p50_ms'] < trip['flask_p50_ms'] else 'NO'} |")
    print(f"| broker ZeroMQ jobs/s, HTTP on and scraped every 1 s vs off | within 5% | on/off "
          f"{over['ratio_median']:.3f} ({over['ratio_min']:.3f}-{over['ratio_max']:.3f}) | "
          f"{'yes' if over['ratio_median'] >= 0.95 else 'NO'} |")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        procs.stop_all()
