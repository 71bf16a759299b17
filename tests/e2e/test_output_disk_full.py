"""An output disk that fills up mid-run: `ferry run` stops saying what happened and what to do, keeps
every whole record it wrote, and the same command with --resume completes the rest once there is
room (a real tmpfs, grown by remounting)."""

from __future__ import annotations

import pathlib
import subprocess

import pytest

from conftest import pipeline_yaml, read_output, write_jobs


@pytest.fixture
def small_disk(tmp_path: pathlib.Path):
    """A 256 KiB tmpfs, unmounted afterwards (needs root, which CI has)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs",
                              str(mount_point)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}): needs root")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_output_disk_stops_the_run_and_resume_completes_it_once_there_is_room(
        run_ferry, small_disk: pathlib.Path, tmp_path: pathlib.Path) -> None:
    (tmp_path / "p.yaml").write_text(pipeline_yaml("ferry_worker.examples.echo", "echo.batch"))
    ids = write_jobs(tmp_path / "jobs.jsonl", 6000)  # about 900 KiB of output records
    output = small_disk / "out.jsonl"
    args = ("run", "p.yaml", "--input", "jobs.jsonl", "--output", str(output))

    full = run_ferry(*args, timeout=180)
    assert full.returncode == 4, full.stderr  # the output could not be written
    assert "No space left on device" in full.stderr and str(output) in full.stderr
    assert "--resume" in full.stderr, full.stderr
    assert output.stat().st_size > 0

    grown = subprocess.run(["mount", "-o", "remount,size=16m", str(small_disk)],
                           capture_output=True, text=True)
    assert grown.returncode == 0, grown.stderr
    resumed = run_ferry(*args, "--resume", timeout=180)
    assert resumed.returncode == 0, resumed.stderr
    records = read_output(output)
    assert sorted(r["id"] for r in records) == sorted(ids)
    assert all(r["status"] == "ok" for r in records)
