"""The pool supervisor: N worker processes, replaced when they die, never orphaned.

Processes are forked from a template that imported the handlers (fork, the default) or are
fresh interpreters (spawn); see launch.py. When one dies unexpectedly the supervisor tells the
broker why (EXITED: exit code or signal, last RSS) and which jobs were inside its handler, read
from the memory it shares with the process (running.py): only those are charged an attempt. A
process that dies on a job is replaced at once; one that dies before it is set up backs off.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import socket
import time
from dataclasses import dataclass, field
from typing import Any, Optional

import zmq

from ferry_worker import exits
from ferry_worker.codec import encode
from ferry_worker.keys import ClientKeys, client_keys
from ferry_worker.launch import LaunchError, Launcher, Process, SpawnLauncher, make_launcher
from ferry_worker.protocol import Command
from ferry_worker.running import RunningBoard
from ferry_worker.session import rss_mb

log = logging.getLogger("ferry_worker.pool")
RSS_EVERY_S = 1.0  # how often each process's resident size is read
CRASH_LOOP_S = 1.0  # a set-up process dying idle within this is a crash loop: back off


@dataclass(frozen=True)
class PoolConfig:
    """Everything the supervisor and its worker processes need."""

    broker: str
    handlers: str
    processes: int = 1
    heartbeat_ms: int = 1000
    prefetch: int = 2
    max_credit: int = 256  # adaptive credit's ceiling (0: fixed at the prefetch figure)
    inline: str = "auto"  # where handlers run: auto, always, never
    max_jobs: int = 0
    max_rss_mb: int = 0
    log_level: str = "INFO"
    handler_config: dict[str, Any] = field(default_factory=dict)
    drain_timeout_s: float = 30.0  # after SIGTERM, how long children may take to drain
    overrun_kill_s: float = 2.0  # kill a child this long after its handler's deadline
    start_method: str = "fork"  # fork from a warm template, or spawn fresh interpreters
    key_file: str = ""  # CURVE: this host's secret key file ("" : plain connection)
    server_key: str = ""  # CURVE: the broker's public key (Z85)

    def keys(self) -> Optional[ClientKeys]:
        """The CURVE keys, read from key_file (each process reads its own copy)."""
        return client_keys(self.key_file, self.server_key) if self.key_file else None


@dataclass
class Slot:
    """One place in the pool and the process currently filling it."""

    index: int
    proc: Optional[Process] = None
    status_fd: int = -1  # read end of its status pipe ("R" once set up)
    exit_fd: int = -1  # its pidfd: readable once it has exited (-1: none, poll on the tick)
    board: Optional[RunningBoard] = None  # which jobs are inside its handler
    buffer: bytes = b""
    started: float = 0.0
    ready: bool = False  # it finished setup
    restart_at: float = 0.0
    failures: int = 0  # deaths before setup in a row (the backoff exponent)
    rss_mb: Optional[int] = None
    rss_at: float = 0.0  # when its RSS is read next
    killed_for: str = ""


class Pool:
    """Runs the pool until SIGTERM/SIGINT (exit 0), or a setup failure at start or a broker
    speaking another protocol version (exit 2)."""

    def __init__(self, config: PoolConfig) -> None:
        self.config = config
        self.slots = [Slot(i) for i in range(config.processes)]
        self._host = socket.gethostname()
        self._stopping = False
        self._ever_ready = False
        self._launcher: Launcher = SpawnLauncher()
        self._strays_at = 0.0  # when adopted orphans are looked for next
        self._context = zmq.Context.instance()
        self._exited = self._context.socket(zmq.DEALER)
        self._exited.setsockopt(zmq.LINGER, 1000)
        keys = config.keys()
        if keys is not None:
            keys.apply(self._exited)
        self._exited.connect(config.broker)

    def stop(self, *_: Any) -> None:
        self._stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        cfg = self.config
        self._launcher = make_launcher(cfg.start_method, cfg.handlers, cfg.log_level)
        log.info("starting %d worker processes (%s)", cfg.processes, self._launcher.method)
        for slot in self.slots:
            self._spawn(slot)
        try:
            while not self._stopping:
                if not self._tick():
                    return 2
            return self._drain()
        finally:
            self._kill_all()
            self._launcher.close()
            self._exited.close()

    def _tick(self) -> bool:
        """One supervision round; False when the pool must give up."""
        self._wait_events(0.1)
        now = time.monotonic()
        for slot in self.slots:
            if slot.proc is None:
                if now >= slot.restart_at and not self._stopping:
                    self._spawn(slot)
                continue
            self._sample_rss(slot, now)
            self._kill_overrun(slot, now)
            code = slot.proc.poll()
            if code is not None and not self._reap(slot, code, now):
                return False
        if now >= self._strays_at:
            self._launcher.reap_strays({s.proc.pid for s in self.slots if s.proc is not None})
            self._strays_at = now + RSS_EVERY_S
        self._discard_replies()
        return True

    # ---- starting ---------------------------------------------------------------------------

    def _spawn(self, slot: Slot) -> None:
        read_fd, write_fd = os.pipe()
        os.set_blocking(read_fd, False)
        board, board_fd = RunningBoard.create()
        try:
            slot.proc = self._start(slot, (write_fd, board_fd))
        finally:
            os.close(write_fd)
            os.close(board_fd)
        slot.status_fd, slot.board, slot.buffer = read_fd, board, b""
        slot.exit_fd = _pidfd(slot.proc.pid)
        slot.started, slot.ready, slot.rss_mb, slot.killed_for = time.monotonic(), False, None, ""
        slot.rss_at = slot.started + RSS_EVERY_S
        log.info("started worker process %d (pid %d)", slot.index, slot.proc.pid)

    def _start(self, slot: Slot, fds: tuple[int, int]) -> Process:
        cfg = self.config
        settings = {
            "broker": cfg.broker, "handlers": cfg.handlers, "index": slot.index,
            "heartbeat_ms": cfg.heartbeat_ms, "prefetch": cfg.prefetch, "max_jobs": cfg.max_jobs,
            "max_credit": cfg.max_credit, "inline": cfg.inline,
            "max_rss_mb": cfg.max_rss_mb, "log_level": cfg.log_level,
            "handler_config": cfg.handler_config, "parent_pid": os.getpid(),
            "key_file": cfg.key_file, "server_key": cfg.server_key,
        }
        try:
            return self._launcher.start(settings, fds)
        except LaunchError as exc:
            log.error("%s; starting worker processes with spawn from now on", exc)
            self._launcher.close()
            self._launcher = SpawnLauncher()
            return self._launcher.start(settings, fds)

    # ---- watching ---------------------------------------------------------------------------

    def _wait_events(self, timeout: float) -> None:
        """Sleeps until a status line, a process exit, or `timeout`; reads the status lines."""
        watched = [fd for s in self.slots for fd in (s.status_fd, s.exit_fd) if fd >= 0]
        if not watched:
            time.sleep(timeout)
            return
        readable = select.select(watched, [], [], timeout)[0]
        for slot in self.slots:
            if slot.status_fd in readable:
                self._read_status(slot)

    def _read_status(self, slot: Slot) -> None:
        try:
            chunk = os.read(slot.status_fd, 4096)
        except BlockingIOError:
            return
        if not chunk:
            os.close(slot.status_fd)
            slot.status_fd = -1
            return
        slot.buffer += chunk
        *lines, slot.buffer = slot.buffer.split(b"\n")
        if b"R" in lines:
            self._ever_ready, slot.ready, slot.failures = True, True, 0
            slot.rss_at = 0.0  # read it now: a process may die before the first second

    def _sample_rss(self, slot: Slot, now: float) -> None:
        if slot.proc is not None and now >= slot.rss_at:
            slot.rss_mb = rss_mb(slot.proc.pid) or slot.rss_mb
            slot.rss_at = now + RSS_EVERY_S

    def _kill_overrun(self, slot: Slot, now: float) -> None:
        """Fallback for a handler that holds the GIL past its timeout: the child cannot act."""
        if slot.proc is None or slot.board is None or slot.killed_for:
            return
        deadline = slot.board.deadline()
        if deadline and now > deadline + self.config.overrun_kill_s:
            slot.killed_for = "killed by the supervisor: the handler overran its timeout"
            log.error("worker pid %d: %s", slot.proc.pid, slot.killed_for)
            slot.proc.kill()

    # ---- a process ended --------------------------------------------------------------------

    def _reap(self, slot: Slot, code: int, now: float) -> bool:
        assert slot.proc is not None
        pid, lived = slot.proc.pid, now - slot.started
        running = slot.board.running_after_death() if slot.board is not None else None
        self._release(slot)
        if code == exits.EXIT_VERSION_MISMATCH:
            log.error("worker process %d: the broker speaks another protocol version (the line "
                      "above says which); stopping the pool", pid)
            return False
        if code == exits.EXIT_FORBIDDEN:
            log.error("worker process %d: the broker refused this host's key (the line above "
                      "says why); stopping the pool", pid)
            return False
        if code == exits.EXIT_SETUP_FAILED and not self._ever_ready:
            log.error("worker process %d failed its setup at start; stopping the pool", pid)
            return False
        if code in exits.PLANNED_EXITS and not slot.killed_for:
            log.info("worker process %d left (exit %d); replacing it", pid, code)
            self._spawn(slot)
            return True
        self._report_exit(slot, pid, code, running)
        if slot.ready and (running != [] or lived >= CRASH_LOOP_S):
            log.info("worker process %d died after its setup; replacing it at once", pid)
            self._spawn(slot)
            return True
        slot.failures += 1
        delay = min(0.1 * 2 ** (slot.failures - 1), 10.0)
        slot.restart_at = now + delay
        log.warning("worker process %d died %s (%d in a row); restarting in %.0f ms", pid,
                    "during its setup" if not slot.ready else "idle right after its setup",
                    slot.failures, delay * 1000)
        return True

    def _release(self, slot: Slot) -> None:
        slot.proc = None
        for fd in (slot.status_fd, slot.exit_fd):
            if fd >= 0:
                os.close(fd)
        slot.status_fd = slot.exit_fd = -1
        if slot.board is not None:
            slot.board.close()
            slot.board = None

    def _report_exit(self, slot: Slot, pid: int, code: int, running: Optional[list[str]]) -> None:
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
        body["running"] = running  # None (omitted): the keys did not fit, every job counts
        log.error("worker process %d died: %s; %s jobs were inside its handler", pid,
                  body["reason"], "unknown" if running is None else len(running))
        self._exited.send_multipart(encode(Command.EXITED, body))

    def _discard_replies(self) -> None:
        try:
            while True:
                self._exited.recv_multipart(flags=zmq.NOBLOCK)
        except zmq.Again:
            pass

    # ---- stopping ---------------------------------------------------------------------------

    def _drain(self) -> int:
        log.info("draining: asking %d worker processes to finish their jobs", len(self.slots))
        for slot in self.slots:
            if slot.proc is not None:
                slot.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.config.drain_timeout_s
        while time.monotonic() < deadline and any(s.proc for s in self.slots):
            self._wait_events(0.05)
            for slot in self.slots:
                if slot.proc is not None and slot.proc.poll() is not None:
                    self._release(slot)
        return 0

    def _kill_all(self) -> None:
        for slot in self.slots:
            if slot.proc is not None and slot.proc.poll() is None:
                slot.proc.kill()
                slot.proc.wait()
            self._release(slot)


def _pidfd(pid: int) -> int:
    """A pidfd of `pid` (readable once it exits), or -1 where the kernel has none."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return -1


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return "unknown"
