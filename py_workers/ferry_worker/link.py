"""The worker's connection to the broker: one DEALER, re-created on every reconnect.

ZMQ_IMMEDIATE keeps messages out of zmq's queue while no broker is connected, so a send
either reaches a live connection or fails and the caller keeps the message for later.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Mapping, Optional

import zmq
from zmq.utils.monitor import recv_monitor_message

from ferry_worker.codec import pack_frames
from ferry_worker.keys import ClientKeys
from ferry_worker.protocol import Command

log = logging.getLogger("ferry_worker.link")
# Plain ints: pyzmq's multipart helpers and getsockopt convert flags through enums and typing
# on every call, a third of a small message's receive cost; Socket.recv/send/get do not.
_NOBLOCK = int(zmq.NOBLOCK)
_MORE = int(zmq.SNDMORE)
_RCVMORE = int(zmq.RCVMORE)
_EVENTS = int(zmq.EVENTS)
_POLLIN = int(zmq.POLLIN)


def readable(sock: zmq.Socket) -> bool:
    """Whether a message is queued: asked, where a failed recv would build a zmq.Again."""
    return bool(sock.get(_EVENTS) & _POLLIN)


def recv_frames(sock: zmq.Socket) -> list[bytes]:
    """The next message's frames without blocking; raises zmq.Again when none is queued."""
    frames = [sock.recv(_NOBLOCK)]
    while sock.get(_RCVMORE):  # the rest of a message arrives with its first frame
        frames.append(sock.recv(_NOBLOCK))
    return frames


class BrokerLink:
    """A DEALER to the broker with the timing state liveness needs."""

    def __init__(self, context: zmq.Context, endpoint: str, backoff_min_ms: int,
                 backoff_max_ms: int, keys: Optional[ClientKeys] = None):
        self.context = context
        self.endpoint = endpoint
        self.keys = keys  # CURVE keys; None: plain
        self._monitor: Optional[zmq.Socket] = None  # CURVE: reports a refused handshake
        self.socket: Optional[zmq.Socket] = None
        self.last_sent = 0.0
        self.last_recv = 0.0
        self.retry_at = 0.0
        self._backoff_min = backoff_min_ms / 1000.0
        self._backoff_max = backoff_max_ms / 1000.0
        self._backoff = self._backoff_min

    def open(self) -> zmq.Socket:
        """A fresh DEALER connected to the broker; liveness timers restart now."""
        sock = self.context.socket(zmq.DEALER)
        sock.setsockopt(zmq.IMMEDIATE, 1)
        sock.setsockopt(zmq.LINGER, 0)
        if self.keys is not None:
            self.keys.apply(sock)
            self._monitor = sock.get_monitor_socket(zmq.EVENT_HANDSHAKE_FAILED_AUTH)
        sock.connect(self.endpoint)
        self.socket = sock
        self.last_recv = self.last_sent = time.monotonic()
        return sock

    def refused(self) -> Optional[str]:
        """Why the broker refused our CURVE key at the handshake, or None (not refused, plain)."""
        if self._monitor is None or self.keys is None:
            return None
        try:
            event = recv_monitor_message(self._monitor, _NOBLOCK)
        except zmq.Again:
            return None
        return (f"the broker at {self.endpoint} refused this worker's key {self.keys.public_key[:8]}"
                f"... at the handshake (ZAP status {event['value']}): put its .pub file in the "
                "broker's security.curve.workers and reload the broker (SIGHUP)")

    def _close_monitor(self) -> None:
        if self._monitor is not None and self.socket is not None:
            self.socket.disable_monitor()
        if self._monitor is not None:
            self._monitor.close(linger=0)
            self._monitor = None

    def close(self, reason: str) -> None:
        """Drops the socket and schedules the next attempt with exponential backoff."""
        self._close_monitor()
        if self.socket is not None:
            self.socket.close(linger=0)
            self.socket = None
        self.retry_at = time.monotonic() + self._backoff
        log.warning("broker %s: %s; reconnecting in %.0f ms", self.endpoint, reason,
                    self._backoff * 1000)
        self._backoff = min(self._backoff * 2, self._backoff_max)

    def drop(self) -> None:
        """Closes the socket for good: nothing is sent, no reconnect is scheduled."""
        self._close_monitor()
        if self.socket is not None:
            self.socket.close(linger=0)
            self.socket = None

    def welcomed(self) -> None:
        self._backoff = self._backoff_min

    def send(self, command: Command, body: Mapping[str, Any]) -> bool:
        """Sends without blocking; False when no broker connection can take it now."""
        if self.socket is None:
            return False
        head, packed = pack_frames(command, body)
        try:
            self.socket.send(head, _NOBLOCK | _MORE)
        except zmq.Again:
            return False  # nothing queued: zmq refuses a message at its first frame
        self.socket.send(packed, _NOBLOCK, copy=len(packed) < 65536)
        self.last_sent = time.monotonic()
        return True

    def goodbye(self, reason: str, linger_ms: int) -> None:
        """Sends DISCONNECT and closes, giving zmq `linger_ms` to deliver what is queued."""
        if self.socket is None:
            return
        self.send(Command.DISCONNECT, {"reason": reason})
        self.socket.close(linger=linger_ms)
        self.socket = None
