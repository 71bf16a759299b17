"""The peers chart: jobs/s per system for each throughput workload, and round-trip latency."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from peers.summary import figures  # noqa: E402

PANELS = [("noop", "rate", "jobs/s"), ("cpu-5ms", "rate", "jobs/s"),
          ("digits", "rate", "jobs/s"), ("ocr", "rate", "jobs/s"),
          ("latency", "p50", "p50 round trip, ms"), ("latency", "p99", "p99 round trip, ms")]


def bars(rows: list[dict[str, Any]], workload: str, key: str) -> list[tuple[str, dict, bool]]:
    """(label, median/min/max, is Ferry) for each row of the workload that has the figure."""
    out = []
    for row in rows:
        fig = figures(row) if row["workload"] == workload else None
        if fig is not None and key in fig:
            out.append((f"{row['system']}\n{row['variant']}", fig[key], row["system"] == "Ferry"))
    return out


def panel(ax: Any, rows: list[dict[str, Any]], workload: str, key: str, unit: str) -> None:
    data = bars(rows, workload, key)
    if not data:
        ax.set_visible(False)
        return
    labels = [d[0] for d in data]
    med = [d[1]["median"] for d in data]
    err = [[m - d[1]["min"] for m, d in zip(med, data)], [d[1]["max"] - m for m, d in zip(med, data)]]
    colors = ["#d95f02" if d[2] else "#7570b3" for d in data]
    ax.barh(range(len(data)), med, xerr=err, color=colors, capsize=3)
    ax.set_yticks(range(len(data)), labels, fontsize=6)
    ax.invert_yaxis()
    if max(med) > 20 * max(min(med), 1e-9):
        ax.set_xscale("log")  # spans orders of magnitude: noop, digits, latency
    ax.set_title(f"{workload} — {unit} (median, min–max)", fontsize=9)
    for i, m in enumerate(med):
        ax.text(m, i, f" {m:,.3g}", va="center", fontsize=6)


def draw(results: dict[str, Any], out: Path) -> Optional[Path]:
    """Renders the PNG; returns its path (None when there is nothing to draw)."""
    rows = results["rows"]
    if not any(figures(r) for r in rows):
        return None
    fig, axes = plt.subplots(3, 2, figsize=(13, 13))
    for ax, (workload, key, unit) in zip(axes.flat, PANELS):
        panel(ax, rows, workload, key, unit)
    note = "QUICK RUN (not for publication)" if results["quick"] else "median of ≥3 runs"
    fig.suptitle(f"Ferry (orange) and its peers, 2 worker processes, 2 cores — {note}",
                 fontsize=11)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
