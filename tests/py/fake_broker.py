"""An in-process fake broker on a real ROUTER socket: the test's view of the wire."""

from __future__ import annotations

import time
from typing import Any, Mapping, Optional

import msgpack
import zmq

from ferry_worker.codec import Message, decode, encode
from ferry_worker.protocol import Command

Body = dict[str, Any]


class FakeBroker:
    """Binds a ROUTER (tcp://127.0.0.1:*, or a given endpoint to simulate a restart)."""

    def __init__(self, endpoint: Optional[str] = None) -> None:
        self.context = zmq.Context.instance()
        self.socket = self.context.socket(zmq.ROUTER)
        self.socket.setsockopt(zmq.ROUTER_MANDATORY, 1)
        self.socket.setsockopt(zmq.LINGER, 0)
        self._bind(endpoint or "tcp://127.0.0.1:*")
        self.endpoint: str = self.socket.getsockopt_string(zmq.LAST_ENDPOINT)
        self.seen: list[tuple[bytes, Message]] = []  # every message received, in order

    def _bind(self, endpoint: str, timeout: float = 5.0) -> None:
        """Binds, waiting while a just-closed broker on the same port still lingers."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.socket.bind(endpoint)
                return
            except zmq.ZMQError as exc:
                if exc.errno != zmq.EADDRINUSE or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def close(self, linger_ms: int = 0) -> None:
        """Closes the ROUTER; with `linger_ms`, zmq first delivers what was sent."""
        self.socket.close(linger=linger_ms)

    def recv(self, timeout: float) -> Optional[tuple[bytes, Message]]:
        """The next message, or None after `timeout` seconds."""
        if not self.socket.poll(int(timeout * 1000)):
            return None
        identity, *frames = self.socket.recv_multipart()
        item = (identity, decode(frames))
        self.seen.append(item)
        return item

    def expect(self, command: Command, timeout: float = 5.0) -> tuple[bytes, Body]:
        """Waits for the next `command`, skipping others (they stay in `seen`)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            item = self.recv(left)
            if item is not None and item[1].command is command:
                return item[0], dict(item[1].body)
        raise AssertionError(f"no {command.name} within {timeout} s; saw "
                             f"{[m.command.name for _, m in self.seen[-10:]]}")

    def send(self, identity: bytes, command: Command, body: Mapping[str, Any]) -> None:
        self.socket.send_multipart([identity, *encode(command, body)])

    def handshake(self, heartbeat_ms: int = 100, liveness: int = 3,
                  timeout: float = 10.0) -> tuple[bytes, Body]:
        """Waits for READY and answers WELCOME; returns the worker's identity and READY."""
        identity, ready = self.expect(Command.READY, timeout)
        self.send(identity, Command.WELCOME,
                  {"broker": "fake", "heartbeat_ms": heartbeat_ms, "liveness": liveness})
        return identity, ready

    def send_jobs(self, identity: bytes, job_type: str, payloads: list[Any],
                  prefix: str = "j", timeout_ms: Optional[int] = None, attempt: int = 1) -> list[str]:
        ids = [f"{prefix}{i}" for i in range(len(payloads))]
        jobs = [{"id": i, "type": job_type, "payload": msgpack.packb(p, use_bin_type=True),
                 "attempt": attempt, "timeout_ms": timeout_ms} for i, p in zip(ids, payloads)]
        self.send(identity, Command.JOBS, {"jobs": jobs})
        return ids

    def results(self, count: int, timeout: float = 10.0) -> dict[str, Body]:
        """Collects `count` results (from any number of RESULTS messages), keyed by job id."""
        found: dict[str, Body] = {}
        deadline = time.monotonic() + timeout
        while len(found) < count:
            _, body = self.expect(Command.RESULTS, deadline - time.monotonic())
            for result in body["results"]:
                found[result["id"]] = result
        return found


def result_value(result: Mapping[str, Any]) -> Any:
    """The decoded value of an ok result."""
    assert result["ok"], result
    return msgpack.unpackb(result["result"], raw=False)
