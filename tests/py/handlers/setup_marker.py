"""A handler whose setup fails while a marker file exists, and one that ends its process."""

from __future__ import annotations

import os
from typing import Any, Mapping

import ferry_worker
from ferry_worker import Job


class FailsWhileMarked(ferry_worker.Handler):
    """Setup raises while the file handler_config["fail_marker"] exists."""

    job_type = "marked"

    def setup(self, config: Mapping[str, Any]) -> None:
        if os.path.exists(config["fail_marker"]):
            raise RuntimeError(f"{config['fail_marker']} exists")

    def handle(self, jobs: list[Job]) -> list[Any]:
        return [j.payload for j in jobs]


@ferry_worker.handler("exit")
def hard_exit(job: Job) -> Any:
    os._exit(int(job.payload))
