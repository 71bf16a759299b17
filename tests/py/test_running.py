"""The running board: what a worker process has inside its handler, read by its supervisor."""

from __future__ import annotations

import struct
import time

import pytest

from ferry_worker.running import REGION_BYTES, RunningBoard


@pytest.fixture
def boards():
    """The supervisor's board and the worker's, on one real memfd region."""
    supervisor, fd = RunningBoard.create()
    worker = RunningBoard.attach(fd)
    yield supervisor, worker
    worker.close()
    supervisor.close()


def test_the_supervisor_reads_the_keys_and_deadline_the_worker_entered(boards) -> None:
    supervisor, worker = boards
    deadline = time.monotonic() + 2.0
    worker.enter(["client\x1fjob-1", "client\x1fjöb-2"], deadline)
    assert supervisor.running_after_death() == ["client\x1fjob-1", "client\x1fjöb-2"]
    assert supervisor.deadline() == deadline


def test_after_leaving_the_worker_is_running_nothing(boards) -> None:
    supervisor, worker = boards
    worker.enter(["a"], time.monotonic() + 1.0)
    worker.leave()
    assert supervisor.running_after_death() == []
    assert supervisor.deadline() == 0.0


def test_a_worker_killed_mid_write_is_read_as_running_nothing(boards) -> None:
    supervisor, worker = boards
    worker.enter(["a", "b"], time.monotonic() + 1.0)
    region = worker._region  # what a kill between the first and last store leaves behind
    struct.pack_into("=I", region, 0, struct.unpack_from("=I", region, 0)[0] + 1)
    assert supervisor.running_after_death() == []
    assert supervisor.deadline() == 0.0


def test_keys_that_do_not_fit_are_reported_as_unknown(boards) -> None:
    supervisor, worker = boards
    worker.enter(["k" * 1000] * (REGION_BYTES // 1000), 0.0)
    assert supervisor.running_after_death() is None
