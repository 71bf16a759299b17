"""Reduces raw runs to figures: medians with min-max spread, Ferry references, target verdicts."""

from __future__ import annotations

import statistics
from typing import Any, Optional

from peers.workloads import CPU_SECONDS

PROCESSES = 2


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def figures(row: dict[str, Any]) -> Optional[dict[str, Any]]:
    """Median / min / max of jobs/s, wall time and latency over a row's runs (None if failed)."""
    runs = row.get("runs") or []
    if row.get("error") or not runs:
        return None
    out = {"rate": spread([r["jobs_per_s"] for r in runs]),
           "wall": spread([r["wall_s"] for r in runs]),
           "verified": all(r["verify"]["ok"] for r in runs), "runs": len(runs),
           "busy": max(r.get("cpu_busy_before", 0.0) for r in runs)}
    if "p50_ms" in runs[0]:
        out["p50"] = spread([r["p50_ms"] for r in runs])
        out["p99"] = spread([r["p99_ms"] for r in runs])
    return out


def find(rows: list[dict[str, Any]], workload: str, system: str,
         variant: Optional[str] = None) -> Optional[dict[str, Any]]:
    for row in rows:
        if row["workload"] == workload and row["system"] == system and \
                (variant is None or row["variant"] == variant):
            fig = figures(row)
            if fig is not None:
                return fig
    return None


def ferry_reference(rows: list[dict[str, Any]], workload: str) -> Optional[float]:
    """The best median jobs/s of any Ferry variant on this workload: the ratio's denominator."""
    rates = [f["rate"]["median"] for r in rows if r["workload"] == workload
             and r["system"] == "Ferry" and (f := figures(r)) is not None]
    return max(rates) if rates else None


def verdict(name: str, measured: Optional[float], goal: float, unit: str, higher: bool,
            how: str) -> dict[str, Any]:
    met = None if measured is None else (measured >= goal if higher else measured <= goal)
    return {"target": name, "measured": measured, "goal": goal, "unit": unit, "met": met,
            "how": how}


def _ratio(a: Optional[dict[str, Any]], b: Optional[dict[str, Any]]) -> Optional[float]:
    return a["rate"]["median"] / b["rate"]["median"] if a and b else None


def _p(fig: Optional[dict[str, Any]], key: str) -> Optional[float]:
    return fig[key]["median"] if fig and key in fig else None


def service_cpu_share(rows: list[dict[str, Any]]) -> Optional[float]:
    """cpu-5ms through Ferry: CPU used by everything but the handlers, as a share of 2 cores.

    Every Ferry process's CPU (broker, pool supervisor, workers, `ferry submit`) is counted by
    the kernel; the handlers' own part is jobs x 5 ms (each job burns 5 ms of thread CPU); the
    rest, over 2 cores x the run's wall time, is the median over runs.
    """
    row = next((r for r in rows if r["workload"] == "cpu-5ms" and r["system"] == "Ferry"
                and not r.get("error") and r.get("runs")), None)
    if row is None or not all(run.get("cpu_s") for run in row["runs"]):
        return None
    shares = [(sum(run["cpu_s"].values()) - row["jobs"] * CPU_SECONDS) / (PROCESSES * run["wall_s"])
              for run in row["runs"]]
    return statistics.median(shares)


def targets(rows: list[dict[str, Any]], memory: Optional[dict[str, Any]]) -> list[dict[str, Any]]:
    """The hot-path targets first, then the earlier ones, measured from this run's rows."""
    return hot_path_targets(rows) + earlier_targets(rows, memory)


def hot_path_targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    on, off, alone = "dynamic batching (max 256, 2 ms)", "batching off", "one at a time"
    pyzmq = "pyzmq PUSH/PULL"
    lat = find(rows, "latency", "Ferry", "Python FJP client")
    flask = find(rows, "latency", "HTTP (Flask + gunicorn)")
    digits_on = find(rows, "digits", "Ferry", on)
    return [
        verdict("noop, batching on: Ferry ≥ 1× bare pyzmq", _ratio(find(rows, "noop", "Ferry", on),
                find(rows, "noop", pyzmq)), 1.0, "×", True, "median jobs/s ratio"),
        verdict("noop, batching off: Ferry ≥ 0.25× bare pyzmq", _ratio(find(
            rows, "noop", "Ferry", off), find(rows, "noop", pyzmq)), 0.25, "×", True,
            "median jobs/s ratio"),
        verdict("digits, batched: ≥ 100,000 jobs/s", digits_on["rate"]["median"] if digits_on
                else None, 100_000, "jobs/s", True, "median jobs/s"),
        verdict("digits, batched: ≥ 0.2× one in-process batched predict", _ratio(
            digits_on, find(rows, "digits", "in-process", "batched")), 0.2, "×", True,
            "median jobs/s ratio"),
        verdict("digits, batching off: Ferry ≥ 1× bare pyzmq", _ratio(find(
            rows, "digits", "Ferry", off), find(rows, "digits", pyzmq)), 1.0, "×", True,
            "median jobs/s ratio (pyzmq: one predict per job)"),
        verdict("latency: Ferry p50 ≤ 0.25 ms", _p(lat, "p50"), 0.25, "ms", False,
                "client-side round trip, Python FJP client, median of runs"),
        verdict("latency: Ferry p99 ≤ 1 ms", _p(lat, "p99"), 1.0, "ms", False,
                "client-side round trip, Python FJP client, median of runs"),
        verdict("latency: Ferry p50 below Flask + gunicorn's", _p(lat, "p50") / _p(flask, "p50")
                if _p(lat, "p50") and _p(flask, "p50") else None, 1.0, "×", False,
                "ratio of the two p50s in this run"),
        verdict("cpu-5ms: all but the handlers ≤ 3% of 2 cores", service_cpu_share(rows), 0.03,
                "of 2 cores", False, "CPU of every Ferry process − jobs × 5 ms, over 2 × wall"),
    ]


def earlier_targets(rows: list[dict[str, Any]],
                    memory: Optional[dict[str, Any]]) -> list[dict[str, Any]]:
    on, off = "dynamic batching (max 256, 2 ms)", "batching off"
    best_noop = find(rows, "noop", "Ferry", on) or find(rows, "noop", "Ferry", off)
    cpu = find(rows, "cpu-5ms", "Ferry", off)
    cpu_row = next((r for r in rows if r["workload"] == "cpu-5ms" and r["system"] == "Ferry"),
                   None)
    ideal = cpu_row["jobs"] * CPU_SECONDS / PROCESSES if cpu_row else None
    return [
        verdict("noop: Ferry ≥ 100× Celery", _ratio(best_noop, find(rows, "noop",
                "Celery + Redis")), 100, "×", True, "median jobs/s, Ferry's best variant"),
        verdict("cpu-5ms: Ferry within 5% of ideal", cpu["wall"]["median"] / ideal - 1
                if cpu and ideal else None, 0.05, "over ideal", False,
                f"median wall vs jobs × 5 ms / 2 cores = {ideal or 0:.2f} s"),
        verdict("digits: batching on ≥ 10× off", _ratio(find(rows, "digits", "Ferry", on),
                find(rows, "digits", "Ferry", off)), 10, "×", True, "median jobs/s ratio"),
        verdict("broker: < 300 B overhead per queued job", memory.get(
            "peak_overhead_bytes_per_job") if memory else None, 300, "B/job", False,
            "(peak RSS − idle RSS − payload bytes) / jobs"),
    ]
