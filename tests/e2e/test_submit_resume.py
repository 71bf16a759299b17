"""A `ferry submit` killed at any moment resumes against a running broker with every id once.

The broker keeps each outcome until the producer acknowledges that it wrote it, so outcomes
that were on their way to a killed producer come back to the resumed run when it submits those
ids again. A client name belongs to one live producer at a time.
"""

from __future__ import annotations

import pathlib
import random
import signal
import subprocess

import pytest

from broker_service import (JOBS, Service, assert_each_id_once, kill_when_written,
                            service_factory, write_slow_jobs)
from processes import line_count, wait_for


@pytest.fixture
def service(ferry_bin, tmp_path: pathlib.Path):
    yield from service_factory(ferry_bin, tmp_path)


@pytest.mark.parametrize("order,window", [("input", 2000), ("completion", 2000), ("input", 64),
                                          ("completion", 64)])
def test_a_submit_killed_mid_run_resumes_with_every_id_exactly_once(
        service, tmp_path: pathlib.Path, order: str, window: int) -> None:
    svc = service()
    svc.config.write_text(svc.config.read_text() +
                          f"output: {{order: {order}}}\nproducer: {{window: {window}}}\n")
    svc.start_broker()
    svc.start_pool()
    ids = write_slow_jobs(tmp_path / "jobs.jsonl")
    kill_when_written(svc.submit(wait=False), tmp_path / "out.jsonl", JOBS * 2 // 5)
    resumed = svc.submit("--resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert_each_id_once(tmp_path / "out.jsonl", ids)
    assert not (tmp_path / "out.jsonl.ferry-client").exists()
    status = svc.status()
    assert status["outcomes_kept"] == 0  # every outcome acknowledged, or dropped at the finish
    assert status["accepted"] == JOBS    # nothing ran twice


def test_a_submit_killed_four_times_at_random_moments_still_writes_every_id_once(
        service, tmp_path: pathlib.Path) -> None:
    svc = service("  journal: {path: journal, fsync: interval_ms, interval_ms: 10}")
    svc.config.write_text(svc.config.read_text() + "producer: {heartbeat_ms: 200, window: 300}\n")
    svc.start_broker()
    svc.start_pool()
    ids = write_slow_jobs(tmp_path / "jobs.jsonl", 1500, ms=3)
    out = tmp_path / "out.jsonl"
    rng = random.Random(12)
    for kill in range(4):
        proc = svc.submit(*(["--resume"] if kill else []), wait=False)
        kill_when_written(proc, out, line_count(out) + rng.randint(50, 300))
    resumed = svc.submit("--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert_each_id_once(out, ids)
    status = svc.status()
    assert status["outcomes_kept"] == 0 and status["accepted"] == 1500


def test_a_submit_and_the_journaled_broker_both_killed_resume_with_every_id_once(
        service, tmp_path: pathlib.Path) -> None:
    svc = service("  journal: {path: journal, fsync: interval_ms, interval_ms: 10}")
    svc.start_broker()
    svc.start_pool()
    ids = write_slow_jobs(tmp_path / "jobs.jsonl")
    kill_when_written(svc.submit(wait=False), tmp_path / "out.jsonl", JOBS * 2 // 5)
    wait_for(lambda: svc.status()["outcomes_kept"] > 0, 60, "outcomes kept for the dead producer")
    svc.broker.send_signal(signal.SIGKILL)
    svc.broker.wait()
    svc.start_broker()
    resumed = svc.submit("--resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert_each_id_once(tmp_path / "out.jsonl", ids)
    assert svc.status()["outcomes_kept"] == 0


def test_a_second_live_producer_with_the_same_client_name_is_refused_and_steals_nothing(
        service, tmp_path: pathlib.Path) -> None:
    svc = service()
    svc.config.write_text(svc.config.read_text() + "producer: {client: shared-name}\n")
    svc.start_broker()
    svc.start_pool()
    ids = write_slow_jobs(tmp_path / "jobs.jsonl", 600, ms=20)  # about 6 s of work
    first = svc.submit(wait=False)
    wait_for(lambda: line_count(tmp_path / "out.jsonl") >= 50, 60, "the first run to make progress")
    second = svc.submit(output="other.jsonl")
    assert second.returncode == 2, second.stderr
    assert "shared-name" in second.stderr and "in use" in second.stderr
    assert first.wait(timeout=120) == 0, first.stderr.read()
    assert_each_id_once(tmp_path / "out.jsonl", ids)
    assert line_count(tmp_path / "other.jsonl") == 0


def test_a_second_broker_on_the_same_journal_directory_exits_2_naming_it_and_its_owner(
        service, tmp_path: pathlib.Path) -> None:
    first = service("  journal: {path: journal}")
    first.start_broker()
    (tmp_path / "again").mkdir()
    second = Service(first.ferry_bin, tmp_path / "again", "  journal: {path: ../journal}")
    refused = subprocess.run([str(second.ferry_bin), "broker", str(second.config)],
                             cwd=second.dir, env=second.env, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 2, refused.stderr
    assert "journal" in refused.stderr and str(first.broker.pid) in refused.stderr
    assert first.broker.poll() is None  # the owner is untouched
