"""A handler module that starts a thread when imported: it must not be forked from."""

from __future__ import annotations

import threading
import time
from typing import Any

import ferry_worker
from ferry_worker import Job

threading.Thread(target=lambda: time.sleep(3600), name="import-time-thread", daemon=True).start()


@ferry_worker.handler("echo")
def echo(job: Job) -> Any:
    return job.payload
