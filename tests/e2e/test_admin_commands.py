"""The pipeline commands (runs, trigger, pause, resume, backfill) against a plain `ferry broker`."""

from __future__ import annotations

import pathlib
import subprocess
from typing import Iterator

import pytest

from broker_service import Service, free_port

COMMANDS = {
    "runs": ["runs"],
    "runs_one_pipeline": ["runs", "nightly", "--limit", "5", "--json"],
    "trigger": ["trigger", "nightly"],
    "trigger_at": ["trigger", "nightly", "--at", "2026-12-03T03:00:00+01:00"],
    "pause": ["pause", "nightly"],
    "resume": ["resume", "nightly"],
    "backfill": ["backfill", "nightly", "--from", "2026-12-01T00:00", "--to",
                 "2026-12-02T00:00Z", "--dry-run"],
}

FLAGS = {
    "runs": ["PIPELINE", "--limit", "--json", "--broker", "--timeout"],
    "trigger": ["PIPELINE", "--at", "--json", "--broker", "--timeout"],
    "pause": ["PIPELINE", "--json", "--broker", "--timeout"],
    "resume": ["PIPELINE", "--json", "--broker", "--timeout"],
    "backfill": ["PIPELINE", "--from", "--to", "--dry-run", "--json", "--broker", "--timeout"],
}


def ferry(ferry_bin: pathlib.Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ferry_bin), *args], capture_output=True, text=True, timeout=30)


@pytest.fixture
def plain_broker(ferry_bin: pathlib.Path, tmp_path: pathlib.Path) -> Iterator[Service]:
    service = Service(ferry_bin, tmp_path)
    service.start_broker()
    yield service
    service.stop()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_broker_without_a_scheduler_refuses_each_command_with_exit_2(
        ferry_bin: pathlib.Path, plain_broker: Service, name: str) -> None:
    done = ferry(ferry_bin, *COMMANDS[name], "--broker", plain_broker.producers)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith("ferry: this broker has no scheduler"), done.stderr
    assert "ferry serve" in done.stderr


def test_the_broker_still_answers_status_after_refusing_pipeline_commands(
        ferry_bin: pathlib.Path, plain_broker: Service) -> None:
    assert ferry(ferry_bin, "pause", "nightly", "--broker", plain_broker.producers).returncode == 2
    assert plain_broker.status()["malformed_messages"] == 0


@pytest.mark.parametrize("flag, args", [
    ("--at", ["trigger", "nightly", "--at", "2026-12-3T02:00"]),
    ("--at", ["trigger", "nightly", "--at", "tomorrow"]),
    ("--at", ["trigger", "nightly", "--at", "2026-02-30T02:00Z"]),
    ("--from", ["backfill", "nightly", "--from", "yesterday", "--to", "2026-12-02T00:00"]),
    ("--to", ["backfill", "nightly", "--from", "2026-12-01T00:00", "--to", "2026-12-02 00:00"]),
])
def test_a_bad_time_is_exit_2_naming_the_flag_and_the_expected_form(
        ferry_bin: pathlib.Path, flag: str, args: list[str]) -> None:
    # No broker is needed: the time is checked before anything is sent.
    done = ferry(ferry_bin, *args, "--broker", f"tcp://127.0.0.1:{free_port()}")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"ferry: {flag} '"), done.stderr
    assert "YYYY-MM-DDTHH:MM" in done.stderr and "2026-12-03T02:00:00Z" in done.stderr


def test_a_backfill_range_that_ends_before_it_starts_is_exit_2(ferry_bin: pathlib.Path) -> None:
    done = ferry(ferry_bin, "backfill", "nightly", "--from", "2026-12-02T00:00", "--to",
                 "2026-12-01T00:00", "--broker", f"tcp://127.0.0.1:{free_port()}")
    assert done.returncode == 2
    assert "before --from" in done.stderr


def test_no_answer_within_the_timeout_is_exit_1_naming_the_endpoint(
        ferry_bin: pathlib.Path) -> None:
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    done = ferry(ferry_bin, "runs", "--broker", endpoint, "--timeout", "0.3")
    assert done.returncode == 1
    assert f"no answer from the broker at {endpoint} within 0.3 s" in done.stderr


def test_a_bad_broker_endpoint_is_exit_2_naming_the_flag(ferry_bin: pathlib.Path) -> None:
    done = ferry(ferry_bin, "pause", "nightly", "--broker", "http://127.0.0.1:5555")
    assert done.returncode == 2
    assert "--broker" in done.stderr


@pytest.mark.parametrize("command", sorted(FLAGS))
def test_the_help_of_each_command_lists_its_flags(ferry_bin: pathlib.Path, command: str) -> None:
    done = ferry(ferry_bin, command, "--help")
    assert done.returncode == 0, done.stderr
    for flag in FLAGS[command]:
        assert flag in done.stdout, f"{command} --help lacks {flag}:\n{done.stdout}"


def test_a_command_without_its_pipeline_is_exit_2(ferry_bin: pathlib.Path) -> None:
    for command in ("trigger", "pause", "resume"):
        done = ferry(ferry_bin, command)
        assert done.returncode == 2
        assert "PIPELINE" in done.stderr
