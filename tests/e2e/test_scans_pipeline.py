"""The day's-scans example end to end: `ferry run config/scans.yaml`, OCR then a language per line.

Real Tesseract, the real trained tagger, the example's own config file: the output has one record
per page, one language result per OCR'd line, and the tags match the rendered truth.
"""

from __future__ import annotations

import json
import pathlib
import subprocess

from conftest import REPO, read_output


def test_the_scans_pipeline_tags_every_line_of_every_page(run_ferry, tmp_path: pathlib.Path) -> None:
    subprocess.run(["/usr/bin/python3", str(REPO / "examples/scans/render.py"), "--out-dir",
                    str(tmp_path), "--date", "2026-03-01", "--pages", "4", "--seed", "11"],
                   check=True, capture_output=True)
    done = run_ferry("run", str(REPO / "config/scans.yaml"), "--input", "2026-03-01", "--output",
                     "out.jsonl", "--summary-json", "summary.json", timeout=300)
    assert done.returncode == 0, done.stderr
    records = {r["id"]: r for r in read_output(tmp_path / "out.jsonl")}
    truth = [json.loads(line) for line in (tmp_path / "2026-03-01.truth.jsonl").read_text().splitlines()]
    assert sorted(records) == sorted(t["name"] for t in truth)
    right = total = 0
    for page in truth:
        tags = [r["language"] for r in records[page["name"]]["result"]]
        expected = [line["language"] for line in page["lines"]]
        total += len(expected)
        right += sum(a == b for a, b in zip(tags, expected))
    assert right / total >= 0.9, f"{right}/{total} lines tagged right"
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["stages"]["ocr"]["succeeded"] == 4
    assert summary["stages"]["language"]["succeeded"] == sum(len(r["result"]) for r in records.values())
