"""Entry point of one worker process: die with the supervisor, load the model once, serve.

Started by the pool as `python -m ferry_worker.child '<json settings>'` (spawn), or forked from
the pool's template process, which has imported the handlers already (fork: `start`).
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from typing import Any, NoReturn, Optional

from ferry_worker import exits
from ferry_worker.handler import Handler, find_handlers, load_module
from ferry_worker.keys import client_keys
from ferry_worker.running import RunningBoard
from ferry_worker.session import Session, SessionConfig

log = logging.getLogger("ferry_worker.child")
_PR_SET_PDEATHSIG = 1


def killed_with_parent() -> bool:
    """Asks the kernel to SIGKILL this process when its parent dies (prctl); False if it cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def die_with_parent(parent_pid: int) -> None:
    """SIGKILL us when the supervisor dies (prctl), with a ppid watchdog as a fallback."""
    if not killed_with_parent():
        log.warning("prctl(PR_SET_PDEATHSIG) unavailable; relying on the parent watchdog")
    if os.getppid() != parent_pid:
        os._exit(exits.EXIT_ORPHANED)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(exits.EXIT_ORPHANED)

    threading.Thread(target=watch, name="ferry-parent-watchdog", daemon=True).start()


def tell_ready(fd: Optional[int]) -> None:
    """Writes "R" on the status pipe: set up, about to announce itself to the broker."""
    if fd is None:
        return
    try:
        os.write(fd, b"R\n")
    except OSError:
        pass  # the supervisor is gone; the watchdog will end us


def load_and_setup(spec: str, config: dict[str, Any],
                   handlers: Optional[list[Handler]] = None) -> list[Handler]:
    """Imports the handler module (unless the template did) and runs every setup(config) once."""
    if handlers is None:
        handlers = find_handlers(load_module(spec))
    for item in handlers:
        item.setup(config)
    return handlers


def serve(settings: dict[str, Any], preloaded: Optional[list[Handler]] = None) -> int:
    pid, host = os.getpid(), socket.gethostname()
    worker = f"{host}:{pid}"
    handler_config = dict(settings.get("handler_config") or {}, worker=worker,
                          process_index=settings.get("index", 0))
    try:
        handlers = load_and_setup(settings["handlers"], handler_config, preloaded)
    except BaseException:  # noqa: BLE001 - any setup failure ends this process, logged
        log.exception("handler setup failed in %s (--handlers %s); this process exits before "
                      "announcing itself: fix the error above", worker, settings["handlers"])
        return exits.EXIT_SETUP_FAILED
    board = RunningBoard.attach(settings["board_fd"]) if "board_fd" in settings else None
    tell_ready(settings.get("status_fd"))
    config = SessionConfig(
        broker=settings["broker"], worker=worker, host=host, pid=pid,
        heartbeat_ms=settings.get("heartbeat_ms", 1000), prefetch=settings.get("prefetch", 2),
        max_credit=settings.get("max_credit", 256), inline=settings.get("inline", "auto"),
        max_jobs=settings.get("max_jobs", 0), max_rss_mb=settings.get("max_rss_mb", 0),
        keys=client_keys(settings["key_file"], settings["server_key"])
        if settings.get("key_file") else None,
    )
    session = Session(config, handlers, board)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda n, f: session.request_drain(f"signal {n}: draining"))
    code = session.run()
    if code != exits.EXIT_ABANDONED:
        _teardown(handlers)
    return code


def _teardown(handlers: list[Handler]) -> None:
    for item in handlers:
        try:
            item.teardown()
        except Exception:  # noqa: BLE001
            log.exception("teardown of the %r handler failed", item.job_type)


def main(argv: list[str]) -> NoReturn:
    start(json.loads(argv[1]))


def start(settings: dict[str, Any], preloaded: Optional[list[Handler]] = None) -> NoReturn:
    """Runs this process as a worker until it leaves; never returns."""
    die_with_parent(settings["parent_pid"])
    logging.basicConfig(
        level=settings.get("log_level", "INFO"), force=True,
        format=f"%(asctime)s %(levelname)s [worker {os.getpid()}] %(name)s: %(message)s",
    )
    code = serve(settings, preloaded)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # the handler thread may be stuck in native code: do not join it


if __name__ == "__main__":
    main(sys.argv)
