"""`ferry broker` with its HTTP server on, a worker pool, and a small HTTP client for the tests."""

from __future__ import annotations

import http.client
import json
import os
import pathlib
import signal
import socket
import ssl
import subprocess
import sys
import urllib.parse

from conftest import REPO
from processes import stop_gracefully

HANDLERS = pathlib.Path(__file__).resolve().parent / "handlers" / "http_jobs.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Reply:
    """One HTTP response: status, headers (lower-case names), body text, and its JSON."""

    def __init__(self, status: int, headers: dict[str, str], body: str) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.body.splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"<{self.status} {self.body[:300]!r}>"


class HttpBroker:
    """`ferry broker` on fixed loopback ports (a restart keeps them), its HTTP server, pools."""

    def __init__(self, ferry_bin: pathlib.Path, tmp: pathlib.Path, http_extra: str = "",
                 broker_extra: str = "", job_types: str = "", env: dict | None = None) -> None:
        self.ferry_bin, self.dir = ferry_bin, tmp
        self.producers = f"tcp://127.0.0.1:{free_port()}"
        self.workers = f"tcp://127.0.0.1:{free_port()}"
        self.http_port = free_port()
        self.env = dict(os.environ, PYTHONPATH=str(REPO / "py_workers"), **(env or {}))
        self.broker: subprocess.Popen | None = None
        self.procs: list[subprocess.Popen] = []
        self.url = ""
        self.token = ""
        self.tls_context: ssl.SSLContext | None = None
        self.config = tmp / "broker.yaml"
        self.config.write_text(f"""
broker:
  producers_endpoint: {self.producers}
  workers_endpoint: {self.workers}
  heartbeat_ms: 200
{broker_extra}
http:
  listen: 127.0.0.1:{self.http_port}
{http_extra}
job_types:
  default: {{max_attempts: 2, backoff: {{initial_ms: 10, max_ms: 50}}}}
{job_types}
""")

    def start(self, log_level: str = "info") -> None:
        self.log = open(self.dir / "broker.log", "a")
        self.broker = subprocess.Popen(
            [str(self.ferry_bin), "--log-level", log_level, "broker", str(self.config)],
            cwd=self.dir, env=self.env, stdout=subprocess.PIPE, stderr=self.log, text=True,
            stdin=subprocess.DEVNULL)
        self.procs.append(self.broker)
        first = self.broker.stdout.readline()
        assert first.startswith("ferry broker: producers="), first
        second = self.broker.stdout.readline()
        assert second.startswith("ferry broker: http="), second
        self.url = second.strip().split("=", 1)[1]

    def start_pool(self, processes: int = 2) -> subprocess.Popen:
        pool = subprocess.Popen(
            [sys.executable, "-m", "ferry_worker", "--broker", self.workers, "--handlers",
             str(HANDLERS), "--processes", str(processes), "--heartbeat-ms", "200",
             "--log-level", "WARNING"], cwd=self.dir, env=self.env, stdin=subprocess.DEVNULL)
        self.procs.append(pool)
        return pool

    def request(self, method: str, path: str, body=None, headers: dict | None = None,
                timeout: float = 60, token: str | None = None) -> Reply:
        parsed = urllib.parse.urlsplit(self.url)
        if parsed.scheme == "https":
            conn = http.client.HTTPSConnection(parsed.hostname, parsed.port, timeout=timeout,
                                               context=self.tls_context)
        else:
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
        sent = dict(headers or {})
        bearer = self.token if token is None else token
        if bearer:
            sent["Authorization"] = f"Bearer {bearer}"
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
            sent.setdefault("Content-Type", "application/json")
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, text)
        finally:
            conn.close()

    def submit(self, job: dict, **kwargs) -> str:
        reply = self.request("POST", "/v1/jobs", job, **kwargs)
        assert reply.status == 202, reply
        return reply.json()["id"]

    def result(self, job_id: str, wait: str = "30s") -> dict:
        reply = self.request("GET", f"/v1/jobs/{urllib.parse.quote(job_id, safe='')}?wait={wait}")
        assert reply.status == 200, reply
        return reply.json()

    def kill_broker(self) -> None:
        self.broker.send_signal(signal.SIGKILL)
        self.broker.wait(timeout=30)

    def stop(self) -> None:
        stop_gracefully(list(reversed(self.procs)))
        if hasattr(self, "log"):
            self.log.close()
