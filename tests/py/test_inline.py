"""Where handlers run (inline or on the handler thread), coalescing, and credit that adapts."""

from __future__ import annotations

import os
import time
from pathlib import Path

from fake_broker import result_value
from ferry_worker.pace import TRIAL_CALLS
from ferry_worker.protocol import Command
from test_session import open_for_writing_once_read


def run_one(broker, identity: bytes, job_id: str, seconds: float) -> str:
    """Sends one `where` job and returns the thread it ran on."""
    broker.send_jobs(identity, "where", [seconds], prefix=job_id)
    return result_value(broker.results(1)[f"{job_id}0"])


def test_a_fast_handler_moves_inline_and_a_slow_call_sends_it_back_to_its_thread(
        broker, start_pool) -> None:
    pool = start_pool("edge_cases.py")
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    trial = [run_one(broker, identity, f"t{n}-", 0) for n in range(TRIAL_CALLS)]
    assert trial == ["ferry-handler"] * TRIAL_CALLS  # timed on the thread first
    assert run_one(broker, identity, "fast-", 0) == "MainThread"  # measured fast: inline
    assert run_one(broker, identity, "slow-", 0.05) == "MainThread"  # started inline, ran long
    assert run_one(broker, identity, "after-", 0) == "ferry-handler"  # back on the thread


def test_jobs_that_arrive_in_several_messages_share_handler_calls_up_to_max_batch_size(
        broker, start_pool, tmp_path: Path) -> None:
    fifo = tmp_path / "release"
    os.mkfifo(fifo)
    pool = start_pool("edge_cases.py")
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    broker.send_jobs(identity, "held", [str(fifo)], prefix="h")  # keeps the handler busy
    for n in range(6):  # six messages of one job while the handler is busy
        broker.send_jobs(identity, "coalesces", [n], prefix=f"c{n}-")
    release = open_for_writing_once_read(fifo)
    os.write(release, b"go")
    os.close(release)
    results = broker.results(7)
    sizes = [result_value(results[f"c{n}-0"]) for n in range(6)]
    assert sizes == [4, 4, 4, 4, 2, 2]  # max_batch_size 4: calls of 4 and 2, not six of 1


def test_credit_grows_for_a_fast_one_job_handler_and_stays_under_its_cap(
        broker, start_pool) -> None:
    pool = start_pool("edge_cases.py", "--max-credit", "40")
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    granted, held, sent, most = ready["credit"], 0, 0, ready["credit"]
    deadline = time.monotonic() + 20
    while most < 40 and time.monotonic() < deadline:
        while held < granted:  # one job per message, as a broker with batching off sends
            broker.send_jobs(identity, "echo", [sent], prefix=f"e{sent}-")
            held, sent = held + 1, sent + 1
        _, body = broker.expect(Command.RESULTS)
        answered = len(body["results"])
        held -= answered
        granted += body.get("credit", answered) - answered
        most = max(most, granted)
        assert granted <= 40, f"credit {granted} passed the cap of 40"
    assert ready["credit"] == 16  # the prefetch floor: largest max_batch_size 8 x prefetch 2
    assert most == 40, f"credit only grew to {most} in 20 s"
