#!/usr/bin/python3
"""Writes digit jobs as JSON Lines from the held-out split, each with its true label.

    /usr/bin/python3 examples/digits/make_input.py --count 10000 --output demo-out/digits-jobs.jsonl

Each line is {"id": "d-000001", "payload": {"pixels": [64 ints 0..16]}, "label": 7}; the
top-level "label" is what the pipeline's match_rate aggregate compares results against. The
held-out split has 540 images, so a larger count cycles through them (ids stay unique).
"""

from __future__ import annotations

import argparse
import json
import logging
import pathlib
import sys
from typing import Iterator

import digits_data

log = logging.getLogger("digits.make_input")


def records(count: int) -> Iterator[dict]:
    split = digits_data.load_split()
    held_out = len(split.test_y)
    for i in range(count):
        row = i % held_out
        pixels = [int(v) for v in split.test_x[row]]
        yield {"id": f"d-{i + 1:06d}", "payload": {"pixels": pixels}, "label": int(split.test_y[row])}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--output", required=True, type=pathlib.Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    if args.count < 1:
        parser.error("--count must be at least 1")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w") as out:
        for record in records(args.count):
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
    log.info("%d jobs -> %s", args.count, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
