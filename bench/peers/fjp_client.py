"""A minimal FJP/1 producer in Python: SUBMIT, ACCEPTED, OUTCOMES over one DEALER socket.

Used for client-side round-trip latency (the same Python client side as every other system) and
to fill the broker with queued jobs for the memory figure.
"""

from __future__ import annotations

import os
from typing import Any, Iterable

import msgpack
import zmq

from ferry_worker.codec import decode, encode
from ferry_worker.protocol import Command


class FjpProducer:
    """One producer connection; `client` names it so its job ids are its own."""

    def __init__(self, endpoint: str, client: str = "") -> None:
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.connect(endpoint)
        self.client = client or f"bench-{os.getpid()}"
        self.session = f"{self.client}-{os.getpid()}-{id(self):x}"  # this process owns the name
        self.seq = 0

    def submit(self, job_type: str, jobs: Iterable[tuple[str, bytes]]) -> None:
        """Sends one SUBMIT; payloads are already MessagePack-encoded."""
        self.seq += 1
        body = {"client": self.client, "session": self.session, "seq": self.seq,
                "jobs": [{"id": i, "type": job_type, "payload": p} for i, p in jobs]}
        self.socket.send_multipart(encode(Command.SUBMIT, body))

    def receive(self, timeout_ms: int = 60_000) -> tuple[Command, Any]:
        if not self.socket.poll(timeout_ms):
            raise TimeoutError(f"no reply from the broker within {timeout_ms} ms")
        message = decode(self.socket.recv_multipart())
        if message.command in (Command.REJECTED, Command.ERROR):
            raise RuntimeError(f"broker answered {message.command.name}: {dict(message.body)}")
        return message.command, message.body

    def call(self, job_type: str, job_id: str, payload: Any) -> Any:
        """One job submitted and waited for: its result, or an error for a failed outcome."""
        self.submit(job_type, [(job_id, msgpack.packb(payload, use_bin_type=True))])
        while True:
            command, body = self.receive()
            if command is Command.OUTCOMES:
                outcome = body["outcomes"][0]
                if not outcome["ok"]:
                    raise RuntimeError(f"job {job_id} failed: {outcome.get('error')}")
                return msgpack.unpackb(outcome["result"], raw=False)

    def close(self) -> None:
        self.context.destroy(linger=0)
