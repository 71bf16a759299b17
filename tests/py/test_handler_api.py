"""The handler API on its own: what a batch's results look like for each handler behaviour."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import msgpack
import pytest

import ferry_worker
from ferry_worker import ConfigError, Job, JobError, Retry
from ferry_worker.handler import find_handlers, load_module
from ferry_worker.runner import run_batch

HANDLERS = Path(__file__).parent / "handlers"


def jobs(*payloads: Any) -> list[Job]:
    return [Job(f"j{i}", "t", msgpack.packb(p), 1) for i, p in enumerate(payloads)]


class Batch(ferry_worker.Handler):
    job_type = "t"
    max_batch_size = 8

    def __init__(self, outputs: Any = None, raises: BaseException | None = None) -> None:
        self.outputs, self.raises = outputs, raises

    def handle(self, batch: list[Job]) -> list[Any]:
        if self.raises:
            raise self.raises
        return self.outputs


def test_results_come_back_in_order_with_their_encoded_values() -> None:
    results = run_batch(Batch(outputs=["a", {"b": 2}]), jobs(1, 2), "w")
    assert [r["id"] for r in results] == ["j0", "j1"]
    assert [msgpack.unpackb(r["result"]) for r in results] == ["a", {"b": 2}]
    assert all(r["ok"] and r["ms"] >= 0 for r in results)


def test_an_exception_fails_every_job_of_the_batch_with_handler_error_and_traceback() -> None:
    results = run_batch(Batch(raises=RuntimeError("model exploded")), jobs(1, 2), "w")
    for result in results:
        assert result["ok"] is False
        assert result["error"]["code"] == "HANDLER_ERROR"
        assert "model exploded" in result["error"]["message"]
        assert "RuntimeError: model exploded" in result["error"]["traceback"]


def test_a_job_error_in_slot_i_fails_only_job_i() -> None:
    results = run_batch(Batch(outputs=[1, JobError("INVALID_ARGUMENT", "bad"), 3]), jobs(1, 2, 3), "w")
    assert [r["ok"] for r in results] == [True, False, True]
    assert results[1]["error"] == {"code": "INVALID_ARGUMENT", "message": "bad", "worker": "w"}


def test_a_retry_asks_for_a_retry_after_its_delay() -> None:
    results = run_batch(Batch(outputs=[Retry(750)]), jobs(1), "w")
    assert results[0]["error"]["code"] == "RETRY"
    assert results[0]["error"]["retry_after_ms"] == 750


def test_a_wrong_length_fails_the_batch_with_internal_saying_what_came_back() -> None:
    results = run_batch(Batch(outputs=[1]), jobs(1, 2, 3), "w")
    assert {r["error"]["code"] for r in results} == {"INTERNAL"}
    assert "returned a list of 1 for a batch of 3 jobs" in results[0]["error"]["message"]


def test_a_result_msgpack_cannot_encode_fails_only_that_job_with_internal() -> None:
    results = run_batch(Batch(outputs=[object(), 2]), jobs(1, 2), "w")
    assert results[0]["error"]["code"] == "INTERNAL" and results[1]["ok"]


def test_a_function_handler_that_raises_fails_only_its_own_job() -> None:
    @ferry_worker.handler("t")
    def picky(job: Job) -> Any:
        if job.payload == 2:
            raise KeyError("two")
        return job.payload

    results = run_batch(picky, jobs(1, 2, 3), "w")
    assert [r["ok"] for r in results] == [True, False, True]
    assert "KeyError" in results[1]["error"]["traceback"]


def test_a_payload_is_decoded_once_on_first_access() -> None:
    job = jobs({"x": [1, 2]})[0]
    assert job.payload == {"x": [1, 2]}
    assert job.payload is job.payload


def test_handlers_are_found_in_both_forms_from_a_file_path() -> None:
    found = {h.job_type: h for h in find_handlers(load_module(str(HANDLERS / "edge_cases.py")))}
    assert found["echo"].max_batch_size == 1
    assert found["per_job_error"].max_batch_size == 8


def test_a_module_without_handlers_is_a_config_error_that_says_what_to_do() -> None:
    with pytest.raises(ConfigError, match="no handlers found; define a ferry_worker.Handler"):
        find_handlers(load_module("json"))


def test_a_missing_handler_file_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_module("/nonexistent/handlers.py")


class RaisesOnBad(ferry_worker.Handler):
    """Raises for the whole batch when any job in it is "bad", naming that job."""

    job_type = "t"
    max_batch_size = 8

    def handle(self, batch: list[Job]) -> list[Any]:
        for job in batch:
            if job.payload == "bad":
                raise ValueError(f"cannot read job {job.id}")
        return [job.payload for job in batch]


def test_a_raising_batch_is_run_again_one_job_at_a_time_so_only_the_raiser_fails() -> None:
    entered: list[list[str]] = []
    results = run_batch(RaisesOnBad(), jobs("a", "bad", "c"), "w",
                        lambda batch: entered.append([j.id for j in batch]))
    assert [r["ok"] for r in results] == [True, False, True]
    assert [msgpack.unpackb(results[i]["result"]) for i in (0, 2)] == ["a", "c"]
    assert results[1]["error"]["code"] == "HANDLER_ERROR"
    assert "ValueError: cannot read job j1" in results[1]["error"]["traceback"]
    assert entered == [["j0", "j1", "j2"], ["j0"], ["j1"], ["j2"]]


def test_a_retry_raised_for_a_batch_is_not_split() -> None:
    entered: list[list[str]] = []
    results = run_batch(Batch(raises=Retry(300)), jobs(1, 2), "w",
                        lambda batch: entered.append([j.id for j in batch]))
    assert [r["error"]["code"] for r in results] == ["RETRY", "RETRY"]
    assert entered == [["j0", "j1"]]


def test_a_function_handler_enters_the_handler_one_job_at_a_time() -> None:
    @ferry_worker.handler("t", max_batch_size=4)
    def double(job: Job) -> Any:
        return job.payload * 2

    entered: list[list[str]] = []
    results = run_batch(double, jobs(1, 2), "w", lambda batch: entered.append([j.id for j in batch]))
    assert [msgpack.unpackb(r["result"]) for r in results] == [2, 4]
    assert entered == [["j0"], ["j1"]]


def test_the_decorator_takes_the_batching_to_announce() -> None:
    @ferry_worker.handler("t", max_batch_size=16, max_delay_ms=5)
    def tag(job: Job) -> Any:
        return job.payload

    assert (tag.max_batch_size, tag.max_delay_ms) == (16, 5)


def test_a_handler_that_sets_no_delay_announces_none() -> None:
    assert Batch().max_delay_ms is None


@pytest.mark.parametrize("delay", [-1, 2.5, "5", True])
def test_a_max_delay_that_is_not_a_whole_number_of_ms_is_a_config_error(delay: Any) -> None:
    module = ModuleType("delays")
    module.h = ferry_worker.handler("t", max_delay_ms=delay)(lambda job: job.payload)
    with pytest.raises(ConfigError, match=f"handler for 't': max_delay_ms must be None or an int "
                                          f">= 0, got {delay!r}"):
        find_handlers(module)


def test_two_function_handlers_for_one_job_type_are_a_config_error_naming_both() -> None:
    module = ModuleType("twice")
    module.first = ferry_worker.handler("t")(lambda job: 1)
    module.second = ferry_worker.handler("t")(lambda job: 2)
    with pytest.raises(ConfigError, match="handler module twice: two handlers serve job type "
                                          "'t': first and second; keep one"):
        find_handlers(module)


def test_one_handler_bound_to_two_names_is_found_once() -> None:
    module = ModuleType("aliased")
    module.Batch = Batch
    module.BatchAlias = Batch
    module.fn = module.fn_alias = ferry_worker.handler("u")(lambda job: 1)
    found = find_handlers(module)
    assert sorted(h.job_type for h in found) == ["t", "u"]
