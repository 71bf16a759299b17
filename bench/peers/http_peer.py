"""HTTP: each job one JSON POST to a Flask service on gunicorn (2 processes), keep-alive."""

from __future__ import annotations

import http.client
import json
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from peers import procs
from peers.session import sequential_round_trips
from peers.workloads import Payload, Result, Workload

NAME = "HTTP (Flask + gunicorn)"
PROCESSES = 2
CONNECTIONS = 8  # concurrent keep-alive connections from the client (threads)


def variants(workload: Workload) -> list[str]:
    return [f"2 processes, {CONNECTIONS} keep-alive conns"]


class Connection:
    """One persistent HTTP/1.1 connection: POST a payload, read the JSON result."""

    def __init__(self, port: int, workload: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.path = f"/run/{workload}"
        self.headers = {"Content-Type": "application/json", "Connection": "keep-alive"}

    def post(self, payload: Payload) -> Result:
        self.conn.request("POST", self.path, json.dumps(payload), self.headers)
        response = self.conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {body[:200]!r}")
        return json.loads(body)

    def server_pid(self) -> int:
        """The gunicorn worker process that accepted this connection."""
        self.conn.request("GET", "/health")
        return int(json.loads(self.conn.getresponse().read())["pid"])

    def close(self) -> None:
        self.conn.close()


class HttpSession:
    """gunicorn on a free loopback port; the client spreads jobs over keep-alive connections."""

    def __init__(self, workload: Workload) -> None:
        self.workload = workload
        self.port = procs.free_port()
        os.environ["BENCH_WORKLOAD"] = workload.name
        self.server = procs.spawn(f"gunicorn-{workload.name}", [
            procs.PYTHON, "-m", "gunicorn", "-w", str(PROCESSES), "-k", "gthread",
            "--threads", "1", "--keep-alive", "60", "-b", f"127.0.0.1:{self.port}",
            "--log-level", "warning", "peers.http_app:app"])
        procs.wait_until(self._healthy, 120, "gunicorn")
        self.pool = ThreadPoolExecutor(CONNECTIONS)
        self.conns = self._balanced_connections()
        self.out: dict[str, Result] = {}

    def _healthy(self) -> bool:
        if self.server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {self.server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
            conn.request("GET", "/health")
            return conn.getresponse().status == 200
        except OSError:
            return False

    def _balanced_connections(self) -> list[Connection]:
        """CONNECTIONS keep-alive connections, the same number held by each worker process
        (gunicorn's accept is first-come, so a naive client can load one process only)."""
        by_pid: dict[int, list[Connection]] = {}
        per_pid = CONNECTIONS // PROCESSES
        for _ in range(50 * CONNECTIONS):
            conn = Connection(self.port, self.workload.name)
            held = by_pid.setdefault(conn.server_pid(), [])
            if len(held) < per_pid:
                held.append(conn)
            else:
                conn.close()
            if sum(len(c) for c in by_pid.values()) == CONNECTIONS:
                return [c for pair in zip(*by_pid.values()) for c in pair]
        raise RuntimeError(f"could not spread {CONNECTIONS} connections over {PROCESSES} "
                           f"gunicorn workers: {[len(c) for c in by_pid.values()]}")

    def prepare(self, ids: list[str], payloads: list[Payload]) -> None:
        self.ids, self.payloads, self.out = ids, payloads, {}

    def _slice(self, k: int) -> list[Result]:
        conn = self.conns[k]
        return [conn.post(p) for p in self.payloads[k::CONNECTIONS]]

    def execute(self) -> None:
        """Each connection takes every CONNECTIONS-th job, in parallel threads."""
        slices = list(self.pool.map(self._slice, range(CONNECTIONS)))
        for k, results in enumerate(slices):
            self.out.update(zip(self.ids[k::CONNECTIONS], results))

    def collect(self) -> dict[str, Result]:
        return self.out

    def round_trips(self, ids: list[str], payloads: list[Payload]) -> tuple[dict[str, Result],
                                                                          list[float]]:
        conn = self.conns[0]
        return sequential_round_trips(ids, payloads, lambda _id, p: conn.post(p))

    def worker_pids(self) -> list[int]:
        return procs.child_pids(self.server.pid)

    def notes(self) -> dict[str, Any]:
        return {"processes": PROCESSES, "connections": CONNECTIONS}

    def close(self) -> None:
        self.pool.shutdown()
        for conn in self.conns:
            conn.close()
        procs.stop(self.server, grace_s=15)


def open_session(workload: Workload, variant: str) -> HttpSession:
    return HttpSession(workload)
