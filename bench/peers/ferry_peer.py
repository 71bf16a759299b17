"""Ferry: `ferry broker` + a 2-process `ferry_worker` pool + `ferry submit` (the C++ producer).

The broker and pool start once per (workload, variant) and stay up across runs; each timed run
is one `ferry submit` process reading a JSONL input and writing a JSONL output, so the timed span
covers producer start, input parsing, every round trip and writing the output.
"""

from __future__ import annotations

import json
import logging
import resource
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from peers import procs
from peers.fjp_client import FjpProducer
from peers.session import sequential_round_trips
from peers.workloads import Payload, Result, Workload

log = logging.getLogger(__name__)
NAME = "Ferry"
FERRY = procs.ROOT / "build" / "ferry"
PROCESSES = 2
BATCH_ON = "dynamic batching (max 256, 2 ms)"
BATCH_OFF = "batching off"
PY_CLIENT = "Python FJP client"
CPP_WINDOW1 = "ferry submit, window 1"


@dataclass(frozen=True)
class FerryJobType:
    handlers: str  # --handlers of the pool: module name or path
    job_type: str  # the job type the handler serves
    batches: bool  # whether dynamic batching changes the handler's work


JOB_TYPES = {
    "noop": FerryJobType("peers.ferry_handlers", "bench.noop", True),
    "latency": FerryJobType("peers.ferry_handlers", "bench.noop", False),
    "cpu-5ms": FerryJobType("peers.ferry_handlers", "bench.cpu", False),
    "digits": FerryJobType(str(procs.ROOT / "examples/digits/handler.py"), "digits.classify", True),
    "ocr": FerryJobType(str(procs.ROOT / "examples/ocr/handler.py"), "ocr.read", False),
}


# Payload fields the producer packs as typed arrays (input.arrays), per job type.
INPUT_ARRAYS = {"digits.classify": "{pixels: uint8}"}


def variants(workload: Workload) -> list[str]:
    if "latency" in workload.tags:
        return [PY_CLIENT, CPP_WINDOW1]
    return [BATCH_OFF, BATCH_ON] if JOB_TYPES[workload.name].batches else [BATCH_OFF]


def config_text(job_type: str, variant: str) -> str:
    """The pipeline YAML of one session: loopback ports, the batch setting, the window."""
    batch = "{max_size: 256, max_delay_ms: 2}" if variant == BATCH_ON else \
        "{max_size: 1, max_delay_ms: 0}"
    window, submit_batch = (1, 1) if variant == CPP_WINDOW1 else (10000, 256)
    return "\n".join([
        "broker:", "  producers_endpoint: tcp://127.0.0.1:0",
        "  workers_endpoint: tcp://127.0.0.1:0", "  max_pending: 1000000",
        "job_types:", f"  {job_type}:", "    timeout_s: 600", f"    batch: {batch}",
        "input:", f"  type: {job_type}",
        *([f"  arrays: {INPUT_ARRAYS[job_type]}"] if job_type in INPUT_ARRAYS else []), "output:", "  order: input", "  format: jsonl",
        "producer:", f"  window: {window}", f"  submit_batch: {submit_batch}",
        "  progress_interval_s: 3600", ""])


def start_broker(config: Path, name: str = "ferry-broker") -> tuple[Any, str, str]:
    """`ferry broker CONFIG`; returns the process and its (producers, workers) endpoints."""
    proc = procs.spawn(name, [str(FERRY), "--log-level", "warn", "broker", str(config)],
                       stdout=subprocess.PIPE)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
    if "producers" not in fields or "workers" not in fields:
        procs.stop(proc)
        raise RuntimeError(f"ferry broker printed no endpoints line (got {line!r}); see "
                           f"{procs.LOG_DIR}/{name}.log")
    return proc, fields["producers"], fields["workers"]


def broker_status(producers: str) -> dict[str, Any]:
    out = subprocess.run([str(FERRY), "status", "--broker", producers, "--json"],
                         capture_output=True, text=True, timeout=30, check=True)
    return dict(json.loads(out.stdout))


