"""The pool supervisor: N worker processes, restarted with backoff, never orphaned.

Children are fresh interpreters (subprocess, no fork after zmq), each loading the model once.
When one dies unexpectedly the supervisor tells the broker why (EXITED: exit code or signal,
last RSS), so the attempts of the jobs it held are counted with that cause.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Optional

import zmq

from ferry_worker import exits
from ferry_worker.codec import encode
from ferry_worker.protocol import Command
from ferry_worker.session import rss_mb

log = logging.getLogger("ferry_worker.pool")
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass(frozen=True)
class PoolConfig:
    """Everything the supervisor and its worker processes need."""

    broker: str
    handlers: str
    processes: int = 1
    heartbeat_ms: int = 1000
    prefetch: int = 2
    max_jobs: int = 0
    max_rss_mb: int = 0
    log_level: str = "INFO"
    handler_config: dict[str, Any] = field(default_factory=dict)
    drain_timeout_s: float = 30.0  # after SIGTERM, how long children may take to drain
    overrun_kill_s: float = 2.0  # kill a child this long after its handler's deadline


@dataclass
class Slot:
    """One place in the pool and the process currently filling it."""

    index: int
    proc: Optional[subprocess.Popen[bytes]] = None
    status_fd: int = -1
    buffer: bytes = b""
    started: float = 0.0
    restart_at: float = 0.0
    failures: int = 0
    deadline: float = 0.0  # the handler's timeout deadline (monotonic), 0 when idle
    rss_mb: Optional[int] = None
    killed_for: str = ""


class Pool:
    """Runs the pool until SIGTERM/SIGINT (exit 0) or a setup failure at start (exit 2)."""

    def __init__(self, config: PoolConfig) -> None:
        self.config = config
        self.slots = [Slot(i) for i in range(config.processes)]
        self._host = socket.gethostname()
        self._stopping = False
        self._ever_ready = False
        self._context = zmq.Context.instance()
        self._exited = self._context.socket(zmq.DEALER)
        self._exited.setsockopt(zmq.LINGER, 1000)
        self._exited.connect(config.broker)

    def stop(self, *_: Any) -> None:
        self._stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        for slot in self.slots:
            self._spawn(slot)
        try:
            while not self._stopping:
                if not self._tick():
                    return 2
            return self._drain()
        finally:
            self._kill_all()
            self._exited.close()

    def _tick(self) -> bool:
        """One supervision round; False when the pool must give up."""
        self._read_status(0.1)
        now = time.monotonic()
        for slot in self.slots:
            if slot.proc is None:
                if now >= slot.restart_at and not self._stopping:
                    self._spawn(slot)
                continue
            slot.rss_mb = rss_mb(slot.proc.pid) or slot.rss_mb
            self._kill_overrun(slot, now)
            code = slot.proc.poll()
            if code is not None and not self._reap(slot, code, now):
                return False
        self._discard_replies()
        return True

    def _spawn(self, slot: Slot) -> None:
        read_fd, write_fd = os.pipe()
        os.set_blocking(read_fd, False)
        cfg = self.config
        settings = {
            "broker": cfg.broker, "handlers": cfg.handlers, "index": slot.index,
            "heartbeat_ms": cfg.heartbeat_ms, "prefetch": cfg.prefetch, "max_jobs": cfg.max_jobs,
            "max_rss_mb": cfg.max_rss_mb, "log_level": cfg.log_level,
            "handler_config": cfg.handler_config, "status_fd": write_fd, "parent_pid": os.getpid(),
        }
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        slot.proc = subprocess.Popen(
            [sys.executable, "-m", "ferry_worker.child", json.dumps(settings)],
            pass_fds=(write_fd,), env=env,
        )
        os.close(write_fd)
        slot.status_fd, slot.buffer, slot.started = read_fd, b"", time.monotonic()
        slot.deadline, slot.rss_mb, slot.killed_for = 0.0, None, ""
        log.info("started worker process %d (pid %d)", slot.index, slot.proc.pid)

    def _read_status(self, timeout: float) -> None:
        fds = {s.status_fd: s for s in self.slots if s.status_fd >= 0}
        readable = select.select(list(fds), [], [], timeout)[0] if fds else []
        if not fds:
            time.sleep(timeout)
        for fd in readable:
            slot = fds[fd]
            try:
                chunk = os.read(fd, 4096)
            except BlockingIOError:
                continue
            if not chunk:
                os.close(fd)
                slot.status_fd = -1
                continue
            slot.buffer += chunk
            *lines, slot.buffer = slot.buffer.split(b"\n")
            for line in lines:
                self._note(slot, line.decode())

    def _note(self, slot: Slot, line: str) -> None:
        if line == "R":
            self._ever_ready = True
        elif line.startswith("B "):
            slot.deadline = float(line[2:])
        elif line == "I":
            slot.deadline = 0.0

    def _kill_overrun(self, slot: Slot, now: float) -> None:
        """Fallback for a handler that holds the GIL past its timeout: the child cannot act."""
        if slot.proc is None or not slot.deadline or slot.killed_for:
            return
        if now > slot.deadline + self.config.overrun_kill_s:
            slot.killed_for = "killed by the supervisor: the handler overran its timeout"
            log.error("worker pid %d: %s", slot.proc.pid, slot.killed_for)
            slot.proc.kill()

    def _reap(self, slot: Slot, code: int, now: float) -> bool:
        assert slot.proc is not None
        pid, slot.proc = slot.proc.pid, None
        if slot.status_fd >= 0:
            os.close(slot.status_fd)
            slot.status_fd = -1
        if code == exits.EXIT_SETUP_FAILED and not self._ever_ready:
            log.error("worker process %d failed its setup at start; stopping the pool", pid)
            return False
        if code in exits.PLANNED_EXITS and not slot.killed_for:
            slot.failures, slot.restart_at = 0, now
            log.info("worker process %d left (exit %d); replacing it", pid, code)
            return True
        self._report_exit(slot, pid, code)
        slot.failures = 1 if now - slot.started > 30 else slot.failures + 1
        slot.restart_at = now + min(0.1 * 2 ** (slot.failures - 1), 10.0)
        return True

    def _report_exit(self, slot: Slot, pid: int, code: int) -> None:
        body: dict[str, Any] = {"worker": f"{self._host}:{pid}"}
        if code < 0:
            body["signal"] = -code
            cause = f"killed by signal {-code} ({_signal_name(-code)})"
        else:
            body["exit_code"] = code
            cause = f"exited with code {code}"
        if slot.rss_mb is not None:
            body["rss_mb"] = slot.rss_mb
            cause += f", last RSS {slot.rss_mb} MB"
        body["reason"] = f"{slot.killed_for}: {cause}" if slot.killed_for else cause
        log.error("worker process %d died: %s", pid, body["reason"])
        self._exited.send_multipart(encode(Command.EXITED, body))

    def _discard_replies(self) -> None:
        try:
            while True:
                self._exited.recv_multipart(flags=zmq.NOBLOCK)
        except zmq.Again:
            pass

    def _drain(self) -> int:
        log.info("draining: asking %d worker processes to finish their jobs", len(self.slots))
        for slot in self.slots:
            if slot.proc is not None:
                slot.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.config.drain_timeout_s
        while time.monotonic() < deadline and any(s.proc for s in self.slots):
            self._read_status(0.05)
            for slot in self.slots:
                if slot.proc is not None and slot.proc.poll() is not None:
                    slot.proc = None
        return 0

    def _kill_all(self) -> None:
        for slot in self.slots:
            if slot.proc is not None and slot.proc.poll() is None:
                slot.proc.kill()
                slot.proc.wait()
            if slot.status_fd >= 0:
                os.close(slot.status_fd)
                slot.status_fd = -1


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return "unknown"
