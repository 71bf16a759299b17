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
    met = None if measured is None else (measured >= goal if higher else measured < goal)
    return {"target": name, "measured": measured, "goal": goal, "unit": unit, "met": met,
            "how": how}


def _ratio(a: Optional[dict[str, Any]], b: Optional[dict[str, Any]]) -> Optional[float]:
    return a["rate"]["median"] / b["rate"]["median"] if a and b else None


def targets(rows: list[dict[str, Any]], memory: Optional[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every target of issue 7, measured from this run's rows."""
    on, off = "dynamic batching (max 256, 2 ms)", "batching off"
    best_noop = find(rows, "noop", "Ferry", on) or find(rows, "noop", "Ferry", off)
    cpu = find(rows, "cpu-5ms", "Ferry", off)
    cpu_row = next((r for r in rows if r["workload"] == "cpu-5ms" and r["system"] == "Ferry"),
                   None)
    ideal = cpu_row["jobs"] * CPU_SECONDS / PROCESSES if cpu_row else None
    lat = find(rows, "latency", "Ferry", "Python FJP client")
    return [
        verdict("noop: Ferry ≥ 100× Celery", _ratio(best_noop, find(rows, "noop",
                "Celery + Redis")), 100, "×", True, "median jobs/s, Ferry's best variant"),
        verdict("noop: Ferry ≥ bare pyzmq PUSH/PULL", _ratio(best_noop, find(
            rows, "noop", "pyzmq PUSH/PULL")), 1.0, "×", True, "median jobs/s ratio"),
        verdict("cpu-5ms: Ferry within 5% of ideal", cpu["wall"]["median"] / ideal - 1
                if cpu and ideal else None, 0.05, "over ideal", False,
                f"median wall vs jobs × 5 ms / 2 cores = {ideal or 0:.2f} s"),
        verdict("digits: batching on ≥ 10× off", _ratio(find(rows, "digits", "Ferry", on),
                find(rows, "digits", "Ferry", off)), 10, "×", True, "median jobs/s ratio"),
        verdict("digits: batched Ferry ≥ 40% of in-process batched", _ratio(
            find(rows, "digits", "Ferry", on), find(rows, "digits", "in-process", "batched")),
            0.40, "of limit", True, "median jobs/s ratio"),
        verdict("latency: Ferry p50 < 0.3 ms", lat["p50"]["median"] if lat else None, 0.3, "ms",
                False, "client-side round trip, Python FJP client, median of runs"),
        verdict("latency: Ferry p99 < 1 ms", lat["p99"]["median"] if lat else None, 1.0, "ms",
                False, "client-side round trip, Python FJP client, median of runs"),
        verdict("broker: < 300 B overhead per queued job", memory.get(
            "peak_overhead_bytes_per_job") if memory else None, 300, "B/job", False,
            "(peak RSS − idle RSS − payload bytes) / jobs"),
    ]
