"""Runs one (workload, system, variant): warm-up, N timed runs, verification, memory."""

from __future__ import annotations

import hashlib
import logging
import statistics
import time
import traceback
from typing import Any, Optional

from peers import procs
from peers.workloads import Payload, Result, Workload, job_ids

log = logging.getLogger(__name__)
_EXPECTED: dict[tuple[str, int], list[str]] = {}
QUIET_BUSY = 0.25  # wait for other processes to use less than this share of the CPUs
QUIET_WAIT_S = 4.0


def expected_digests(workload: Workload, payloads: list[Payload]) -> list[str]:
    """The reference: the handler called in this process, one job at a time (cached)."""
    key = (workload.name, len(payloads))
    if key not in _EXPECTED:
        state = workload.setup()
        _EXPECTED[key] = [workload.digest(workload.handle_one(state, p)) for p in payloads]
    return _EXPECTED[key]


def checksum(digests: list[str]) -> str:
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()[:16]


def verify(workload: Workload, ids: list[str], results: dict[str, Result],
           expected: list[str]) -> dict[str, Any]:
    """Count and checksum of every result against the in-process reference."""
    missing = [i for i in ids if i not in results]
    got = [workload.digest(results[i]) if i in results else "<missing>" for i in ids]
    return {"count": len(results), "expected_count": len(ids), "missing": len(missing),
            "checksum": checksum(got), "expected_checksum": checksum(expected),
            "ok": not missing and len(results) == len(ids) and got == expected}


def wait_for_quiet() -> float:
    """Waits (bounded) until other processes leave the CPUs mostly idle; returns busy share."""
    deadline = time.monotonic() + QUIET_WAIT_S
    busy = procs.cpu_busy_fraction()
    while busy > QUIET_BUSY and time.monotonic() < deadline:
        busy = procs.cpu_busy_fraction()
    if busy > QUIET_BUSY:
        log.warning("machine busy (%.0f%% CPU used by others) during this run", busy * 100)
    return busy


def one_run(session: Any, workload: Workload, run: int, n: int) -> dict[str, Any]:
    """One timed run with fresh job ids; latency workloads time each round trip."""
    payloads = workload.make_payloads(n)
    ids = [f"r{run}-{i}" for i in job_ids(n)]
    busy = wait_for_quiet() if run else procs.cpu_busy_fraction(0.1)
    if "latency" in workload.tags:
        started = time.perf_counter()
        results, lat = session.round_trips(ids, payloads)
        wall = time.perf_counter() - started
    else:
        session.prepare(ids, payloads)
        started = time.perf_counter()
        session.execute()
        wall = time.perf_counter() - started
        results, lat = session.collect(), []
    record = {"run": run, "wall_s": wall, "jobs_per_s": n / wall, "cpu_busy_before": busy,
              "verify": verify(workload, ids, results, expected_digests(workload, payloads))}
    record.update(_latency_stats(lat))
    record.update(session.notes())
    return record


def _latency_stats(lat: list[float]) -> dict[str, float]:
    if not lat:
        return {}
    ordered = sorted(lat)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50_ms": pick(0.50), "p99_ms": pick(0.99), "mean_ms": statistics.fmean(lat)}


def measure(module: Any, workload: Workload, variant: str, n: int,
            repeats: int) -> dict[str, Any]:
    """Opens the system once, warms it up, then times `repeats` runs of `n` jobs; never
    raises (a failure is recorded in the row)."""
    entry: dict[str, Any] = {"workload": workload.name, "system": module.NAME,
                             "variant": variant, "jobs": n, "runs": []}
    session: Optional[Any] = None
    try:
        session = module.open_session(workload, variant)
        warm = one_run(session, workload, 0, max(20, min(n // 20, 2000)))
        entry["warmup_ok"] = warm["verify"]["ok"]
        for run in range(1, repeats + 1):
            entry["runs"].append(one_run(session, workload, run, n))
            _log_run(entry, entry["runs"][-1])
        entry["worker_rss_mib"] = procs.rss_mib(session.worker_pids())
    except Exception as exc:  # one broken peer must not sink the whole table
        log.error("%s / %s / %s failed: %s", workload.name, module.NAME, variant, exc)
        entry["error"] = f"{type(exc).__name__}: {exc}"
        entry["traceback"] = traceback.format_exc()
    finally:
        if session is not None:
            session.close()
    return entry


def _log_run(entry: dict[str, Any], run: dict[str, Any]) -> None:
    lat = f" p50 {run['p50_ms']:.3f} ms p99 {run['p99_ms']:.3f} ms" if "p50_ms" in run else ""
    log.info("%-8s %-22s %-18s run %d: %8.0f jobs/s  %.3f s%s  verified=%s", entry["workload"],
             entry["system"], entry["variant"], run["run"], run["jobs_per_s"], run["wall_s"],
             lat, run["verify"]["ok"])
