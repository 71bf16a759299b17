"""How the supervisor starts worker processes: a fresh interpreter each (spawn), or a fork of a
template process that has imported the handler module already (fork; see forkserver.py).

Either way the worker process is the supervisor's own child, so the supervisor waits for it and
learns its exit code or signal: a forked worker is adopted (the supervisor is a child
subreaper, and the template forks each worker through a short-lived middle process).
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any, Optional, Protocol, Union

log = logging.getLogger("ferry_worker.launch")
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PR_SET_CHILD_SUBREAPER = 36
START_METHODS = ("fork", "spawn")


class LaunchError(Exception):
    """The fork template cannot start workers; the message says why."""


class ForkedProcess:
    """A forked worker the supervisor adopted: the part of Popen the pool uses."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: Optional[int] = None

    def poll(self) -> Optional[int]:
        """The exit code (negative: killed by that signal) once it exited, else None."""
        if self.returncode is not None:
            return self.returncode
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            return self._not_adopted_yet()
        if pid == self.pid:
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def _not_adopted_yet(self) -> Optional[int]:
        """Still the middle process's child for a moment; or gone without us (never expected)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            log.warning("worker process %d ended out of our sight; its exit status is unknown",
                        self.pid)
            self.returncode = 1
        return self.returncode

    def wait(self, timeout: Optional[float] = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0.0)
            time.sleep(0.005)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


Process = Union["subprocess.Popen[bytes]", ForkedProcess]


class Launcher(Protocol):
    """Starts one worker process with its status pipe and running board fds."""

    method: str

    def start(self, settings: dict[str, Any], fds: tuple[int, int]) -> Process: ...

    def reap_strays(self, known: set[int]) -> None: ...

    def close(self) -> None: ...


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    return env


class SpawnLauncher:
    """A fresh interpreter per worker process: imports everything itself; nothing is shared."""

    method = "spawn"

    def start(self, settings: dict[str, Any], fds: tuple[int, int]) -> Process:
        settings = dict(settings, status_fd=fds[0], board_fd=fds[1])
        return subprocess.Popen(
            [sys.executable, "-m", "ferry_worker.child", json.dumps(settings)],
            pass_fds=fds, env=child_env(),
        )

    def reap_strays(self, known: set[int]) -> None:
        pass  # not a subreaper: nothing is adopted

    def close(self) -> None:
        pass


class ForkLauncher:
    """Forks worker processes from a template that imported the handlers once, at pool start."""

    method = "fork"

    def __init__(self, handlers: str, log_level: str) -> None:
        _become_subreaper()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._socket = ours
        config = json.dumps({"handlers": handlers, "log_level": log_level, "fd": theirs.fileno()})
        self._template = subprocess.Popen(
            [sys.executable, "-m", "ferry_worker.forkserver", config],
            pass_fds=(theirs.fileno(),), env=child_env(),
        )
        theirs.close()
        self._expect_ready()

    def _expect_ready(self) -> None:
        reply = self._reply(timeout=600.0)  # imports of a model library can take minutes
        if reply.get("threads", 1) > 1:
            self.close()
            raise LaunchError(
                f"the handler module left {reply['threads']} threads running after import, and "
                "threads do not survive fork (a child could deadlock on a lock one of them "
                "held); starting worker processes with spawn instead (set start_method: spawn "
                "or --start-method spawn to say so)")
        if not reply.get("ok"):
            self.close()
            raise LaunchError(f"the fork template could not load the handlers: {reply.get('error')}")

    def _reply(self, timeout: float) -> dict[str, Any]:
        self._socket.settimeout(timeout)
        try:
            data = self._socket.recv(65536)
        except OSError as exc:
            raise LaunchError(f"the fork template did not answer: {exc}") from exc
        if not data:
            raise LaunchError("the fork template exited; its log above says why")
        return dict(json.loads(data))

    def start(self, settings: dict[str, Any], fds: tuple[int, int]) -> Process:
        try:
            socket.send_fds(self._socket, [json.dumps(settings).encode()], list(fds))
        except OSError as exc:
            raise LaunchError(f"the fork template is gone: {exc}") from exc
        reply = self._reply(timeout=10.0)
        if "pid" not in reply:
            raise LaunchError(f"the fork template could not fork: {reply.get('error')}")
        return ForkedProcess(int(reply["pid"]))

    def reap_strays(self, known: set[int]) -> None:
        """Waits for adopted processes that are not ours (a handler's orphans): no zombies."""
        known = known | {self._template.pid}
        while True:
            try:
                info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return
            if info is None or info.si_pid in known:
                return
            os.waitpid(info.si_pid, 0)

    def close(self) -> None:
        self._socket.close()  # the template leaves when it reads the end of its socket
        try:
            self._template.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            self._template.kill()
            self._template.wait()


def _become_subreaper() -> None:
    """Orphaned descendants (each forked worker) become our children, so we can wait for them."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise LaunchError(f"prctl(PR_SET_CHILD_SUBREAPER) failed: {os.strerror(ctypes.get_errno())}")


def make_launcher(method: str, handlers: str, log_level: str) -> Launcher:
    """The launcher for `method`; fork falls back to spawn, saying why, when it cannot work."""
    if method == "fork":
        try:
            return ForkLauncher(handlers, log_level)
        except LaunchError as exc:
            log.warning("%s", exc)
    return SpawnLauncher()