class FerrySession:
    """A running broker with a warm 2-process pool for one job type and variant."""

    def __init__(self, workload: Workload, variant: str) -> None:
        self.spec, self.variant = JOB_TYPES[workload.name], variant
        self.dir = Path(tempfile.mkdtemp(prefix=f"ferry-{workload.name}-",
                                         dir=procs.LOG_DIR.parent))
        self.config = self.dir / "pipeline.yaml"
        self.config.write_text(config_text(self.spec.job_type, variant))
        self.broker, self.producers, workers = start_broker(self.config)
        self.pool = procs.spawn(f"ferry-pool-{workload.name}", [
            procs.PYTHON, "-m", "ferry_worker", "--broker", workers, "--handlers",
            self.spec.handlers, "--processes", str(PROCESSES), "--log-level", "WARNING"])
        procs.wait_until(self._pool_ready, 180, f"Ferry pool for {workload.name}")
        self.ids: list[str] = []
        self.summary: dict[str, Any] = {}
        self.client: Optional[FjpProducer] = None
        self.cpu: dict[str, float] = {}  # CPU seconds of the last run by role

    def _pool_ready(self) -> bool:
        if self.pool.poll() is not None:
            raise RuntimeError(f"ferry_worker pool exited with {self.pool.returncode}; see "
                               f"{procs.LOG_DIR}")
        return len(broker_status(self.producers).get("workers", [])) >= PROCESSES

    def prepare(self, ids: list[str], payloads: list[Payload]) -> None:
        self.ids = ids
        with open(self.dir / "input.jsonl", "w") as out:
            for job_id, payload in zip(ids, payloads):
                out.write(json.dumps({"id": job_id, "payload": payload}) + "\n")

    def execute(self) -> None:
        argv = [str(FERRY), "--log-level", "warn", "submit", str(self.config), "--broker",
                self.producers, "--input", str(self.dir / "input.jsonl"), "--output",
                str(self.dir / "output.jsonl"), "--summary-json", str(self.dir / "summary.json")]
        before, children = self._service_cpu(), resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        service = self._service_cpu()
        self.cpu = {"submit": after.ru_utime + after.ru_stime - children.ru_utime -
                    children.ru_stime,
                    **{role: service[role] - before.get(role, 0.0) for role in service}}
        if done.returncode not in (0, 3):
            raise RuntimeError(f"ferry submit exited {done.returncode}: {done.stderr[-2000:]}")

    def collect(self) -> dict[str, Result]:
        self.summary = json.loads((self.dir / "summary.json").read_text())
        return {rec["id"]: rec["result"] for rec in self._records() if rec["status"] == "ok"}

    def _records(self) -> list[dict[str, Any]]:
        with open(self.dir / "output.jsonl") as lines:
            return [json.loads(line) for line in lines]

    def round_trips(self, ids: list[str], payloads: list[Payload]) -> tuple[dict[str, Result],
                                                                          list[float]]:
        if self.variant == CPP_WINDOW1:
            return self._window_one(ids, payloads)
        if self.client is None:
            self.client = FjpProducer(self.producers)
        client, job_type = self.client, self.spec.job_type
        return sequential_round_trips(ids, payloads,
                                      lambda i, p: client.call(job_type, i, p))

    def _window_one(self, ids: list[str], payloads: list[Payload]) -> tuple[dict[str, Result],
                                                                          list[float]]:
        """`ferry submit` with window 1: latency is each record's broker-measured `ms`."""
        self.prepare(ids, payloads)
        self.execute()
        results = self.collect()
        return results, [float(rec["ms"]) for rec in self._records()]

    def _service_cpu(self) -> dict[str, float]:
        """CPU seconds (user + system) used so far by the broker and by the pool with its
        worker processes: CPU accounting, steadier than wall time on a shared VM."""
        pool = [self.pool.pid, *procs.child_pids(self.pool.pid)]
        return {"broker": procs.cpu_seconds([self.broker.pid]), "pool": procs.cpu_seconds(pool)}

    def worker_pids(self) -> list[int]:
        return procs.child_pids(self.pool.pid)

    def notes(self) -> dict[str, Any]:
        if not self.summary:
            return {"processes": PROCESSES}
        return {"processes": PROCESSES, "ferry_wall_s": self.summary.get("wall_s"),
                "ferry_jobs_per_s": self.summary.get("jobs_per_s"),
                "ferry_latency_ms": self.summary.get("latency_ms"),
                "cpu_s": {role: round(seconds, 4) for role, seconds in self.cpu.items()}}

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        procs.stop(self.pool, grace_s=15)
        procs.stop(self.broker, grace_s=15)


def open_session(workload: Workload, variant: str) -> FerrySession:
    return FerrySession(workload, variant)
