"""One worker process against the fake broker: READY, jobs, results, errors on the wire."""

from __future__ import annotations

import errno
import os
import tempfile
import time
from pathlib import Path

import msgpack
import pytest

from fake_broker import result_value
from ferry_worker.protocol import Command
from ferry_worker.version import VERSION


def pool_marker(pool) -> str:
    """A path in a fresh temp dir that a handler creates once it runs."""
    return os.path.join(tempfile.mkdtemp(prefix="ferry-marker-"), f"started-{pool.proc.pid}")


def wait_for_file(path: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        assert time.monotonic() < deadline, f"{path} was never created"
        time.sleep(0.01)


def test_ready_announces_job_types_credit_and_heartbeat(broker, start_pool) -> None:
    pool = start_pool("edge_cases.py", "--prefetch", "3")
    _, ready = broker.handshake()
    pool.note(ready)
    assert ready["worker"] == f"{ready['host']}:{ready['pid']}"
    assert {"type": "per_job_error", "max_batch": 8} in ready["types"]
    assert {"type": "coalesces", "max_batch": 4, "max_delay_ms": 20} in ready["types"]
    assert {"type": "echo", "max_batch": 1} in ready["types"]  # no max_delay_ms: none is sent
    assert ready["credit"] == 8 * 3
    assert ready["heartbeat_ms"] == 100


def test_a_batch_is_answered_in_one_results_message(broker, start_pool) -> None:
    pool = start_pool("edge_cases.py")
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    ids = broker.send_jobs(identity, "per_job_error", [0, 2, 4, 6])
    _, body = broker.expect(Command.RESULTS)
    assert [r["id"] for r in body["results"]] == ids
    assert [result_value(r) for r in body["results"]] == [0, 2, 4, 6]
    assert "credit" not in body


def test_a_per_job_error_fails_only_that_job(broker, start_pool) -> None:
    pool = start_pool("edge_cases.py")
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    broker.send_jobs(identity, "per_job_error", [2, 3, 4])
    results = broker.results(3)
    assert [results[i]["ok"] for i in ("j0", "j1", "j2")] == [True, False, True]
    assert results["j1"]["error"]["code"] == "INVALID_ARGUMENT"
    assert results["j1"]["error"]["worker"] == ready["worker"]


def test_a_handler_that_raises_sends_handler_error_with_the_traceback(broker, start_pool) -> None:
    pool = start_pool("edge_cases.py")
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    broker.send_jobs(identity, "batch_raises", [1, 2])
    results = broker.results(2)
    for result in results.values():
        assert result["error"]["code"] == "HANDLER_ERROR"
        assert "RuntimeError: model exploded" in result["error"]["traceback"]


def test_a_wrong_length_return_fails_the_batch_with_internal(broker, start_pool) -> None:
    pool = start_pool("edge_cases.py")
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    broker.send_jobs(identity, "wrong_length", [1, 2, 3])
    results = broker.results(3)
    assert {r["error"]["code"] for r in results.values()} == {"INTERNAL"}
    assert "returned a list of 1 for a batch of 3" in results["j0"]["error"]["message"]


def test_a_retry_travels_as_retry_with_its_delay(broker, start_pool) -> None:
    pool = start_pool("edge_cases.py")
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    broker.send_jobs(identity, "retry", [1])
    error = broker.results(1)["j0"]["error"]
    assert (error["code"], error["retry_after_ms"]) == ("RETRY", 250)


def open_for_writing_once_read(fifo: Path, timeout: float = 10.0) -> int:
    """Opens the FIFO for writing once a reader has it open: the handler is inside its job."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO or time.monotonic() > deadline:
                raise AssertionError(f"the handler never opened {fifo}") from exc
            time.sleep(0.01)


@pytest.mark.parametrize("inline", ["auto", "always"])  # on the handler thread, or inline
def test_heartbeats_keep_flowing_while_a_handler_holds_its_job_past_the_liveness_window(
        broker, start_pool, tmp_path: Path, inline: str) -> None:
    fifo = tmp_path / "release"
    os.mkfifo(fifo)
    pool = start_pool("edge_cases.py", "--inline", inline)
    identity, ready = broker.handshake(heartbeat_ms=100, liveness=10)  # a 1 s liveness window
    pool.note(ready)
    broker.send_jobs(identity, "held", [str(fifo)])
    release = open_for_writing_once_read(fifo)
    beats, last, worst = 0, time.monotonic(), 0.0
    while beats < 25:  # 25 heartbeat intervals: two and a half liveness windows
        item = broker.recv(2.0)
        assert item is not None, "the worker went silent while its handler held its job"
        assert item[1].command is Command.HEARTBEAT, f"unexpected {item[1].command.name}"
        now = time.monotonic()
        worst, last, beats = max(worst, now - last), now, beats + 1
        broker.send(identity, Command.HEARTBEAT, {})
    os.write(release, b"released")
    os.close(release)
    assert result_value(broker.results(1)["j0"]) == "released"
    assert worst < 1.0  # never a gap the broker would take for a dead worker


def test_a_malformed_message_from_the_broker_is_dropped_and_serving_goes_on(broker, start_pool) -> None:
    pool = start_pool("edge_cases.py")
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    broker.socket.send_multipart([identity, b"FERRY\x02\x02", b"\x80"])
    broker.socket.send_multipart([identity, b"FERRY\x01\x02", b"\xc1garbage"])
    broker.socket.send_multipart([identity, b"FERRY\x01\x02", msgpack.packb({"jobs": 5})])
    broker.send_jobs(identity, "echo", ["still here"])
    assert result_value(broker.results(1)["j0"]) == "still here"


def results_until_disconnect(broker, timeout: float = 10.0) -> dict[str, dict]:
    """Every result the worker sends before its DISCONNECT, keyed by job id."""
    found: dict[str, dict] = {}
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        item = broker.recv(left)
        if item is not None and item[1].command is Command.DISCONNECT:
            return found
        if item is not None and item[1].command is Command.RESULTS:
            found.update({r["id"]: r for r in item[1].body["results"]})
    raise AssertionError(f"no DISCONNECT within {timeout} s")


@pytest.mark.parametrize("inline", ["auto", "always"])  # on the handler thread, or inline
def test_cancelling_a_running_job_answers_it_and_replaces_the_process(
        broker, start_pool, inline: str) -> None:
    pool = start_pool("edge_cases.py", "--inline", inline)
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    marker = pool_marker(pool)
    broker.send_jobs(identity, "slow_marked", [{"marker": marker, "seconds": 60}])
    broker.send_jobs(identity, "echo", ["queued"], prefix="q")
    wait_for_file(marker)
    broker.send(identity, Command.CANCEL, {"ids": ["j0"], "code": "CANCELLED"})
    results = results_until_disconnect(broker)
    assert results["j0"]["error"]["code"] == "CANCELLED"
    assert "q0" not in results  # never started: the DISCONNECT gives it back uncounted
    _, again = broker.handshake()
    assert pool.note(again)["pid"] != ready["pid"]


@pytest.mark.parametrize("inline", ["auto", "always"])  # on the handler thread, or inline
def test_a_timeout_answers_the_jobs_inside_the_handler_and_gives_back_the_others(
        broker, start_pool, inline: str) -> None:
    pool = start_pool("edge_cases.py", "--inline", inline)
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    jobs = [{"id": "hangs", "type": "batch_hang", "payload": msgpack.packb("hang"), "attempt": 1,
             "timeout_ms": 300},
            {"id": "beside", "type": "batch_hang", "payload": msgpack.packb("ok"), "attempt": 1}]
    broker.send(identity, Command.JOBS, {"jobs": jobs})
    broker.send_jobs(identity, "echo", ["queued"], prefix="q")
    results = results_until_disconnect(broker)
    assert results["hangs"]["error"]["code"] == "TIMEOUT"
    assert results["beside"]["error"]["code"] == "WORKER_LOST"  # inside the handler: a suspect
    assert "q0" not in results
    pool.note(broker.handshake()[1])


def wrong_version_reply(broker, version: int, message: str) -> tuple[bytes, dict]:
    """Answers the worker's READY as a broker of another protocol version does: ERROR."""
    identity, ready = broker.expect(Command.READY)
    body = msgpack.packb({"code": "VERSION_MISMATCH", "message": message})
    broker.socket.send_multipart([identity, b"FERRY" + bytes([version, Command.ERROR]), body])
    return identity, ready


def test_a_broker_speaking_another_protocol_version_stops_the_pool_naming_both(
        broker, start_pool) -> None:
    pool = start_pool("edge_cases.py")
    pool.note(wrong_version_reply(broker, 2, "this broker speaks FJP version 2 only")[1])
    assert pool.proc.wait(timeout=20) == 2
    out = pool.output()
    assert f"the broker at {broker.endpoint} speaks FJP/2" in out
    assert f"this worker (ferry_worker {VERSION}) speaks FJP/1" in out and "not retrying" in out


def test_a_broker_refusing_our_version_in_ours_stops_the_pool_with_its_reason(
        broker, start_pool) -> None:
    pool = start_pool("edge_cases.py")
    pool.note(wrong_version_reply(broker, 1, "this broker speaks FJP version 0 only")[1])
    assert pool.proc.wait(timeout=20) == 2
    assert "refused us: this broker speaks FJP version 0 only" in pool.output()
