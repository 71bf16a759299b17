"""A private redis-server on 127.0.0.1 for Celery and RQ: no persistence, stopped by PID."""

from __future__ import annotations

import subprocess

import redis

from peers import procs


class RedisServer:
    """redis-server on a port that was free a moment ago (redis cannot bind port 0)."""

    def __init__(self, name: str) -> None:
        self.port = procs.free_port()
        self.proc: subprocess.Popen[bytes] = procs.spawn(name, [
            "redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
            "--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning"])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        procs.wait_until(self._pings, 20, f"redis-server on port {self.port}")

    def _pings(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with {self.proc.returncode} "
                               f"(port {self.port} taken?); see {procs.LOG_DIR}")
        try:
            return bool(redis.Redis.from_url(self.url).ping())
        except redis.ConnectionError:
            return False

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def stop(self) -> None:
        procs.stop(self.proc, grace_s=5)
