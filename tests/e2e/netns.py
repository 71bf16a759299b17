"""Hosts on one machine: Linux network namespaces joined by veth pairs to a bridge that lives in a
namespace of its own, so nothing of the machine's own network is touched. Links can be cut and
healed, lose packets (nftables) or, through DelayRelay, run late. Needs root (CI runs as root)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from typing import Optional

SUBNET = "10.77.0"


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise OSError(f"ip {' '.join(args)}: {done.stderr.strip()}")


def unavailable() -> Optional[str]:
    """Why namespaces cannot be made here (a reason to skip), or None."""
    if os.geteuid() != 0:
        return "network namespaces need root (CI runs as root)"
    probe = f"ferry-probe-{os.getpid()}"
    try:
        _ip("netns", "add", probe)
    except (OSError, FileNotFoundError) as exc:
        return f"cannot make a network namespace: {exc}"
    _ip("netns", "del", probe)
    if subprocess.run(["nft", "--version"], capture_output=True).returncode != 0:
        return "nft (Debian package nftables) is not installed"
    return None


class Host:
    """One namespace with one interface on the bridge."""

    def __init__(self, network: "Network", name: str, index: int) -> None:
        self.network, self.name, self.index = network, name, index
        self.netns = f"{network.prefix}-{name}"
        self.address = f"{SUBNET}.{index}"
        self.port = f"v{index}"  # its bridge-side veth, in the switch namespace
        self.procs: list[subprocess.Popen] = []

    def popen(self, command: list[str], **kwargs) -> subprocess.Popen:
        """Starts `command` inside this host, in a process group of its own (for cleanup)."""
        proc = subprocess.Popen(["ip", "netns", "exec", self.netns, *command],
                                start_new_session=True, **kwargs)
        self.procs.append(proc)
        return proc

    def run(self, command: list[str], timeout: float = 180, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(["ip", "netns", "exec", self.netns, *command], timeout=timeout,
                              capture_output=True, text=True, **kwargs)

    def cut(self) -> None:
        _ip("-n", self.network.switch, "link", "set", self.port, "down")

    def heal(self) -> None:
        _ip("-n", self.network.switch, "link", "set", self.port, "up")

    def lose(self, percent: int) -> None:
        """Drops `percent`% of the packets this host sends and receives, at random."""
        rules = (f"add table inet loss\n"
                 f"add chain inet loss in {{ type filter hook input priority 0; }}\n"
                 f"add chain inet loss out {{ type filter hook output priority 0; }}\n"
                 f"add rule inet loss in meta iifname eth0 numgen random mod 100 < {percent} "
                 f"counter drop\n"
                 f"add rule inet loss out meta oifname eth0 numgen random mod 100 < {percent} "
                 f"counter drop\n")
        done = subprocess.run(["ip", "netns", "exec", self.netns, "nft", "-f", "-"], input=rules,
                              capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise OSError(f"nft: {done.stderr.strip()}")

    def dropped(self) -> int:
        """Packets the loss rules dropped so far."""
        done = self.run(["nft", "-j", "list", "table", "inet", "loss"], timeout=30)
        rules = [item["rule"] for item in json.loads(done.stdout)["nftables"] if "rule" in item]
        return sum(expr["counter"]["packets"] for rule in rules for expr in rule["expr"]
                   if "counter" in expr)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)


class Network:
    """A switch namespace holding a bridge, and hosts joined to it."""

    def __init__(self) -> None:
        self.prefix = f"ferry{os.getpid()}"
        self.switch = f"{self.prefix}-switch"
        self.hosts: list[Host] = []
        _ip("netns", "add", self.switch)
        _ip("-n", self.switch, "link", "set", "lo", "up")
        _ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.switch, "link", "set", "br0", "up")

    def add_host(self, name: str) -> Host:
        host = Host(self, name, len(self.hosts) + 1)
        _ip("netns", "add", host.netns)
        _ip("-n", host.netns, "link", "set", "lo", "up")
        _ip("-n", self.switch, "link", "add", host.port, "type", "veth", "peer", "name", "eth0",
            "netns", host.netns)
        _ip("-n", self.switch, "link", "set", host.port, "master", "br0")
        _ip("-n", self.switch, "link", "set", host.port, "up")
        _ip("-n", host.netns, "addr", "add", f"{host.address}/24", "dev", "eth0")
        _ip("-n", host.netns, "link", "set", "eth0", "up")
        self.hosts.append(host)
        return host

    def close(self) -> None:
        """Stops every process started in a host, then deletes every namespace (and its links)."""
        for host in reversed(self.hosts):
            host.stop()
        for netns in [host.netns for host in self.hosts] + [self.switch]:
            subprocess.run(["ip", "netns", "del", netns], capture_output=True, timeout=30)
