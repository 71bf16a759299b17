"""Celery 5 with a Redis broker and result backend, prefork pool, concurrency 2."""

from __future__ import annotations

import gc
import os
from typing import Any

from celery.result import ResultSet

from peers import procs
from peers.celery_app import make_app
from peers.redis_server import RedisServer
from peers.session import sequential_round_trips
from peers.workloads import Payload, Result, Workload

NAME = "Celery + Redis"
CONCURRENCY = 2


def variants(workload: Workload) -> list[str]:
    return ["prefork, concurrency 2"]


class CelerySession:
    """A redis-server, one `celery worker` (prefork x2), and a client app in this process."""

    def __init__(self, workload: Workload) -> None:
        self.workload = workload
        self.redis = RedisServer(f"redis-celery-{workload.name}")
        os.environ["BENCH_REDIS_URL"], os.environ["BENCH_WORKLOAD"] = self.redis.url, workload.name
        self.worker = procs.spawn(f"celery-{workload.name}", [
            procs.PYTHON, "-m", "celery", "-A", "peers.celery_app", "worker", "--pool", "prefork",
            "--concurrency", str(CONCURRENCY), "--loglevel", "WARNING", "--without-gossip",
            "--without-mingle", "--without-heartbeat"])
        self.app = make_app(self.redis.url)
        procs.wait_until(self._pongs, 120, "celery worker")
        self.ids: list[str] = []
        self.payloads: list[Payload] = []
        self.out: dict[str, Result] = {}

    def _pongs(self) -> bool:
        if self.worker.poll() is not None:
            raise RuntimeError(f"celery worker exited with {self.worker.returncode}")
        return bool(self.app.control.ping(timeout=0.5))

    def prepare(self, ids: list[str], payloads: list[Payload]) -> None:
        self.ids, self.payloads, self.out = ids, payloads, {}

    def execute(self) -> None:
        send, name = self.app.send_task, self.workload.name
        pending = [send("bench.run", args=(name, p), task_id=i)
                   for i, p in zip(self.ids, self.payloads)]
        values = ResultSet(pending, app=self.app).join_native(timeout=3600, propagate=True)
        self.out = dict(zip(self.ids, values))

    def collect(self) -> dict[str, Result]:
        return self.out

    def _one(self, job_id: str, payload: Payload) -> Result:
        return self.app.send_task("bench.run", args=(self.workload.name, payload),
                                  task_id=job_id).get(timeout=60, interval=0.0005)

    def round_trips(self, ids: list[str], payloads: list[Payload]) -> tuple[dict[str, Result],
                                                                          list[float]]:
        return sequential_round_trips(ids, payloads, self._one)

    def worker_pids(self) -> list[int]:
        return procs.child_pids(self.worker.pid)

    def notes(self) -> dict[str, Any]:
        return {"processes": CONCURRENCY}

    def close(self) -> None:
        procs.stop(self.worker, grace_s=20)
        self.out = {}
        gc.collect()  # AsyncResult.__del__ talks to Redis: let it happen while Redis is up
        self.app.close()
        self.redis.stop()


def open_session(workload: Workload, variant: str) -> CelerySession:
    return CelerySession(workload)
