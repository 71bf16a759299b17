"""The Celery application: one task that calls the shared workload handler.

Workers: python3 -m celery -A peers.celery_app worker (BENCH_REDIS_URL names the broker and the
result backend; BENCH_WORKLOAD, when set, is loaded in every pool process before it takes jobs).
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

from peers import workloads


def make_app(url: str) -> Celery:
    """Celery's defaults (JSON, prefetch 4, early acks) with Redis as broker and backend."""
    app = Celery("ferry_bench", broker=url, backend=url)
    app.conf.update(worker_hijack_root_logger=False, broker_connection_retry_on_startup=True,
                    result_expires=3600, worker_send_task_events=False)
    return app


app = make_app(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))


@app.task(name="bench.run")
def run(workload: str, payload: Any) -> Any:
    return workloads.run_one(workload, payload)


@worker_process_init.connect
def _load_model(**_: Any) -> None:
    name = os.environ.get("BENCH_WORKLOAD")
    if name:
        workloads.state_of(name)
