"""The pool supervisor: crashes reported and replaced, hangs killed, leaks recycled, drains."""

from __future__ import annotations

import os
import signal
import time

import pytest

from ferry_worker.protocol import Command


def serve_one(broker, start_pool, *args: str):
    pool = start_pool("edge_cases.py", *args)
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    return pool, identity, ready


def test_the_pool_starts_the_requested_number_of_processes(broker, start_pool) -> None:
    pool = start_pool("edge_cases.py", processes=2)
    pids = {pool.note(broker.handshake(liveness=50)[1])["pid"] for _ in range(2)}
    assert len(pids) == 2


def test_a_process_that_calls_os_exit_is_reported_in_exited_and_replaced(broker, start_pool) -> None:
    pool, identity, ready = serve_one(broker, start_pool)
    broker.send_jobs(identity, "exit", [7])
    _, exited = broker.expect(Command.EXITED)
    assert exited["worker"] == ready["worker"]
    assert exited["exit_code"] == 7 and "signal" not in exited
    assert "exited with code 7" in exited["reason"]
    _, again = broker.handshake(liveness=50)
    assert pool.note(again)["pid"] != ready["pid"]


def test_a_segfault_is_reported_with_its_signal_and_rss(broker, start_pool) -> None:
    pool, identity, ready = serve_one(broker, start_pool)
    broker.send_jobs(identity, "segv", [None])
    _, exited = broker.expect(Command.EXITED)
    assert exited["signal"] == signal.SIGSEGV
    assert "SIGSEGV" in exited["reason"]
    assert exited["rss_mb"] > 0
    pool.note(broker.handshake(liveness=50)[1])


@pytest.mark.parametrize("inline", ["auto", "always"])  # on the handler thread, or inline
def test_a_handler_that_hangs_is_killed_at_its_timeout(broker, start_pool, inline: str) -> None:
    pool, identity, ready = serve_one(broker, start_pool, "--inline", inline)
    broker.send_jobs(identity, "hang", [None], timeout_ms=300)
    result = broker.results(1)["j0"]
    assert result["error"]["code"] == "TIMEOUT"
    broker.expect(Command.DISCONNECT)
    _, again = broker.handshake(liveness=50)
    assert pool.note(again)["pid"] != ready["pid"]


def test_a_leaking_process_is_recycled_after_its_work_is_answered(broker, start_pool) -> None:
    pool, identity, ready = serve_one(broker, start_pool, "--max-rss-mb", "80")
    for n in range(10):
        broker.send_jobs(identity, "leak", [20], prefix=f"leak{n}-")
        _, body = broker.expect(Command.RESULTS)
        assert body["results"][0]["ok"]
        if body.get("credit") == 0:
            break
    else:
        raise AssertionError("the process was never recycled")
    broker.expect(Command.DISCONNECT)
    _, again = broker.handshake(liveness=50)
    assert pool.note(again)["pid"] != ready["pid"]
    assert not any(m.command is Command.EXITED for _, m in broker.seen)


@pytest.mark.parametrize("inline", ["auto", "always"])  # on the handler thread, or inline
def test_a_process_is_recycled_after_max_jobs(broker, start_pool, inline: str) -> None:
    pool, identity, ready = serve_one(broker, start_pool, "--max-jobs", "3", "--inline", inline)
    broker.send_jobs(identity, "echo", [1, 2, 3])
    assert len(broker.results(3)) == 3
    broker.expect(Command.DISCONNECT)
    _, again = broker.handshake(liveness=50)
    assert pool.note(again)["pid"] != ready["pid"]


def test_a_setup_failure_exits_before_ready_with_the_error_logged(broker, start_pool) -> None:
    pool = start_pool("setup_fails.py")
    assert pool.proc.wait(timeout=20) == 2
    output = pool.output()
    assert "handler setup failed" in output
    assert "model file /models/missing.bin not found" in output
    assert broker.recv(0.2) is None


@pytest.mark.parametrize("inline", ["auto", "always"])  # on the handler thread, or inline
def test_sigterm_drains_held_jobs_then_exits(broker, start_pool, inline: str) -> None:
    pool, identity, ready = serve_one(broker, start_pool, "--inline", inline)
    broker.send_jobs(identity, "slow", [0.5])
    broker.send(identity, Command.HEARTBEAT, {})
    pool.proc.send_signal(signal.SIGTERM)
    _, body = broker.expect(Command.RESULTS)
    assert body["results"][0]["id"] == "j0" and body["credit"] == 0
    broker.expect(Command.DISCONNECT)
    assert pool.proc.wait(timeout=10) == 0


def test_worker_processes_die_with_a_killed_supervisor(broker, start_pool) -> None:
    pool = start_pool("edge_cases.py", processes=2)
    for _ in range(2):
        pool.note(broker.handshake(liveness=50)[1])
    pool.kill()  # SIGKILL; raises if any worker process outlives it


