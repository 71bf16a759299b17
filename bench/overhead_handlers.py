"""The cpu-5ms handler of bench/worker_overhead.py: burns CPU and says where and how much."""

from __future__ import annotations

import threading
import time
from typing import Any

import ferry_worker
from ferry_worker import Job


@ferry_worker.handler("overhead.cpu")
def burn(job: Job) -> Any:
    """Spins payload seconds of this thread's CPU; returns [native thread id, CPU seconds used]."""
    started = time.thread_time()
    while time.thread_time() - started < job.payload:
        pass
    return [threading.get_native_id(), time.thread_time() - started]
