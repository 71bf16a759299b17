"""ferry_worker.testing: handlers run in-process give the results a worker would send."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping

import pytest

import ferry_worker
from ferry_worker import ConfigError, Job
from ferry_worker.testing import JobResult, StubWorker, run_jobs

EDGE_CASES = str(Path(__file__).parent / "handlers" / "edge_cases.py")
PY_WORKERS = Path(__file__).resolve().parents[2] / "py_workers"


class RaisesOnBad(ferry_worker.Handler):
    """Raises for the whole batch when any job in it is "bad"."""

    job_type = "picky"
    max_batch_size = 8

    def handle(self, jobs: list[Job]) -> list[Any]:
        if any(job.payload == "bad" for job in jobs):
            raise ValueError("cannot read a bad job")
        return [job.payload.upper() for job in jobs]


class Remembers(ferry_worker.Handler):
    """Answers with what setup() was given; records its teardown."""

    job_type = "remembers"
    torn_down: list[str] = []

    def setup(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)

    def handle(self, jobs: list[Job]) -> list[Any]:
        return [self.config for _ in jobs]

    def teardown(self) -> None:
        Remembers.torn_down.append(self.config["worker"])


@pytest.fixture
def edge() -> StubWorker:
    with StubWorker(EDGE_CASES) as worker:
        yield worker


def test_values_come_back_decoded_in_payload_order(edge: StubWorker) -> None:
    results = edge.run("echo", [1, "two", {"three": [3]}])
    assert [r.value for r in results] == [1, "two", {"three": [3]}]
    assert all(r.ok and r.error is None and r.ms >= 0 for r in results)
    assert [r.id for r in results] == ["job-0", "job-1", "job-2"]


def test_a_job_error_fails_only_its_job_with_its_code_and_message(edge: StubWorker) -> None:
    results = edge.run("per_job_error", [2, 3, 4])
    assert [r.ok for r in results] == [True, False, True]
    assert (results[1].error.code, results[1].error.message) == ("INVALID_ARGUMENT", "odd")
    assert results[1].error.worker == "stub:0" and not results[1].error.retryable


def test_a_raising_function_fails_with_handler_error_and_its_traceback(edge: StubWorker) -> None:
    result = edge.run_one("raises", 7)
    assert result.error.code == "HANDLER_ERROR" and result.error.retryable
    assert result.error.message == "ValueError: bad input 7"
    assert "ValueError: bad input 7" in result.error.traceback
    assert "edge_cases.py" in result.error.traceback


def test_a_retry_comes_back_as_retry_with_its_delay(edge: StubWorker) -> None:
    error = edge.run_one("retry", None).error
    assert (error.code, error.retry_after_ms) == ("RETRY", 250)


def test_a_wrong_result_count_fails_every_job_with_internal(edge: StubWorker) -> None:
    results = edge.run("wrong_length", [1, 2, 3])
    assert {r.error.code for r in results} == {"INTERNAL"}
    assert "returned a list of 1 for a batch of 3 jobs" in results[0].error.message


def test_an_unencodable_result_fails_only_that_job_with_internal() -> None:
    @ferry_worker.handler("objects")
    def objects(job: Job) -> Any:
        return object() if job.payload else "fine"

    first, second = run_jobs([objects], "objects", [True, False])
    assert first.error.code == "INTERNAL"
    assert "cannot be encoded as MessagePack" in first.error.message
    assert second.value == "fine"


def test_a_raising_batch_is_split_so_only_the_job_that_raises_alone_fails() -> None:
    with StubWorker([RaisesOnBad]) as worker:
        results = worker.run("picky", ["a", "bad", "c"])
    assert [r.value for r in results] == ["A", None, "C"]
    assert results[1].error.code == "HANDLER_ERROR"
    assert "ValueError: cannot read a bad job" in results[1].error.traceback
    assert worker.calls == [["job-0", "job-1", "job-2"], ["job-0"], ["job-1"], ["job-2"]]


def test_payloads_are_cut_into_batches_of_the_handlers_max_batch_size(edge: StubWorker) -> None:
    results = edge.run("coalesces", list(range(10)))
    assert [len(call) for call in edge.calls] == [4, 4, 2]
    assert [r.value for r in results] == [4] * 8 + [2] * 2


def test_a_smaller_batch_size_may_be_asked_for_but_not_a_larger_one(edge: StubWorker) -> None:
    edge.run("coalesces", list(range(5)), batch_size=2)
    assert [len(call) for call in edge.calls] == [2, 2, 1]
    with pytest.raises(ValueError, match="batch_size 5 for 'coalesces'"):
        edge.run("coalesces", [1], batch_size=5)


def test_attempt_timeout_and_ids_reach_the_job() -> None:
    @ferry_worker.handler("describe")
    def describe(job: Job) -> Any:
        return [job.id, job.attempt, job.timeout_ms]

    result = run_jobs([describe], "describe", [None], attempt=2, timeout_ms=500, ids=["mine"])
    assert (result[0].id, result[0].value) == ("mine", ["mine", 2, 500])


def test_setup_gets_the_config_with_worker_and_process_index_and_teardown_runs() -> None:
    Remembers.torn_down.clear()
    result = run_jobs([Remembers], "remembers", [None], config={"model": "small"})[0]
    assert result.value == {"model": "small", "worker": "stub:0", "process_index": 0}
    assert Remembers.torn_down == ["stub:0"]


def test_announced_lists_the_batching_ready_would_carry(edge: StubWorker) -> None:
    announced = edge.announced()
    assert {"type": "coalesces", "max_batch": 4, "max_delay_ms": 20} in announced
    assert {"type": "echo", "max_batch": 1} in announced


def test_an_unknown_job_type_is_an_error_naming_the_types_served(edge: StubWorker) -> None:
    with pytest.raises(ConfigError, match=r"no handler for job type 'ecko'; these handlers serve"):
        edge.run("ecko", [1])


def test_two_handlers_for_one_job_type_are_refused_as_a_worker_refuses_them() -> None:
    twin = ferry_worker.handler("picky")(lambda job: job.payload)
    with pytest.raises(ConfigError, match="two handlers serve job type 'picky'"):
        StubWorker([RaisesOnBad, twin])


def test_a_payload_no_producer_could_send_is_refused_naming_it(edge: StubWorker) -> None:
    with pytest.raises(ValueError, match="payload 1 cannot be encoded as MessagePack"):
        edge.run("echo", [1, object()])


def test_the_wire_record_is_kept_as_the_broker_would_decode_it(edge: StubWorker) -> None:
    result = edge.run_one("per_job_error", 3)
    assert result.wire == {"id": result.id, "ok": False, "ms": result.ms,
                           "error": {"code": "INVALID_ARGUMENT", "message": "odd",
                                     "worker": "stub:0"}}
    assert JobResult.from_wire(result.wire) == result


def comparable(record: Mapping[str, Any]) -> dict[str, Any]:
    """A result record without what differs between runs: handler time and worker name."""
    out = {k: v for k, v in record.items() if k != "ms"}
    if "error" in out:
        out["error"] = {k: v for k, v in out["error"].items() if k != "worker"}
    return out


@pytest.mark.parametrize("job_type,payloads", [
    ("per_job_error", [2, 3, 4]), ("raises", [1]), ("retry", [1]), ("wrong_length", [1, 2]),
    ("batch_raises", [1, 2]), ("coalesces", [1, 2, 3, 4, 5]),
])
def test_results_match_what_a_real_worker_process_sends(
        broker, start_pool, job_type: str, payloads: list[Any]) -> None:
    pool = start_pool("edge_cases.py")
    identity, ready = broker.handshake(liveness=50)
    pool.note(ready)
    ids = broker.send_jobs(identity, job_type, payloads)
    sent = broker.results(len(ids))
    with StubWorker(EDGE_CASES) as worker:
        stub = worker.run(job_type, payloads, ids=ids)
    assert [comparable(r.wire) for r in stub] == [comparable(sent[i]) for i in ids]


def test_a_configured_handler_instance_may_be_given_and_anything_else_is_refused() -> None:
    picky = RaisesOnBad()
    assert run_jobs([picky], "picky", ["x"])[0].value == "X"
    with pytest.raises(TypeError, match="StubWorker: 'echo' is not a ferry_worker.Handler class"):
        StubWorker(["echo"])


def python_blocks(markdown: str) -> list[str]:
    """The ```python code blocks of a Markdown text, in order."""
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.S)


def test_the_readme_testing_example_passes_against_the_readme_handler_example(
        tmp_path: Path) -> None:
    blocks = python_blocks((PY_WORKERS / "README.md").read_text())
    handlers = next(b for b in blocks if "class ClassifyDigits" in b)
    tests = next(b for b in blocks if "from ferry_worker.testing import" in b)
    (tmp_path / "my_handlers.py").write_text(handlers)
    (tmp_path / "test_my_handlers.py").write_text(tests)
    env = dict(os.environ, PYTHONPATH=str(PY_WORKERS), PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "test_my_handlers.py"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
