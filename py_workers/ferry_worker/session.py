"""A worker process's session with the broker: READY, jobs in, results out, liveness.

The session thread owns the socket. Jobs that have arrived wait in the Runner's queue by type
and are cut into handler batches of up to max_batch_size when the handler is free, so the handler
gets every job that has arrived even when the broker sends them one at a time. A slow handler
runs on the Runner's thread, so heartbeats keep flowing while a model computes for minutes; a
handler measured fast runs inline on the session thread (pace.py), with a watchdog that serves
the socket if an inline call runs long (handover.py). Results wait in `_outbox` until a connected
broker takes them, so results computed while the broker is away are sent after reconnect.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Optional

import zmq

from ferry_worker import exits
from ferry_worker.codec import Message, decode
from ferry_worker.errors import DecodeError
from ferry_worker.handler import Handler, announced_batching
from ferry_worker.handover import Handover
from ferry_worker.keys import ClientKeys
from ferry_worker.job import Job
from ferry_worker.link import BrokerLink, readable, recv_frames
from ferry_worker.pace import Credit, Pace
from ferry_worker.protocol import MAX_BATCH, Command, DecodeErrorName, ErrorCode
from ferry_worker.runner import Result, Runner, Timing, error_result
from ferry_worker.running import RunningBoard
from ferry_worker.version import VERSION, protocol_name

log = logging.getLogger("ferry_worker.session")


@dataclass(frozen=True)
class SessionConfig:
    """What one worker process needs to serve the broker."""

    broker: str  # endpoint, e.g. tcp://127.0.0.1:5556
    worker: str  # READY name, host:pid
    host: str
    pid: int
    heartbeat_ms: int = 1000  # the interval this worker keeps
    prefetch: int = 2  # initial and minimum credit = largest max_batch_size x prefetch
    max_credit: int = 256  # adaptive credit never exceeds this (0: credit stays at the minimum)
    inline: str = "auto"  # where handlers run: auto (measured), always, never (handler thread)
    max_jobs: int = 0  # recycle after this many jobs (0: never)
    max_rss_mb: int = 0  # recycle above this resident size (0: never)
    timeout_grace_ms: int = 250  # a handler past timeout_ms + grace is abandoned
    backoff_min_ms: int = 100
    backoff_max_ms: int = 5000
    linger_ms: int = 2000  # how long a leaving process waits to deliver its last messages
    keys: Optional[ClientKeys] = None  # CURVE keys (None: plain connection)


class Session:
    """Serves jobs until drained, recycled or abandoned; `run` returns the exit code."""

    def __init__(self, config: SessionConfig, handlers: list[Handler],
                 board: Optional[RunningBoard] = None) -> None:
        self.config = config
        self._handlers = {h.job_type: h for h in handlers}
        largest = max(h.max_batch_size for h in handlers)
        self._credit = Credit(largest * config.prefetch, largest, config.max_credit)
        self._pace = {h.job_type: Pace(config.inline) for h in handlers}
        self._held: dict[str, Job] = {}
        self._starved_at = 0.0  # when the worker ran out of work after sending results
        self._outbox: list[Result] = []
        self._announced = False
        self._welcomed = False  # this socket's broker accepted READY: it speaks our version
        self._dead_after = config.heartbeat_ms * 3 / 1000.0
        self._jobs_done = 0
        self._drain: Optional[tuple[str, int]] = None  # (reason, exit code) once leaving
        self._exit: Optional[int] = None
        self._board = board  # where the supervisor sees which jobs are inside the handler
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._context = zmq.Context.instance()
        self._link = BrokerLink(self._context, config.broker, config.backoff_min_ms,
                                config.backoff_max_ms, config.keys)
        self._poll: Optional[zmq.Poller] = None
        self._polled: Optional[zmq.Socket] = None
        self._runner = Runner(self._handlers, config.worker, self._wake, self._entered,
                              self._left)
        self._handover = Handover(lambda: self._step(start_work=False), lambda: self._exit,
                                  self._wake)
        for job_type, pace in self._pace.items():
            self._runner.set_inline(job_type, pace.inline)

    def request_drain(self, reason: str, code: int = exits.EXIT_DRAINED) -> None:
        """Answer what is held, take nothing more, then leave (safe from a signal handler)."""
        if self._drain is None:
            self._drain = (reason, code)

    def run(self) -> int:
        self._runner.start()
        self._handover.start()
        self._link.open()
        with self._handover.loop_lock:
            while self._exit is None:
                self._step()
        return self._exit

    def _step(self, start_work: bool = True) -> None:
        """One pass: receive what arrived, run inline work, answer, keep the link.

        The watchdog's passes (during a long inline call) never start work: the call that just
        returned is the session thread's to follow, and only that thread runs handlers inline.
        """
        if self._runner.inline_ready():
            timeout = 0
        else:
            timeout = self._poll_ms()
            self._handover.idle()
        events = dict(self._poller().poll(timeout))
        if self._link.socket is not None and self._link.socket in events:
            self._receive_all()
        if self._wake_r in events:
            self._drain_wake()
        self._collect()
        if start_work:
            self._start_work()
        self._check_running()
        self._maintain_link()
        self._flush()
        self._maybe_leave()

    def _poller(self) -> zmq.Poller:
        """The poller for the current socket, rebuilt only when the socket changes."""
        if self._polled is not self._link.socket or self._poll is None:
            self._poll = zmq.Poller()
            self._poll.register(self._wake_r, zmq.POLLIN)
            if self._link.socket is not None:
                self._poll.register(self._link.socket, zmq.POLLIN)
            self._polled = self._link.socket
        return self._poll

    def _poll_ms(self) -> int:
        """Short until READY is out (the new socket connects in about a millisecond)."""
        if not self._announced and self._link.socket is not None:
            return 2
        return max(5, min(self.config.heartbeat_ms // 2, 100))

    # ---- receiving ------------------------------------------------------------------------

    def _receive_all(self) -> None:
        sock = self._link.socket
        while sock is not None and self._link.socket is sock and readable(sock):
            frames = recv_frames(sock)
            self._link.last_recv = time.monotonic()
            try:
                message = decode(frames)
            except DecodeError as exc:
                self._undecodable(frames, exc)
                continue
            self._dispatch(message)

    def _undecodable(self, frames: list[bytes], exc: DecodeError) -> None:
        """A broker that has not welcomed us and writes another protocol version speaks it.

        Why only before WELCOME: a broker that accepted our READY speaks our version, so a
        later message in another one is noise, dropped like any malformed message.
        """
        if exc.name is DecodeErrorName.VERSION_MISMATCH and not self._welcomed:
            theirs = protocol_name(frames[0][5])
            self._wrong_version(f"the broker at {self.config.broker} speaks {theirs}")
        else:
            log.warning("dropped a malformed message from the broker: %s", exc)

    def _dispatch(self, message: Message) -> None:
        command, body = message.command, message.body
        if command is Command.JOBS:
            if self._starved_at:
                self._credit.add_gap(self._link.last_recv - self._starved_at)
                self._starved_at = 0.0
            self._accept_jobs([Job.from_wire(record) for record in body["jobs"]])
        elif command is Command.WELCOME:
            self._dead_after = body["heartbeat_ms"] * max(1, body["liveness"]) / 1000.0
            self._welcomed = True
            self._link.welcomed()
            log.info("registered with broker %s as %s", body["broker"], self.config.worker)
        elif command is Command.CANCEL:
            self._cancel(set(body["ids"]), body["code"])
        elif command is Command.DISCONNECT:
            self._reconnect(f"broker asked us to reconnect ({body.get('reason', 'no reason')})")
        elif command is Command.ERROR and body["code"] == ErrorCode.VERSION_MISMATCH.value:
            self._wrong_version(f"the broker at {self.config.broker} refused us: {body['message']}")
        elif command is Command.ERROR and body["code"] == ErrorCode.FORBIDDEN.value:
            self._leave_for_good(f"the broker at {self.config.broker} refused this worker's key: "
                                 f"{body['message']}; not retrying", exits.EXIT_FORBIDDEN)
        elif command is Command.ERROR:
            log.error("broker reported %s: %s", body["code"], body["message"])
        elif command is not Command.HEARTBEAT:
            log.warning("ignored %s: not a broker-to-worker command", command.name)

    def _accept_jobs(self, jobs: list[Job]) -> None:
        if self._drain is not None:
            log.info("leaving: %d new jobs left for the broker to re-queue", len(jobs))
            return
        held = self._held
        fresh = [job for job in jobs if job.key not in held]
        for job in fresh:
            held[job.key] = job
        self._runner.add(fresh)

    # ---- running handlers -----------------------------------------------------------------

    def _start_work(self) -> None:
        """Runs every queued batch of inline handlers here (the thread takes its own batches)."""
        while self._exit is None and (batch := self._runner.take_inline()) is not None:
            seconds = self._handover.run_inline(lambda: self._runner.run_here(batch))
            self._measured_one(batch[0].type, len(batch), seconds)
        self._collect()

    def _measured(self, timings: list[Timing]) -> None:
        for job_type, jobs, seconds in timings:
            self._measured_one(job_type, jobs, seconds)

    def _measured_one(self, job_type: str, jobs: int, seconds: float) -> None:
        """Feeds one handler call's time to the credit and to its handler's pace."""
        self._credit.add_call(seconds, jobs)
        pace = self._pace.get(job_type)
        switched = pace.record(seconds) if pace is not None else None
        if switched is not None:
            self._runner.set_inline(job_type, switched == "inline")
            log.info("handler %r now runs %s (average call %.3f ms, last %.3f ms)", job_type,
                     "inline on the socket thread" if switched == "inline"
                     else "on the handler thread", pace.call_s * 1000, seconds * 1000)

    def _cancel(self, ids: set[str], code: str) -> None:
        for job in self._runner.take_queued(ids):
            self._answer(error_result(job.key, code, f"cancelled by the broker ({code})",
                                      self.config.worker))
        inside, _ = self._runner.running()
        if inside and any(job.key in ids for job in inside):
            self._abandon(inside, ids, code, "the broker cancelled a running job")

    # ---- results --------------------------------------------------------------------------

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except BlockingIOError:
            pass  # the pipe is full, so the session is already awake

    def _entered(self, jobs: list[Job]) -> None:
        """On the handler thread, before the handler gets `jobs`: tell the supervisor."""
        if self._board is not None:
            limits = [job.timeout_ms for job in jobs if job.timeout_ms]
            deadline = time.monotonic() + min(limits) / 1000.0 if limits else 0.0
            self._board.enter([job.key for job in jobs], deadline)

    def _left(self) -> None:
        if self._board is not None:
            self._board.leave()

    def _drain_wake(self) -> None:
        try:
            while os.read(self._wake_r, 4096):
                pass
        except BlockingIOError:
            pass

    def _collect(self) -> None:
        done, timings = self._runner.take_done()
        if timings:
            self._measured(timings)
        if not done:
            return
        for result in done:
            self._answer(result)
        self._jobs_done += len(done)
        self._check_recycle()

    def _answer(self, result: Result) -> None:
        self._held.pop(result["id"], None)
        self._outbox.append(result)

    def _check_recycle(self) -> None:
        cfg = self.config
        if cfg.max_jobs and self._jobs_done >= cfg.max_jobs:
            self.request_drain(f"recycling after {self._jobs_done} jobs", exits.EXIT_RECYCLE)
        elif cfg.max_rss_mb:
            rss = rss_mb(os.getpid())
            if rss is not None and rss > cfg.max_rss_mb:
                self.request_drain(f"recycling at {rss} MB RSS (limit {cfg.max_rss_mb})",
                                   exits.EXIT_RECYCLE)

    def _flush(self) -> None:
        """Sends the outbox, one RESULTS per MAX_BATCH results; a credit raise rides along."""
        sent = False
        while self._exit is None and self._outbox and self._announced:
            chunk = self._outbox[:MAX_BATCH]
            body: dict[str, Any] = {"results": chunk}
            grown = 0
            if self._drain is not None:
                body["credit"] = 0
            elif (grown := self._credit.raise_by()) > 0:
                body["credit"] = len(chunk) + grown
            if not self._link.send(Command.RESULTS, body):
                self._credit.target -= grown
                return
            del self._outbox[:len(chunk)]
            sent = True
        if sent and not self._held:
            self._starved_at = time.monotonic()  # the gap to the next JOBS is a round trip

    # ---- timeouts, leaving ----------------------------------------------------------------

    def _check_running(self) -> None:
        inside, entered = self._runner.running()
        if not inside:
            return
        limits = [job.timeout_ms for job in inside if job.timeout_ms]
        if not limits:
            return
        elapsed_ms = (time.monotonic() - entered) * 1000.0
        if elapsed_ms > min(limits) + self.config.timeout_grace_ms:
            late = {job.key for job in inside if job.timeout_ms and elapsed_ms > job.timeout_ms}
            self._abandon(inside, late, ErrorCode.TIMEOUT.value,
                          f"handler still running after {elapsed_ms:.0f} ms")

    def _abandon(self, inside: list[Job], ids: set[str], code: str, why: str) -> None:
        """Answers the jobs inside the handler, then leaves: the thread cannot be stopped.

        Jobs in `ids` get `code`; the others inside the handler get WORKER_LOST (they are
        charged and become suspects). Jobs that never went in are not answered: the DISCONNECT
        that follows the results on this socket gives them back uncounted.
        """
        log.error("%s; answering the %d jobs inside the handler and exiting so the supervisor "
                  "restarts us", why, len(inside))
        self._collect()
        worker = self.config.worker
        for job in inside:
            if job.key in ids:
                self._answer(error_result(job.key, code, why, worker))
            else:
                self._answer(error_result(job.key, ErrorCode.WORKER_LOST.value,
                                          f"was inside the handler when it was abandoned: {why}",
                                          worker))
        self._runner.take_queued()
        given_back = len(self._held)
        self._held.clear()
        if given_back:
            log.info("%d jobs that never started go back to the broker uncounted", given_back)
        self._drain = (why, exits.EXIT_ABANDONED)
        self._flush()
        self._leave(why, exits.EXIT_ABANDONED)

    def _wrong_version(self, why: str) -> None:
        """Leaves for good: retrying cannot help until one side is upgraded."""
        self._leave_for_good(
            f"{why}; this worker (ferry_worker {VERSION}) speaks {protocol_name()}. Run the worker "
            "and the broker from the same Ferry release (`python3 -m ferry_worker --version` and "
            "`ferry --version` print both); not retrying", exits.EXIT_VERSION_MISMATCH)

    def _leave_for_good(self, why: str, code: int) -> None:
        log.error("%s", why)
        self._runner.stop()
        self._link.drop()
        self._context.destroy(linger=0)
        self._exit = code

    def _maybe_leave(self) -> None:
        if self._drain is None or self._exit is not None or self._outbox:
            return
        if self._runner.idle():
            self._leave(*self._drain)

    def _leave(self, reason: str, code: int) -> None:
        self._runner.stop()
        self._link.goodbye(reason, self.config.linger_ms)
        self._context.destroy(linger=self.config.linger_ms)  # waits for delivery, bounded
        log.info("left the broker: %s", reason)
        self._exit = code

    # ---- liveness -------------------------------------------------------------------------

    def _maintain_link(self) -> None:
        now = time.monotonic()
        link = self._link
        if self._exit is not None:
            return
        if link.socket is None:
            if now >= link.retry_at:
                link.open()
                self._announced = self._welcomed = False
            return
        if not self._announced:
            refusal = link.refused()
            if refusal is not None:
                self._leave_for_good(refusal, exits.EXIT_FORBIDDEN)
                return
            self._announced = link.send(Command.READY, self._ready_body())
            if self._announced:
                link.last_recv = now  # the broker's silence counts from READY, not connect
        elif now - link.last_sent >= self.config.heartbeat_ms / 1000.0:
            link.send(Command.HEARTBEAT, {})
        if now - link.last_recv > self._dead_after:
            self._reconnect(f"silent for {self._dead_after * 1000:.0f} ms")

    def _reconnect(self, reason: str) -> None:
        self._link.close(reason)
        self._announced = self._welcomed = False

    def _ready_body(self) -> dict[str, Any]:
        cfg = self.config
        types = [announced_batching(h) for h in self._handlers.values()]
        credit = 0 if self._drain else max(0, self._credit.target - len(self._held))
        return {"worker": cfg.worker, "host": cfg.host, "pid": cfg.pid, "types": types,
                "credit": credit, "heartbeat_ms": cfg.heartbeat_ms}


def rss_mb(pid: int) -> Optional[int]:
    """Resident set size of `pid` in MiB, or None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") // (1024 * 1024)
