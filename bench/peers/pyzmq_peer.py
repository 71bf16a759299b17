"""Bare pyzmq PUSH/PULL with msgpack and no reliability: 2 worker processes, one job a message."""

from __future__ import annotations

from typing import Any

import msgpack
import zmq

from peers import procs
from peers.session import sequential_round_trips
from peers.workloads import Payload, Result, Workload

NAME = "pyzmq PUSH/PULL"
PROCESSES = 2


def variants(workload: Workload) -> list[str]:
    return ["no reliability"]


class PyzmqSession:
    """Binds PUSH (jobs) and PULL (results) on 127.0.0.1; workers connect to both."""

    def __init__(self, workload: Workload) -> None:
        self.context = zmq.Context()
        self.jobs = self.context.socket(zmq.PUSH)
        self.jobs.bind("tcp://127.0.0.1:*")
        self.results = self.context.socket(zmq.PULL)
        self.results.bind("tcp://127.0.0.1:*")
        argv = [procs.PYTHON, "-m", "peers.pyzmq_worker", workload.name,
                self.jobs.getsockopt_string(zmq.LAST_ENDPOINT),
                self.results.getsockopt_string(zmq.LAST_ENDPOINT)]
        self.procs = [procs.spawn(f"pyzmq-worker-{i}", argv) for i in range(PROCESSES)]
        self._await_hellos()
        self.messages: list[bytes] = []
        self.out: dict[str, Result] = {}

    def _await_hellos(self) -> None:
        for _ in range(PROCESSES):
            if not self.results.poll(120_000):
                raise TimeoutError("pyzmq workers did not say hello within 120 s")
            self.results.recv()

    def prepare(self, ids: list[str], payloads: list[Payload]) -> None:
        self.ids, self.payloads = ids, payloads
        self.out = {}
        self.pending: Any = None

    def execute(self) -> None:
        """Sends while the socket takes more, receives while results wait: never deadlocks."""
        pack, unpack = msgpack.packb, msgpack.unpackb
        jobs = iter(zip(self.ids, self.payloads))
        remaining_to_send, total = len(self.ids), len(self.ids)
        poller = zmq.Poller()
        poller.register(self.results, zmq.POLLIN)
        poller.register(self.jobs, zmq.POLLOUT)
        while len(self.out) < total:
            events = dict(poller.poll())
            if events.get(self.jobs):
                remaining_to_send = self._send_some(jobs, remaining_to_send, pack)
                if not remaining_to_send:
                    poller.unregister(self.jobs)
            while self.results.poll(0):
                job_id, result = unpack(self.results.recv())
                self.out[job_id] = result

    def _send_some(self, jobs: Any, remaining: int, pack: Any) -> int:
        """Sends until the socket would block; returns how many jobs remain unsent."""
        while remaining:
            if self.pending is None:
                self.pending = pack(next(jobs))
            try:
                self.jobs.send(self.pending, zmq.NOBLOCK)
            except zmq.Again:
                return remaining
            self.pending, remaining = None, remaining - 1
        return 0

    def collect(self) -> dict[str, Result]:
        return self.out

    def _one(self, job_id: str, payload: Payload) -> Result:
        self.jobs.send(msgpack.packb([job_id, payload]))
        return msgpack.unpackb(self.results.recv())[1]

    def round_trips(self, ids: list[str], payloads: list[Payload]) -> tuple[dict[str, Result],
                                                                          list[float]]:
        return sequential_round_trips(ids, payloads, self._one)

    def worker_pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def notes(self) -> dict[str, Any]:
        return {"processes": PROCESSES}

    def close(self) -> None:
        for proc in self.procs:
            procs.stop(proc, grace_s=3)
        self.context.destroy(linger=0)


def open_session(workload: Workload, variant: str) -> PyzmqSession:
    return PyzmqSession(workload)
