"""A `ferry broker` with CURVE on, its keys made by `ferry keygen`, and raw ZeroMQ peers that
play the rogue (no key, an unknown key, a key of the wrong role)."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
from typing import Optional

import zmq

from ferry_worker.codec import decode, pack_frames
from ferry_worker.protocol import Command

from broker_service import free_port
from conftest import REPO
from processes import stop_gracefully, wait_for


# The `security` section of a broker whose keys live in keys/ (keys/broker.key and one directory
# of .pub files per role), as SecureBroker and the many-hosts cluster make them.
CURVE_SECTION = """security:
  curve:
    secret_key_file: keys/broker.key
    producers: keys/producers
    workers: keys/workers
    admins: keys/admins
"""


def keygen(ferry_bin: pathlib.Path, name: str, directory: pathlib.Path) -> dict:
    done = subprocess.run([str(ferry_bin), "keygen", name, "--dir", str(directory), "--json"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def secret_of(key_file: str) -> str:
    for line in pathlib.Path(key_file).read_text().splitlines():
        if line.startswith("secret-key"):
            return line.split("=", 1)[1].strip().strip('"')
    raise AssertionError(f"no secret-key line in {key_file}")


class SecureBroker:
    """`ferry broker` with CURVE: allow-list directories keys/{producers,workers,admins}."""

    def __init__(self, ferry_bin: pathlib.Path, tmp: pathlib.Path, heartbeat_ms: int = 200) -> None:
        self.ferry_bin, self.dir = ferry_bin, tmp
        self.keys = tmp / "keys"
        self.made: dict[str, dict] = {}
        self.broker_key = keygen(ferry_bin, "broker", self.keys)
        for role in ("producers", "workers", "admins"):
            (self.keys / role).mkdir(parents=True)
        self.producers = f"tcp://127.0.0.1:{free_port()}"
        self.workers = f"tcp://127.0.0.1:{free_port()}"
        self.env = dict(os.environ, PYTHONPATH=str(REPO / "py_workers"))
        for variable in ("FERRY_KEY_FILE", "FERRY_SERVER_KEY"):
            self.env.pop(variable, None)
        self.config = tmp / "secure.yaml"
        self.config.write_text(f"""
broker:
  producers_endpoint: {self.producers}
  workers_endpoint: {self.workers}
  heartbeat_ms: {heartbeat_ms}
{CURVE_SECTION}job_types: {{echo: {{batch: {{max_size: 16, max_delay_ms: 2}}}}}}
input: {{type: echo}}
producer: {{progress_interval_s: 1}}
""")
        self.log = tmp / "broker.log"
        self.broker: Optional[subprocess.Popen] = None
        self.procs: list[subprocess.Popen] = []

    def make_key(self, name: str, role: Optional[str]) -> dict:
        """A key pair in keys/<role>/ (listed) or keys/unlisted/ (role None)."""
        key = keygen(self.ferry_bin, name, self.keys / (role or "unlisted"))
        self.made[name] = key
        return key

    def start(self) -> None:
        with self.log.open("w") as log:
            self.broker = subprocess.Popen(
                [str(self.ferry_bin), "broker", str(self.config)], cwd=self.dir, env=self.env,
                stdout=subprocess.PIPE, stderr=log, text=True)
        self.procs.append(self.broker)
        line = self.broker.stdout.readline()
        assert line.startswith("ferry broker: producers="), line + self.log.read_text()

    def reload(self) -> None:
        """SIGHUP, then waits for the broker loop to log the lists in force."""
        before = self.log.read_text().count("allow-lists reloaded")
        self.broker.send_signal(signal.SIGHUP)
        wait_for(lambda: self.log.read_text().count("allow-lists reloaded") > before, 20,
                 "the broker to reload its allow-lists")

    def pool(self, key: dict, handlers: str = "ferry_worker.examples.echo",
             log: Optional[pathlib.Path] = None, processes: int = 2) -> subprocess.Popen:
        out = (log or self.dir / f"pool-{len(self.procs)}.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "ferry_worker", "--broker", self.workers, "--handlers",
             handlers, "--processes", str(processes), "--heartbeat-ms", "200",
             "--key-file", key["secret_file"], "--server-key", self.broker_key["public_file"]],
            cwd=self.dir, env=self.env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        self.procs.append(proc)
        return proc

    def ferry(self, *args: str, key: Optional[dict] = None, timeout: float = 180,
              wait: bool = True):
        keys = ["--key-file", key["secret_file"], "--server-key",
                self.broker_key["public_file"]] if key else []
        command = [str(self.ferry_bin), *args, *keys]
        if not wait:
            proc = subprocess.Popen(command, cwd=self.dir, env=self.env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            self.procs.append(proc)
            return proc
        return subprocess.run(command, cwd=self.dir, env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def submit(self, key: dict, *args: str, wait: bool = True):
        return self.ferry("submit", str(self.config), "--broker", self.producers, *args, key=key,
                          wait=wait)

    def status(self, key: dict) -> dict:
        done = self.ferry("status", "--broker", self.producers, "--json", key=key, timeout=30)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def stop(self) -> None:
        stop_gracefully(list(reversed(self.procs)))


class RawPeer:
    """A bare DEALER that speaks the wire protocol by hand: what a rogue process would run."""

    def __init__(self, endpoint: str, server_key: Optional[str] = None) -> None:
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.linger = 0
        if server_key is not None:
            public, secret = zmq.curve_keypair()
            self.socket.curve_serverkey = server_key.encode()
            self.socket.curve_publickey, self.socket.curve_secretkey = public, secret
        self.socket.connect(endpoint)

    def use_key(self, key_file: str, server_key: str) -> "RawPeer":
        """Reconnects with a key made by `ferry keygen` (CURVE options apply to new connections)."""
        self.socket.close(linger=0)
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.linger = 0
        secret = secret_of(key_file).encode()
        self.socket.curve_serverkey = server_key.encode()
        self.socket.curve_secretkey = secret
        self.socket.curve_publickey = zmq.curve_public(secret)
        return self

    def connect(self, endpoint: str) -> "RawPeer":
        self.socket.connect(endpoint)
        return self

    def send(self, command: Command, body: dict) -> None:
        try:
            self.socket.send_multipart(pack_frames(command, body), flags=zmq.NOBLOCK)
        except zmq.Again:
            pass  # no connection took it (a refused handshake leaves none): nothing was sent

    def received(self, timeout_ms: int) -> list:
        """Every message that arrives within timeout_ms, decoded."""
        messages = []
        while self.socket.poll(timeout_ms):
            messages.append(decode(self.socket.recv_multipart()))
        return messages

    def close(self) -> None:
        self.socket.close(linger=0)
        self.context.term()
