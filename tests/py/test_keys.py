"""ferry_worker.keys: the worker reads `ferry keygen` files as the C++ side does, and refuses what
the C++ side refuses, with the file and line and never the secret."""

from __future__ import annotations

import os
import pathlib

import pytest
import zmq

from ferry_worker.errors import ConfigError
from ferry_worker.keys import client_keys, is_z85_key, read_secret_key_file, resolve_public_key


def write_pair(directory: pathlib.Path, name: str, mode: int = 0o600) -> tuple[str, str]:
    public, secret = (k.decode() for k in zmq.curve_keypair())
    key = directory / f"{name}.key"
    key.write_text(f'# Ferry CURVE secret key "{name}"\npublic-key = "{public}"\n'
                   f'secret-key = "{secret}"\n')
    key.chmod(mode)
    (directory / f"{name}.pub").write_text(f'public-key = "{public}"\n')
    return public, secret


def test_a_key_file_reads_back_and_the_secret_stays_out_of_its_repr(tmp_path):
    public, secret = write_pair(tmp_path, "host")
    assert read_secret_key_file(str(tmp_path / "host.key")) == (public, secret)
    server, _ = write_pair(tmp_path, "broker")
    keys = client_keys(str(tmp_path / "host.key"), str(tmp_path / "broker.pub"))
    assert keys.server_key == server and keys.public_key == public
    assert secret not in repr(keys)
    assert resolve_public_key(server, "--server-key") == server


def test_a_secret_key_others_may_read_is_refused_with_the_chmod(tmp_path):
    write_pair(tmp_path, "host", mode=0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        read_secret_key_file(str(tmp_path / "host.key"))


def test_a_malformed_key_names_file_and_line_but_not_the_value(tmp_path):
    bad = tmp_path / "bad.key"
    bad.write_text("# comment\nsecret-key = \"tooshort\"\n")
    bad.chmod(0o600)
    with pytest.raises(ConfigError) as caught:
        read_secret_key_file(str(bad))
    assert "bad.key:2" in str(caught.value) and "tooshort" not in str(caught.value)


def test_one_half_of_the_key_options_alone_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("FERRY_KEY_FILE", raising=False)
    monkeypatch.delenv("FERRY_SERVER_KEY", raising=False)
    assert client_keys(None, None) is None
    write_pair(tmp_path, "host")
    with pytest.raises(ConfigError, match="--server-key"):
        client_keys(str(tmp_path / "host.key"), None)
    with pytest.raises(ConfigError, match="--key-file"):
        client_keys(None, "x" * 40)
    server, _ = write_pair(tmp_path, "broker")
    monkeypatch.setenv("FERRY_KEY_FILE", str(tmp_path / "host.key"))
    monkeypatch.setenv("FERRY_SERVER_KEY", server)
    assert client_keys(None, None).server_key == server  # the environment fills in


def test_z85_keys_are_recognised_and_other_text_is_not():
    public, _ = zmq.curve_keypair()
    assert is_z85_key(public.decode())
    assert not is_z85_key("short")
    assert not is_z85_key("x" * 39 + " ")
