"""Handlers for bench/restart_cost.py: `exit` ends its process at once; `sklearn` as well, from a
module that imports scikit-learn and NumPy first, like a model's handler module would."""

from __future__ import annotations

import os
from typing import Any

import ferry_worker
from ferry_worker import Job

if os.environ.get("FERRY_BENCH_IMPORT_SKLEARN") == "1":
    import numpy  # noqa: F401
    import sklearn.svm  # noqa: F401


@ferry_worker.handler("exit")
def exit_now(job: Job) -> Any:
    os._exit(3)
