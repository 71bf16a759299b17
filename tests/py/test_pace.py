"""Where a handler runs and how much credit a worker asks for, from measured times alone."""

from __future__ import annotations

import msgpack

from ferry_worker.codec import decode, header
from ferry_worker.pace import BACK_TO_THREAD_S, CAP_BATCHES, MAX_GAP_S, TRIAL_CALLS, Credit, Pace
from ferry_worker.protocol import Command


def test_a_handler_goes_inline_after_fast_trial_calls_and_back_after_one_slow_call() -> None:
    pace = Pace()
    switches = [pace.record(0.0001) for _ in range(TRIAL_CALLS)]
    assert switches == [None] * (TRIAL_CALLS - 1) + ["inline"] and pace.inline
    assert pace.record(BACK_TO_THREAD_S * 2) == "thread" and not pace.inline
    assert pace.calls == 0  # a new trial before it may go inline again


def test_a_handler_whose_calls_average_above_the_threshold_stays_on_its_thread() -> None:
    pace = Pace()
    assert [pace.record(0.005) for _ in range(3 * TRIAL_CALLS)] == [None] * (3 * TRIAL_CALLS)
    assert not pace.inline


def test_forced_modes_never_switch() -> None:
    always, never = Pace("always"), Pace("never")
    assert always.inline and always.record(10.0) is None and always.inline
    assert not never.inline and [never.record(0.0) for _ in range(20)] == [None] * 20


def test_credit_covers_twice_the_measured_gap_at_the_measured_speed() -> None:
    credit = Credit(floor=2, largest_batch=1, configured_cap=256)
    credit.add_call(0.0001, 1)  # 100 us a job
    credit.add_gap(0.001)  # 1 ms from RESULTS to the next JOBS
    assert credit.raise_by() == 20 - 2 and credit.target == 20
    assert credit.raise_by() == 0  # nothing more until the measurements change


def test_credit_stays_under_64_batches_and_under_the_configured_cap() -> None:
    credit = Credit(floor=2, largest_batch=1, configured_cap=256)
    credit.add_call(0.000001, 1)
    credit.add_gap(10.0)  # an idle broker: counted as MAX_GAP_S at most
    assert credit.gap_s == MAX_GAP_S
    credit.raise_by()
    assert credit.target == CAP_BATCHES * 1
    capped = Credit(floor=16, largest_batch=8, configured_cap=40)
    capped.add_call(0.000001, 8)
    capped.add_gap(0.01)
    capped.raise_by()
    assert capped.target == 40


def test_a_configured_cap_of_zero_keeps_the_credit_at_its_floor() -> None:
    credit = Credit(floor=4, largest_batch=2, configured_cap=0)
    credit.add_call(0.000001, 1)
    credit.add_gap(0.01)
    assert credit.raise_by() == 0 and credit.target == 4


def jobs_frames(*records: dict) -> list[bytes]:
    return [header(Command.JOBS), msgpack.packb({"jobs": list(records)}, use_bin_type=True)]


def test_a_job_with_an_unknown_field_or_a_nil_limit_decodes_as_the_general_checker_says() -> None:
    base = {"id": "a", "type": "t", "payload": b"\x01", "attempt": 1}
    extra = decode(jobs_frames(dict(base, note="x"))).body["jobs"][0]
    nil = decode(jobs_frames(dict(base, timeout_ms=None))).body["jobs"][0]
    plain = decode(jobs_frames(dict(base, timeout_ms=5))).body["jobs"][0]
    assert extra == base and nil == base and plain == dict(base, timeout_ms=5)