def test_native_code_that_holds_the_gil_past_its_timeout_is_killed_by_the_supervisor(
        broker, start_pool) -> None:
    pool, identity, ready = serve_one(broker, start_pool)
    broker.send_jobs(identity, "hang_holding_gil", [None], timeout_ms=200)
    _, exited = broker.expect(Command.EXITED, timeout=10.0)
    assert exited["worker"] == ready["worker"]
    assert exited["signal"] == signal.SIGKILL
    assert "handler overran its timeout" in exited["reason"]
    _, again = broker.handshake(liveness=50)
    assert pool.note(again)["pid"] != ready["pid"]


@pytest.mark.parametrize("method,inline", [("fork", "auto"), ("spawn", "auto"), ("fork", "always")])
def test_exited_names_the_jobs_inside_the_handler_of_a_process_killed_there(
        broker, start_pool, method: str, inline: str) -> None:
    pool, identity, ready = serve_one(broker, start_pool, "--start-method", method,
                                      "--inline", inline)
    ids = broker.send_jobs(identity, "batch_segv", ["a", "segv", "b"])
    # another type: jobs of one type that arrive together are coalesced into one call
    broker.send_jobs(identity, "echo", ["later"], prefix="q")
    _, exited = broker.expect(Command.EXITED)
    assert exited["worker"] == ready["worker"] and exited["signal"] == signal.SIGSEGV
    assert sorted(exited["running"]) == sorted(ids)  # the queued q0 had not started
    pool.note(broker.handshake(liveness=50)[1])


def test_exited_says_a_process_killed_while_idle_was_running_nothing(broker, start_pool) -> None:
    pool, identity, ready = serve_one(broker, start_pool)
    broker.send_jobs(identity, "echo", ["done"])
    broker.results(1)  # the handler ran and returned
    os.kill(ready["pid"], signal.SIGKILL)
    _, exited = broker.expect(Command.EXITED)
    assert exited["worker"] == ready["worker"] and exited["signal"] == signal.SIGKILL
    assert exited["running"] == []
    pool.note(broker.handshake(liveness=50)[1])


def test_a_process_that_dies_on_a_job_is_replaced_at_once_every_time(broker, start_pool) -> None:
    pool, identity, ready = serve_one(broker, start_pool)
    gaps = []
    for crash in range(6):  # backoff would wait 0.1 x 2^5 = 3.2 s before the sixth restart
        broker.send_jobs(identity, "exit", [3], prefix=f"c{crash}-")
        broker.expect(Command.EXITED)
        died = time.monotonic()
        identity, ready = broker.handshake(liveness=50)
        pool.note(ready)
        gaps.append(time.monotonic() - died)
    assert gaps[-1] < 1.6, gaps
    pool.kill()
    assert pool.log.count("replacing it at once") == 6
    assert "restarting in" not in pool.log


def test_a_process_that_dies_in_its_setup_backs_off_exponentially(
        broker, start_pool, tmp_path) -> None:
    marker = tmp_path / "fail-setup"
    pool = start_pool("setup_marker.py", "--handler-config", f'{{"fail_marker": "{marker}"}}')
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    marker.touch()
    broker.send_jobs(identity, "exit", [3])
    deaths = []
    for _ in range(5):  # the death on a job (replaced at once), then four deaths in setup
        broker.expect(Command.EXITED)
        deaths.append(time.monotonic())
    marker.unlink()
    pool.note(broker.handshake(liveness=50)[1])
    gaps = [later - earlier for earlier, later in zip(deaths, deaths[1:])]
    assert gaps[1] >= 0.1 and gaps[2] >= 0.2 and gaps[3] >= 0.4, gaps  # the backoff doubles
    pool.kill()
    assert pool.log.count("died during its setup") >= 4


def test_a_handler_module_that_starts_threads_at_import_is_spawned_not_forked(
        broker, start_pool) -> None:
    pool = start_pool("thread_at_import.py", "--start-method", "fork")
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    broker.send_jobs(identity, "echo", ["still served"])
    assert broker.results(1)["j0"]["ok"]
    pool.kill()
    assert "threads do not survive fork" in pool.log
    assert "starting 1 worker processes (spawn)" in pool.log


def test_a_pool_whose_fork_template_died_starts_its_processes_with_spawn(broker, start_pool) -> None:
    pool, identity, ready = serve_one(broker, start_pool)
    templates = [pid for pid in _children(pool.proc.pid) if pid != ready["pid"]]
    assert len(templates) == 1, templates
    os.kill(templates[0], signal.SIGKILL)
    broker.send_jobs(identity, "exit", [3])
    broker.expect(Command.EXITED)
    _, again = broker.handshake(liveness=50)
    assert pool.note(again)["pid"] != ready["pid"]
    pool.kill()
    assert "starting worker processes with spawn from now on" in pool.log


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return [int(child) for child in children.read().split()]
