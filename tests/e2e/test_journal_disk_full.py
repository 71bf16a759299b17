"""A broker whose journal disk fills up stays up, refuses new jobs with a reason the producer shows,
restarts on the full disk, and finishes the run by itself once space returns (a real tmpfs)."""

from __future__ import annotations

import pathlib
import signal
import subprocess

import pytest

from broker_service import assert_each_id_once, service_factory, write_slow_jobs
from processes import wait_for


@pytest.fixture
def disk(tmp_path: pathlib.Path):
    """A 2 MiB tmpfs, unmounted afterwards (needs root, which CI has)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}): needs root")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


@pytest.fixture
def service(ferry_bin, tmp_path: pathlib.Path):
    yield from service_factory(ferry_bin, tmp_path)


def fill(path: pathlib.Path) -> None:
    with path.open("wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass


def test_a_full_journal_disk_pauses_submission_survives_a_restart_and_recovers(
        service, disk: pathlib.Path, tmp_path: pathlib.Path) -> None:
    svc = service(f"  journal: {{path: {disk / 'journal'}, segment_bytes: 262144}}")
    # A small window: the producer keeps submitting while the disk is full, so it meets refusals.
    svc.config.write_text(svc.config.read_text() +
                          "producer: {progress_interval_s: 1, window: 200, submit_batch: 50}\n")
    svc.start_broker()
    svc.start_pool()
    ids = write_slow_jobs(tmp_path / "jobs.jsonl", 3000, ms=1)
    fill(disk / "filler")
    log = tmp_path / "submit.err"
    with log.open("w") as err:
        submit = subprocess.Popen(
            [str(svc.ferry_bin), "submit", str(svc.config), "--broker", svc.producers, "--input",
             "jobs.jsonl", "--output", "out.jsonl"],
            cwd=tmp_path, env=svc.env, stdout=subprocess.DEVNULL, stderr=err)
    svc.procs.append(submit)
    wait_for(lambda: svc.status()["journal_full"], 60, "the broker to report its full disk")
    wait_for(lambda: "journal disk is full" in log.read_text(), 60,
             "the producer's progress line to say why it waits")

    svc.broker.send_signal(signal.SIGKILL)  # a restart on the full disk must work
    svc.broker.wait()
    svc.start_broker()
    assert svc.broker.poll() is None
    (disk / "filler").unlink()
    assert submit.wait(timeout=180) == 0, log.read_text()
    assert_each_id_once(tmp_path / "out.jsonl", ids)
    assert not svc.status()["journal_full"]
