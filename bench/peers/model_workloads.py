"""digits and ocr: the issue-6 handlers (examples/digits, examples/ocr) driven for every system.

Each worker process instantiates the example's Handler class once (its `setup` loads the model)
and calls its `handle(list)`: one job per call for one-at-a-time systems, the whole list for
batched ones. The handler files are loaded by path and never modified here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from peers.workloads import Payload, Result, Workload, register

ROOT = Path(__file__).resolve().parents[2]
WORK = Path(os.environ.get("FERRY_BENCH_TMP", "/tmp/ferry-bench"))


@dataclass(frozen=True)
class PayloadJob:
    """The one attribute the example handlers read from a ferry_worker Job."""

    payload: Payload


def load_example(name: str) -> ModuleType:
    """examples/NAME/handler.py as a module (its directory goes on sys.path, as it expects)."""
    path = ROOT / "examples" / name / "handler.py"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing (issue 6 lands the {name} handler)")
    sys.path.insert(0, str(ROOT / "py_workers"))
    spec = importlib.util.spec_from_file_location(f"bench_example_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _handle_one(handler: Any, payload: Payload) -> Result:
    return _checked(handler.handle([PayloadJob(payload)]))[0]


def _handle_batch(handler: Any, payloads: list[Payload]) -> list[Result]:
    return _checked(handler.handle([PayloadJob(p) for p in payloads]))


def _checked(results: list[Any]) -> list[Result]:
    for result in results:
        if isinstance(result, Exception):
            raise RuntimeError(f"handler returned an error: {result}")
    return results


# ---- digits ------------------------------------------------------------------------------------

def _digits_setup() -> Any:
    handler = load_example("digits").DigitsClassifier()
    handler.setup({"backend": os.environ.get("FERRY_DIGITS_BACKEND", "sklearn")})
    return handler


def _digits_payloads(n: int) -> list[Payload]:
    sys.path.insert(0, str(ROOT / "examples" / "digits"))
    import digits_data

    test_x = digits_data.load_split().test_x
    return [{"pixels": [int(v) for v in test_x[i % len(test_x)]]} for i in range(n)]


# ---- ocr ---------------------------------------------------------------------------------------

def _ocr_setup() -> Any:
    handler = load_example("ocr").OcrReader()
    handler.setup({})
    return handler


def _ocr_payloads(n: int) -> list[Payload]:
    """n rendered text lines (examples/ocr/render.py, fixed seed), rendered once and reused."""
    out_dir = WORK / f"ocr-{n}"
    jobs = out_dir / "ocr-jobs.jsonl"
    if not jobs.exists():
        sys.path.insert(0, str(ROOT / "examples" / "ocr"))
        import render

        render.write_jobs(n, out_dir, 7, False, 28)
    with open(jobs) as lines:
        return [json.loads(line)["payload"] for line in lines]


register(Workload(
    name="digits", jobs=100_000, quick_jobs=10_000, make_payloads=_digits_payloads,
    setup=_digits_setup, handle_one=_handle_one, handle_batch=_handle_batch,
    digest=lambda r: str(r["label"]), batching_applies=True,
    description="8x8 digit classification with the scikit-learn model of examples/digits"))
register(Workload(
    name="ocr", jobs=300, quick_jobs=40, make_payloads=_ocr_payloads, setup=_ocr_setup,
    handle_one=_handle_one, digest=lambda r: str(r["text"]),
    description="rendered text lines read by Tesseract (examples/ocr)"))
