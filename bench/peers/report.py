"""Writes the peers section of docs/BENCHMARKS.md (between markers) and the chart."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path
from typing import Any, Optional

from peers import procs
from peers.summary import ferry_reference, figures, targets
from peers.workloads import get

log = logging.getLogger(__name__)
DOC = procs.ROOT / "docs" / "BENCHMARKS.md"
BEGIN, END = "<!-- peers:begin -->", "<!-- peers:end -->"
PROFILE = procs.ROOT / "docs" / "bench" / "peers-profile.md"
NOTES = procs.ROOT / "bench" / "peers" / "NOTES.md"
METHOD = """\
**Method.** Every system runs the same handler functions (`bench/peers/workloads.py`; digits and
ocr call the example handlers in `examples/`) in 2 worker processes on this 2-core machine, on the
same payloads and job counts, bound to 127.0.0.1. Workers are started and warmed up (model loaded,
a warm-up batch run) before timing; **the timed span is from the first submit to the last result
in the client's hands**, the same for every system (for Ferry: the whole `ferry submit` process —
start, JSONL parse, all round trips, writing the output — against a running `ferry broker` and a
2-process `ferry_worker` pool). Each row is the median of its runs with the min–max spread; every
run's results are checked by count and by a checksum against the handler run in-process.
Latency is client-side: 2,000 sequential submit-and-wait round trips from a Python client (for
Ferry a minimal FJP producer, `bench/peers/fjp_client.py`); the `ferry submit, window 1` row is the
C++ producer, its p50/p99 being the broker-measured accept-to-outcome `ms` of each record.
"""


def fmt(value: Optional[float], digits: int = 0) -> str:
    if value is None:
        return "—"
    if abs(value) >= 100 or digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def rate_cell(fig: dict[str, Any]) -> tuple[str, str]:
    r = fig["rate"]
    return fmt(r["median"], 1), f"{fmt(r['min'], 1)}–{fmt(r['max'], 1)}"


def row_line(row: dict[str, Any], ref: Optional[float]) -> str:
    fig = figures(row)
    name = f"{row['system']} — {row['variant']}"
    if fig is None:
        return f"| {name} | {row['jobs']:,} | failed: {row.get('error', 'no runs')[:120]} |" \
               " | | | | |"
    rate, spread = rate_cell(fig)
    ratio = f"{fig['rate']['median'] / ref:.3g}×" if ref else "—"
    rss = row.get("worker_rss_mib") or []
    rss_text = f"{sum(rss) / len(rss):.0f}" if rss else "—"
    lat = f"{fig['p50']['median']:.3f} / {fig['p99']['median']:.3f}" if "p50" in fig else "—"
    ok = "yes" if fig["verified"] else "**NO**"
    return f"| {name} | {row['jobs']:,} | {rate} | {spread} | {fig['wall']['median']:.3f} | " \
           f"{ratio} | {lat} | {rss_text} | {ok} ({fig['runs']}) |"


HEADER = ("| system — variant | jobs | jobs/s (median) | min–max | wall s | vs Ferry | "
          "latency ms p50 / p99 | worker RSS MiB | verified (runs) |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")


def workload_table(rows: list[dict[str, Any]], name: str) -> str:
    mine = [r for r in rows if r["workload"] == name]
    if not mine:
        return ""
    ref = ferry_reference(rows, name)
    lines = [f"### {name}: {get(name).description}", "", HEADER]
    lines += [row_line(r, ref) for r in mine]
    return "\n".join(lines) + "\n"


SHARES = ("over ideal", "of limit", "of 2 cores")


def target_figure(value: float, unit: str) -> str:
    """A target's measured value or goal as the table shows it."""
    if unit in SHARES:
        return f"{value:.1%}"
    if unit == "jobs/s":
        return f"{value:,.0f} {unit}"
    return f"{value:,.3g} {unit}"


def target_table(results: dict[str, Any]) -> str:
    lines = ["| target | measured | goal | met? | how |", "| --- | ---: | ---: | --- | --- |"]
    for t in targets(results["rows"], results.get("memory")):
        met = "not measured" if t["met"] is None else ("**met**" if t["met"] else "**MISSED**")
        shown = "—" if t["measured"] is None else target_figure(t["measured"], t["unit"])
        lines.append(f"| {t['target']} | {shown} | {target_figure(t['goal'], t['unit'])} | {met} "
                     f"| {t['how']} |")
    return "\n".join(lines) + "\n"


