#!/usr/bin/python3
"""Derives the code that mirrors schemas/protocol.yaml: C++ tables and structs, the Python module.

Run `/usr/bin/python3 schemas/generate_code.py` after editing protocol.yaml and commit what it
rewrites; `--check` rewrites nothing and exits 1 when a committed file differs from what the
YAML gives (a ctest runs it). The C++ naming and representation choices that the YAML does not
carry (struct names, which messages have a borrowed `...View` form) live in cpp_names.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from cpp_names import render_cpp_structs, render_cpp_tables
from py_names import render_python

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "schemas" / "protocol.yaml"
OUTPUTS = {
    "wire/include/ferry/wire/generated/protocol_tables.hpp": render_cpp_tables,
    "wire/include/ferry/wire/generated/message_structs.hpp": render_cpp_structs,
    "py_workers/ferry_worker/protocol.py": render_python,
}


def rendered(spec: dict) -> dict[str, str]:
    """Every generated file's path (relative to the repository) and its text."""
    return {path: render(spec) for path, render in OUTPUTS.items()}


def check(files: dict[str, str]) -> int:
    """1 and a message per stale file when a committed file differs from what the YAML gives."""
    stale = [p for p, text in files.items() if not (ROOT / p).exists() or (ROOT / p).read_text() != text]
    for path in stale:
        print(f"{path}: differs from what schemas/protocol.yaml gives; "
              f"run /usr/bin/python3 schemas/generate_code.py and commit the result", file=sys.stderr)
    return 1 if stale else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when stale")
    args = parser.parse_args()
    files = rendered(yaml.safe_load(SPEC_PATH.read_text()))
    if args.check:
        return check(files)
    for path, text in files.items():
        (ROOT / path).parent.mkdir(parents=True, exist_ok=True)
        (ROOT / path).write_text(text)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
