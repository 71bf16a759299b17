"""The fork template: imports the handler module once, then forks worker processes on request.

Started by the pool (launch.ForkLauncher) as `python -m ferry_worker.forkserver '<json>'`. A
worker forked from here skips the interpreter start and the imports: it runs setup() and opens
its own ZeroMQ context, so a restart costs milliseconds. What the template must never do is
what does not survive fork: it creates no ZeroMQ context and starts no thread (it reports how
many threads the import left, and the pool uses spawn instead when there is more than one).

Each request is one SOCK_SEQPACKET message: the worker's settings as JSON, with its status pipe
and running board fds attached. The template forks a middle process, which forks the worker and
exits at once, so the worker is adopted by the supervisor (a child subreaper) and the supervisor
waits for it like any child of its own. The reply is {"pid": N} or {"error": "..."}.
"""

from __future__ import annotations

import ctypes
import gc
import json
import logging
import os
import signal
import socket
import sys
import time
from typing import Any, NoReturn

from ferry_worker import child, exits
from ferry_worker.handler import Handler, find_handlers, load_module

log = logging.getLogger("ferry_worker.forkserver")
_PR_SET_NAME = 15
TEMPLATE_NAME = b"ferry-template"  # /proc/<pid>/comm of the template (workers: ferry-worker)


def main(argv: list[str]) -> NoReturn:
    config = json.loads(argv[1])
    sock = socket.socket(fileno=config["fd"])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C drains the workers; we wait for EOF
    child.killed_with_parent()  # no watchdog thread here: the template must stay thread-free
    _name_process(TEMPLATE_NAME)
    logging.basicConfig(level=config.get("log_level", "INFO"),
                        format="%(asctime)s %(levelname)s [fork template] %(name)s: %(message)s")
    try:
        handlers = find_handlers(load_module(config["handlers"]))
    except BaseException as exc:  # noqa: BLE001 - reported to the pool, which falls back
        _send(sock, {"ok": False, "error": f"{type(exc).__name__}: {exc}"})
        os._exit(1)
    gc.freeze()  # what the import made is shared with every worker: keep the collector off it
    _send(sock, {"ok": True, "threads": len(os.listdir("/proc/self/task"))})
    serve(sock, handlers)
    os._exit(0)


def serve(sock: socket.socket, handlers: list[Handler]) -> None:
    """Forks one worker per request until the pool closes its end of the socket."""
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(sock, 1 << 20, 2)
        except OSError:
            return
        if not message:
            return
        settings = dict(json.loads(message), status_fd=fds[0], board_fd=fds[1])
        middle = os.fork()
        if middle == 0:
            _fork_worker(sock, settings, handlers)
        os.waitpid(middle, 0)
        for fd in fds:
            os.close(fd)


def _fork_worker(sock: socket.socket, settings: dict[str, Any], handlers: list[Handler]) -> NoReturn:
    """In the middle process: fork the worker, report its pid, and leave it to the supervisor."""
    try:
        pid = os.fork()
    except OSError as exc:
        _send(sock, {"error": f"fork failed: {exc}"})
        os._exit(1)
    if pid == 0:
        _become_worker(sock, settings, handlers)
    _send(sock, {"pid": pid})
    os._exit(0)


def _become_worker(sock: socket.socket, settings: dict[str, Any], handlers: list[Handler]) -> NoReturn:
    sock.close()
    _name_process(b"ferry-worker")  # a fork keeps the template's command line: tell them apart
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    supervisor = settings["parent_pid"]
    adopted_by = time.monotonic() + 5.0
    while os.getppid() != supervisor:  # the middle process is exiting; then we are adopted
        if time.monotonic() > adopted_by:
            os._exit(exits.EXIT_ORPHANED)
        time.sleep(0.0002)
    child.start(settings, handlers)


def _name_process(name: bytes) -> None:
    """Sets /proc/<pid>/comm, what ps and top show as the process name."""
    ctypes.CDLL(None).prctl(_PR_SET_NAME, ctypes.c_char_p(name), 0, 0, 0)


def _send(sock: socket.socket, body: dict[str, Any]) -> None:
    sock.send(json.dumps(body).encode())


if __name__ == "__main__":
    main(sys.argv)
