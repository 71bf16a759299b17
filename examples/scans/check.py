#!/usr/bin/python3
"""Scores the day's scans pipeline: the language of each line against the rendered truth.

    /usr/bin/python3 examples/scans/check.py --results demo-out/scans/scans-results.jsonl \
        --truth demo-out/scans/2026-12-03.truth.jsonl --min-accuracy 0.9

A results record is {"id": "page-0001.png", "status": "ok", "result": [{"language", ...}, ...]},
one language result per OCR'd line in reading order. A line is right when the result at its
index names its true language; a page that failed, or lost or gained lines, counts its lines
missed. Exits 1 when the accuracy is below --min-accuracy, 2 on unreadable input.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
from typing import Any, Iterator


def records(path: pathlib.Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SystemExit(f"check.py: cannot read {path}: {exc}") from exc
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            yield number, json.loads(text)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"check.py: {path}:{number}: not JSON ({exc.msg})") from exc


def page_languages(record: dict[str, Any]) -> list[str]:
    """The tagged languages of one page's lines, or [] for a failed page."""
    if record.get("status") != "ok" or not isinstance(record.get("result"), list):
        return []
    return [item.get("language", "") if isinstance(item, dict) else "" for item in record["result"]]


def score(results: pathlib.Path, truth: pathlib.Path) -> tuple[int, int, int]:
    """(lines right, lines in the truth, pages whose line count differs)."""
    tagged = {str(record.get("id")): page_languages(record) for _, record in records(results)}
    right = total = uneven = 0
    for number, page in records(truth):
        if "name" not in page or "lines" not in page:
            raise SystemExit(f"check.py: {truth}:{number}: needs 'name' and 'lines'")
        expected = [line["language"] for line in page["lines"]]
        got = tagged.get(page["name"], [])
        uneven += len(got) != len(expected)
        right += sum(e == g for e, g in zip(expected, got))
        total += len(expected)
    return right, total, uneven


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=pathlib.Path, required=True)
    parser.add_argument("--truth", type=pathlib.Path, required=True)
    parser.add_argument("--min-accuracy", type=float, default=0.0)
    args = parser.parse_args(argv)
    try:
        right, total, uneven = score(args.results, args.truth)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    if total == 0:
        print(f"check.py: {args.truth} holds no lines", file=sys.stderr)
        return 2
    accuracy = right / total
    print(f"language accuracy: {accuracy:.4f} ({right}/{total} lines; "
          f"{uneven} pages with a different line count)")
    if accuracy < args.min_accuracy:
        print(f"check.py: below --min-accuracy {args.min_accuracy}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
