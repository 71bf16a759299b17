"""Test handler for end-to-end runs: reads a typed-array payload, returns numpy results."""

from __future__ import annotations

from typing import Any

import numpy as np

import ferry_worker
from ferry_worker import Job


@ferry_worker.handler("test.arrays", max_batch_size=32)
def describe(job: Job) -> Any:
    """What arrived (dtype, shape, read-only) and the grid halved, as float32 and a scalar."""
    grid = job.payload["grid"]
    if not isinstance(grid, np.ndarray):
        raise ferry_worker.JobError("INVALID_ARGUMENT", f"grid arrived as {type(grid).__name__}")
    return {"dtype": str(grid.dtype), "shape": list(grid.shape),
            "writeable": bool(grid.flags.writeable), "half": (grid / 2).astype(np.float32),
            "total": grid.sum()}
