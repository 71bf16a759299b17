"""Keeps the session loop going while a handler runs inline on the socket thread.

The session loop runs under `loop_lock`. A handler called inline releases it for the length
of the call. A watchdog thread, awake only while inline calls happen, looks every TAKEOVER_S:
a call older than that makes it take the lock and run the session's steps itself (heartbeats,
receiving, cancel, timeouts) until the call returns. The socket is only ever used by the thread
holding the lock, so one thread at a time touches it, with the lock as the barrier between.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import Callable, Optional, TypeVar

log = logging.getLogger("ferry_worker.handover")
T = TypeVar("T")
TAKEOVER_S = 0.01  # an inline call older than this gets the watchdog serving the socket


def exit_process(code: int) -> None:
    """Ends the process from the watchdog: the inline call on the main thread cannot be stopped."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class Handover:
    """The baton between the socket thread (during inline calls) and the watchdog."""

    def __init__(self, step: Callable[[], None], exited: Callable[[], Optional[int]],
                 wake: Callable[[], None], on_exit: Callable[[int], None] = exit_process) -> None:
        self.loop_lock = threading.Lock()  # held by whichever thread runs the session loop
        self._step = step  # one pass of the session loop
        self._exited = exited  # the session's exit code once it left, else None
        self._wake = wake  # interrupts the session's poll
        self._on_exit = on_exit
        self._state = threading.Lock()  # guards the four fields below
        self._calls = 0  # inline calls started so far
        self._inside = False  # an inline call is running
        self._since = 0.0  # when it started (monotonic)
        self._steering = False  # the watchdog runs the loop for the current call
        self._active = threading.Event()  # set while inline calls happen: the watchdog looks
        self._thread = threading.Thread(target=self._watch, name="ferry-watchdog", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def run_inline(self, call: Callable[[], T]) -> T:
        """Runs `call` on this thread with the loop lock released (the caller holds it)."""
        if not self._active.is_set():
            self._active.set()
        with self._state:
            self._calls += 1
            self._inside, self._since = True, time.monotonic()
        self.loop_lock.release()
        try:
            return call()
        finally:
            with self._state:
                self._inside = False
                steering = self._steering
            if steering:
                self._wake()  # the watchdog is in poll: let it hand the loop back now
            self.loop_lock.acquire()

    def idle(self) -> None:
        """No inline work for now: the watchdog sleeps until the next inline call."""
        if self._active.is_set():
            self._active.clear()

    def _watch(self) -> None:
        while True:
            self._active.wait()
            time.sleep(TAKEOVER_S)
            with self._state:
                if not self._inside or time.monotonic() - self._since < TAKEOVER_S:
                    continue
                call, self._steering = self._calls, True
            self._steer(call)

    def _steer(self, call: int) -> None:
        """Runs the session loop until inline call number `call` returns."""
        with self.loop_lock:
            log.debug("an inline handler call passed %.0f ms: the watchdog serves the socket",
                      TAKEOVER_S * 1000)
            while True:
                with self._state:
                    if not self._inside or self._calls != call:
                        self._steering = False
                        return
                self._step()
                code = self._exited()
                if code is not None:
                    self._on_exit(code)
                    return