def memory_text(mem: Optional[dict[str, Any]]) -> str:
    if not mem:
        return "Broker memory was not measured in this run.\n"
    return (f"`ferry broker` holding {mem['jobs']:,} queued {mem['payload_bytes']}-byte jobs "
            f"(a job type no worker serves; status `pending` = {mem['pending']:,}): idle RSS "
            f"{mem['rss_before_mib']:.1f} MiB, after filling {mem['rss_after_mib']:.1f} MiB, "
            f"peak (VmHWM) {mem['peak_rss_mib']:.1f} MiB; payloads are "
            f"{mem['jobs'] * mem['payload_bytes'] / 2**20:.1f} MiB, so the overhead is "
            f"**{mem['peak_overhead_bytes_per_job']:.0f} bytes per queued job** beyond its payload "
            f"(ids and the FJP producer's per-job fields included). Filling took "
            f"{mem['fill_s']:.1f} s ({mem['jobs'] / mem['fill_s']:,.0f} jobs/s accepted).\n")


def machine_text(m: dict[str, Any]) -> str:
    pkgs = ", ".join(f"{k} {v}" for k, v in sorted(m["packages"].items()))
    return (f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB RAM; {m['os']}, kernel "
            f"{m['kernel']}; Python {m['python']}; Ferry at commit `{m['ferry_commit']}`. "
            f"Packages: {pkgs}.\n")


def reruns_text(results: dict[str, Any]) -> str:
    lines = []
    for rerun in results.get("reruns", []):
        when = datetime.datetime.fromtimestamp(rerun["started"]).strftime("%H:%M")
        rows = "; ".join(" / ".join(r) for r in rerun["rows"])
        lines.append(f"Rerun at {when} with `{rerun['command'].strip()}`: {rows}.")
    return "\n".join(lines) + "\n" if lines else ""


def busy_warning(rows: list[dict[str, Any]]) -> str:
    busy = sorted({f"{r['workload']}/{r['system']}" for r in rows
                   if (f := figures(r)) and f["busy"] > 0.25})
    if not busy:
        return ""
    return (f"Other processes (concurrent builds) were using more than 25% of the CPUs just "
            f"before some runs: {', '.join(busy)}; those figures are pessimistic.\n\n")


def section(results: dict[str, Any], chart: Optional[Path]) -> str:
    when = datetime.datetime.fromtimestamp(results["started"]).strftime("%Y-%m-%d %H:%M")
    quick = "**QUICK RUN — fewer jobs, 1 run each: not for publication.**\n\n" \
        if results["quick"] else ""
    took = f"in {results['duration_s'] / 60:.0f} min" if "duration_s" in results else \
        "(**partial: the run was still going when this was written**)"
    parts = [f"## Ferry against its peers (bench/run)\n\n{quick}Generated {when} by "
             f"`{results['command'].strip()}` {took}; raw runs in "
             "[bench/peers.json](bench/peers.json).\n", reruns_text(results),
             machine_text(results["machine"]), METHOD,
             "### Targets\n", target_table(results),
             busy_warning(results["rows"])]
    if chart is not None:
        parts.append(f"![jobs/s and latency per system](bench/{chart.name})\n")
    parts += [workload_table(results["rows"], w) for w in
              ("noop", "cpu-5ms", "latency", "digits", "ocr")]
    parts += ["### Memory\n", memory_text(results.get("memory"))]
    for extra in (NOTES, PROFILE):
        if extra.exists():
            parts.append(extra.read_text())
    return "\n".join(p for p in parts if p)


def replace_section(text: str, body: str) -> str:
    """Swaps what lies between the markers; appends the marked section when there is none."""
    block = f"{BEGIN}\n{body.rstrip()}\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        return head + block + rest.split(END, 1)[1]
    return text.rstrip() + "\n\n" + block + "\n"


def publish(results: dict[str, Any], raw: Path) -> None:
    from peers import chart

    png = chart.draw(results, procs.ROOT / "docs" / "bench" / "peers.png")
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    DOC.write_text(replace_section(text, section(results, png)))
    log.info("wrote the peers section of %s (chart %s, raw %s)", DOC, png, raw)
