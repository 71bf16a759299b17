"""Broker death, restart and DISCONNECT: the worker re-registers and loses no job."""

from __future__ import annotations

import time

from fake_broker import FakeBroker, result_value
from ferry_worker.protocol import Command


def test_a_worker_re_registers_after_the_broker_restarts_and_loses_no_job(
        broker, start_pool, tmp_path) -> None:
    pool = start_pool("edge_cases.py")
    identity, ready = broker.handshake(heartbeat_ms=100, liveness=20)  # 2 s: no false alarm under load
    pool.note(ready)
    marker = tmp_path / "running"
    broker.send_jobs(identity, "slow_marked", [{"marker": str(marker), "seconds": 4.0}])
    deadline = time.monotonic() + 10
    while not marker.exists():  # the job has started: the broker may die now
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.02)
    broker.close()
    restarted = FakeBroker(broker.endpoint)
    try:
        _, again = restarted.handshake(heartbeat_ms=100, liveness=50)
        assert again["pid"] == ready["pid"]
        assert again["credit"] == ready["credit"] - 1  # the running job still holds its slot
        assert result_value(restarted.results(1)["j0"]) == "done"
    finally:
        restarted.close()


def test_a_silent_broker_is_detected_and_the_worker_reconnects_on_a_new_socket(broker, start_pool) -> None:
    pool = start_pool("edge_cases.py")
    first, ready = broker.handshake(heartbeat_ms=100, liveness=3)
    pool.note(ready)
    second, again = broker.expect(Command.READY, timeout=5.0)  # we never answer heartbeats
    assert second != first
    assert again["worker"] == ready["worker"]


def test_a_disconnect_from_the_broker_makes_the_worker_announce_itself_again(broker, start_pool) -> None:
    pool = start_pool("edge_cases.py")
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    broker.send(identity, Command.DISCONNECT, {"reason": "unknown worker"})
    identity, again = broker.handshake(liveness=50)
    assert again["worker"] == ready["worker"]
    broker.send_jobs(identity, "echo", ["after"])
    assert result_value(broker.results(1)["j0"]) == "after"
