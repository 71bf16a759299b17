"""RQ with Redis: 2 `rq worker` processes (SimpleWorker: no fork per job, RQ's fastest path)."""

from __future__ import annotations

import time
from typing import Any

from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, FinishedJobRegistry

from peers import procs
from peers.redis_server import RedisServer
from peers.session import sequential_round_trips
from peers.workloads import Payload, Result, Workload

NAME = "RQ + Redis"
WORKERS = 2
TASK = "peers.workloads.run_one"
CHUNK = 1000  # jobs per enqueue_many pipeline / fetch_many call
POLL_S = 0.005  # completion polling interval (RQ has no result notification)


def variants(workload: Workload) -> list[str]:
    return ["2 SimpleWorkers"]


class RqSession:
    """A redis-server and two RQ worker processes on the default queue."""

    def __init__(self, workload: Workload) -> None:
        self.workload = workload
        self.redis = RedisServer(f"redis-rq-{workload.name}")
        self.conn = self.redis.client()
        self.queue = Queue("default", connection=self.conn)
        self.workers = [procs.spawn(f"rq-{workload.name}-{i}", [
            "/usr/bin/rq", "worker", "--url", self.redis.url, "--worker-class",
            "rq.worker.SimpleWorker", "--logging_level", "WARNING", "default"])
            for i in range(WORKERS)]
        procs.wait_until(lambda: len(self._worker_keys()) >= WORKERS, 60, "rq workers")
        self.finished = FinishedJobRegistry(queue=self.queue)
        self.failed = FailedJobRegistry(queue=self.queue)
        self.out: dict[str, Result] = {}

    def _worker_keys(self) -> list[bytes]:
        return list(self.conn.smembers("rq:workers"))

    def prepare(self, ids: list[str], payloads: list[Payload]) -> None:
        self.ids, self.payloads, self.out = ids, payloads, {}

    def execute(self) -> None:
        """Enqueue in pipelined chunks, poll until every job finished, fetch the results."""
        target = self.finished.count + len(self.ids)
        name = self.workload.name
        for start in range(0, len(self.ids), CHUNK):
            self.queue.enqueue_many([
                Queue.prepare_data(TASK, args=(name, p), job_id=i, result_ttl=3600)
                for i, p in zip(self.ids[start:start + CHUNK], self.payloads[start:start + CHUNK])])
        while self.finished.count < target:
            if self.failed.count:
                raise RuntimeError(f"{self.failed.count} RQ jobs failed (see the worker logs)")
            time.sleep(POLL_S)
        for start in range(0, len(self.ids), CHUNK):
            for job in Job.fetch_many(self.ids[start:start + CHUNK], connection=self.conn):
                self.out[job.id] = job.result

    def collect(self) -> dict[str, Result]:
        return self.out

    def _one(self, job_id: str, payload: Payload) -> Result:
        job = self.queue.enqueue(TASK, self.workload.name, payload, job_id=job_id)
        while True:
            status = job.get_status(refresh=True)
            if status == "finished":
                return job.return_value(refresh=True)
            if status == "failed":
                raise RuntimeError(f"RQ job {job_id} failed")
            time.sleep(0.0002)

    def round_trips(self, ids: list[str], payloads: list[Payload]) -> tuple[dict[str, Result],
                                                                          list[float]]:
        return sequential_round_trips(ids, payloads, self._one)

    def worker_pids(self) -> list[int]:
        return [w.pid for w in self.workers]

    def notes(self) -> dict[str, Any]:
        return {"processes": WORKERS}

    def close(self) -> None:
        for worker in self.workers:
            procs.stop(worker, grace_s=10)
        self.redis.stop()


def open_session(workload: Workload, variant: str) -> RqSession:
    return RqSession(workload)
