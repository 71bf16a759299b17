"""One worker process against the fake broker: READY, jobs, results, errors on the wire."""

from __future__ import annotations

import time

import msgpack

from fake_broker import result_value
from ferry_worker.protocol import Command


def test_ready_announces_job_types_credit_and_heartbeat(broker, start_pool) -> None:
    pool = start_pool("edge_cases.py", "--prefetch", "3")
    _, ready = broker.handshake()
    pool.note(ready)
    assert ready["worker"] == f"{ready['host']}:{ready['pid']}"
    assert {"type": "per_job_error", "max_batch": 8} in ready["types"]
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


def test_heartbeats_keep_flowing_while_a_handler_runs_for_ten_seconds(broker, start_pool) -> None:
    pool = start_pool("edge_cases.py")
    identity, ready = broker.handshake(heartbeat_ms=100, liveness=10)  # 1 s: a loaded machine may pause 300 ms
    pool.note(ready)
    broker.send_jobs(identity, "slow", [10])
    last, worst, result = time.monotonic(), 0.0, None
    while result is None:
        item = broker.recv(2.0)
        assert item is not None, "the worker went silent while its handler ran"
        now = time.monotonic()
        worst, last = max(worst, now - last), now
        broker.send(identity, Command.HEARTBEAT, {})
        if item[1].command is Command.RESULTS:
            result = item[1].body["results"][0]
        assert item[1].command is not Command.READY, "the worker reconnected during the job"
    assert result_value(result) == "done"
    assert worst < 2.0  # far below the 10 s the handler runs: heartbeats did not stop


def test_a_malformed_message_from_the_broker_is_dropped_and_serving_goes_on(broker, start_pool) -> None:
    pool = start_pool("edge_cases.py")
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    broker.socket.send_multipart([identity, b"FERRY\x02\x02", b"\x80"])
    broker.socket.send_multipart([identity, b"FERRY\x01\x02", b"\xc1garbage"])
    broker.socket.send_multipart([identity, b"FERRY\x01\x02", msgpack.packb({"jobs": 5})])
    broker.send_jobs(identity, "echo", ["still here"])
    assert result_value(broker.results(1)["j0"]) == "still here"


def test_cancelling_a_running_job_answers_it_and_replaces_the_process(broker, start_pool) -> None:
    pool = start_pool("edge_cases.py")
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    broker.send_jobs(identity, "hang", [None])
    broker.send_jobs(identity, "echo", ["queued"], prefix="q")
    time.sleep(0.2)  # let the hang job start (no event to await: the handler is silent)
    broker.send(identity, Command.CANCEL, {"ids": ["j0"], "code": "CANCELLED"})
    results = broker.results(2)
    assert results["j0"]["error"]["code"] == "CANCELLED"
    assert results["q0"]["error"]["code"] == "UNAVAILABLE"
    broker.expect(Command.DISCONNECT)
    _, again = broker.handshake()
    assert pool.note(again)["pid"] != ready["pid"]
