"""Broker memory: peak RSS of `ferry broker` holding 1,000,000 queued 100-byte jobs.

The job type is served by no worker, so every job stays queued. Overhead per job is
(RSS after - RSS before - payload bytes) / jobs; ids ("m0000001", 8 bytes) count as overhead.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from peers import procs
from peers.ferry_peer import broker_status, start_broker
from peers.fjp_client import FjpProducer

log = logging.getLogger(__name__)
PAYLOAD_BYTES = 100
BATCH = 2000  # jobs per SUBMIT
CONFIG = """broker:
  producers_endpoint: tcp://127.0.0.1:0
  workers_endpoint: tcp://127.0.0.1:0
  max_pending: {pending}
job_types:
  bench.parked:
    batch: {{max_size: 1, max_delay_ms: 0}}
input:
  type: bench.parked
"""


def payload(i: int) -> bytes:
    """A MessagePack str of exactly PAYLOAD_BYTES bytes (2-byte str8 header + 98 characters)."""
    text = f"{i:098d}".encode()
    return b"\xd9" + bytes([len(text)]) + text


def fill(producer: FjpProducer, jobs: int) -> None:
    """Submits `jobs` jobs in batches, waiting for each ACCEPTED (the broker's answer)."""
    for start in range(0, jobs, BATCH):
        ids = range(start, min(jobs, start + BATCH))
        producer.submit("bench.parked", [(f"m{i:07d}", payload(i)) for i in ids])
        while producer.receive(120_000)[0].name != "ACCEPTED":
            pass


def measure_broker_memory(jobs: int) -> dict[str, Any]:
    """Starts a broker, fills it with `jobs` parked jobs, reads VmRSS/VmHWM, stops it."""
    work = Path(tempfile.mkdtemp(prefix="ferry-memory-", dir=procs.LOG_DIR.parent))
    config = work / "broker.yaml"
    config.write_text(CONFIG.format(pending=jobs + 1000))
    broker, producers, _ = start_broker(config, "ferry-broker-memory")
    producer = FjpProducer(producers, client="bench-memory")
    try:
        time.sleep(0.5)
        before = procs.proc_status_kib(broker.pid, "VmRSS")
        started = time.perf_counter()
        fill(producer, jobs)
        fill_s = time.perf_counter() - started
        pending = int(broker_status(producers).get("pending", -1))
        rss = procs.proc_status_kib(broker.pid, "VmRSS")
        hwm = procs.proc_status_kib(broker.pid, "VmHWM")
    finally:
        producer.close()
        procs.stop(broker, grace_s=30)
    return summarise(jobs, pending, before, rss, hwm, fill_s)


def summarise(jobs: int, pending: int, before_kib: int, rss_kib: int, hwm_kib: int,
              fill_s: float) -> dict[str, Any]:
    payload_total = jobs * PAYLOAD_BYTES
    overhead = (rss_kib - before_kib) * 1024 - payload_total
    return {"jobs": jobs, "pending": pending, "payload_bytes": PAYLOAD_BYTES,
            "rss_before_mib": before_kib / 1024, "rss_after_mib": rss_kib / 1024,
            "peak_rss_mib": hwm_kib / 1024, "fill_s": fill_s,
            "overhead_bytes_per_job": overhead / jobs,
            "peak_overhead_bytes_per_job": ((hwm_kib - before_kib) * 1024 - payload_total) / jobs}
