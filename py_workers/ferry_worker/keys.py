"""CURVE keys for the worker's connection to a broker that uses CURVE.

Key files are what ``ferry keygen NAME`` writes: NAME.key (mode 0600) holds ``public-key = "..."``
and ``secret-key = "..."`` lines of Z85 text, NAME.pub the public line only; '#' starts a comment
line. The secret stays in the worker's memory and is never logged.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import Optional

import zmq

from ferry_worker.errors import ConfigError

Z85_LENGTH = 40
_Z85 = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")


@dataclass(frozen=True)
class ClientKeys:
    """What a CURVE client connects with."""

    server_key: str  # the broker's public key
    public_key: str
    secret_key: str = field(repr=False)  # never in a repr, so never in a log line

    def apply(self, sock: zmq.Socket) -> None:
        """Makes `sock` a CURVE client of the broker (before it connects)."""
        sock.curve_serverkey = self.server_key.encode()
        sock.curve_publickey = self.public_key.encode()
        sock.curve_secretkey = self.secret_key.encode()


def is_z85_key(text: str) -> bool:
    return len(text) == Z85_LENGTH and all(c in _Z85 for c in text)


def _key_lines(path: str) -> dict[str, tuple[str, int]]:
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read key file {path}: {exc.strerror}") from exc
    values: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, sep, value = text.partition("=")
        if not sep:
            raise ConfigError(f"{path}:{number}: expected `public-key = \"...\"` or "
                              "`secret-key = \"...\"`; make key files with `ferry keygen NAME`")
        values[name.strip()] = (value.strip().strip('"'), number)
    return values


def _key(values: dict[str, tuple[str, int]], name: str, path: str) -> str:
    if name not in values:
        raise ConfigError(f"key file {path} has no `{name}` line; make key files with "
                          "`ferry keygen NAME`")
    value, number = values[name]
    if not is_z85_key(value):  # the value itself is never shown: it may be a secret
        raise ConfigError(f"{path}:{number}: `{name}` is not a CURVE key (40 characters of Z85)")
    return value


def read_secret_key_file(path: str) -> tuple[str, str]:
    """(public, secret) from a .key file; refuses one that group or others may read."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError as exc:
        raise ConfigError(f"cannot read key file {path}: {exc.strerror}") from exc
    if mode & 0o077:
        raise ConfigError(f"secret key file {path} may be read by others (mode {mode:04o}); "
                          f"run `chmod 600 {path}`")
    values = _key_lines(path)
    secret = _key(values, "secret-key", path)
    try:
        public = zmq.curve_public(secret.encode()).decode()
    except zmq.ZMQError as exc:
        raise ConfigError(f"{path}: the secret key does not decode: {exc}") from exc
    if "public-key" in values and _key(values, "public-key", path) != public:
        raise ConfigError(f"key file {path}: its public-key line does not belong to its secret "
                          "key; make a new pair with `ferry keygen NAME`")
    return public, secret


def resolve_public_key(key_or_path: str, what: str) -> str:
    """A public key given as its Z85 text or as the path of a .pub file."""
    if is_z85_key(key_or_path):
        return key_or_path
    if not os.path.isfile(key_or_path):
        raise ConfigError(f"{what}: {key_or_path!r} is neither a CURVE public key (40 characters "
                          "of Z85 text) nor a readable key file")
    return _key(_key_lines(key_or_path), "public-key", key_or_path)


def client_keys(key_file: Optional[str], server_key: Optional[str]) -> Optional[ClientKeys]:
    """Keys from the flags, else FERRY_KEY_FILE and FERRY_SERVER_KEY; None when neither is set."""
    key_file = key_file or os.environ.get("FERRY_KEY_FILE") or ""
    server_key = server_key or os.environ.get("FERRY_SERVER_KEY") or ""
    if not key_file and not server_key:
        return None
    if not key_file:
        raise ConfigError("--server-key was given without --key-file (or FERRY_KEY_FILE): a "
                          "CURVE client needs its own key too; make one with `ferry keygen NAME`")
    if not server_key:
        raise ConfigError("--key-file was given without --server-key (or FERRY_SERVER_KEY): give "
                          "the broker's public key, its .pub file or its Z85 text")
    if not zmq.has("curve"):
        raise ConfigError("this pyzmq/libzmq has no CURVE support; install Debian's python3-zmq")
    public, secret = read_secret_key_file(key_file)
    return ClientKeys(resolve_public_key(server_key, "--server-key"), public, secret)
