"""`ferry broker` on an endpoint another process holds: a clear message and exit 2, not an internal error."""

from __future__ import annotations

import pathlib
import socket
import subprocess


def test_a_broker_whose_port_is_taken_exits_2_naming_the_endpoint(ferry_bin, tmp_path: pathlib.Path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = f"tcp://127.0.0.1:{holder.getsockname()[1]}"
        config = tmp_path / "p.yaml"
        config.write_text(f"broker:\n  producers_endpoint: {taken}\n"
                          "  workers_endpoint: tcp://127.0.0.1:0\ninput: {type: echo}\n")
        done = subprocess.run([str(ferry_bin), "broker", str(config)], capture_output=True,
                              text=True, timeout=30)
    assert done.returncode == 2, done.stderr
    assert f"cannot bind the producers endpoint '{taken}'" in done.stderr
