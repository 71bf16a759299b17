"""`ferry serve` end to end: scheduled runs, commands, refusals at start-up, crashes and resume.

Schedules here use `every: 1s`/`2s`, so nominal times come in real time; the tests wait for the
run records they expect (an event), never for a fixed time. The scheduler's policies are covered
with an injected clock in tests/cpp/schedule/.
"""

from __future__ import annotations

import json
import pathlib
import random
import subprocess
import time

import pytest

from conftest import read_output
from processes import line_count, wait_for
from serve_service import HANDLERS, Serve, serve_factory

JOBS = 40


@pytest.fixture
def serve(ferry_bin, tmp_path: pathlib.Path):
    yield from serve_factory(ferry_bin, tmp_path)


def write_jobs(path: pathlib.Path, count: int = JOBS, ms: int = 5) -> list[str]:
    ids = [f"j{i:03d}" for i in range(count)]
    path.write_text("".join(json.dumps({"id": i, "payload": {"ms": ms}}) + "\n" for i in ids))
    return ids


def pipeline(schedule: str, output: str = "out/{run_id}.jsonl", input_path: str = "../jobs.jsonl",
             extra: str = "") -> str:
    return f"""
schedule: {{{schedule}}}
input: {{path: "{input_path}", type: test.sleep}}
output: {{path: "{output}"}}
producer: {{heartbeat_ms: 200}}
{extra}"""


def assert_output_exact(svc: Serve, run: dict, ids: list[str]) -> None:
    records = read_output(pathlib.Path(run["output"]))
    written = [r["id"] for r in records]
    assert sorted(written) == sorted(ids), (run["run_id"], len(written), len(set(written)))
    assert all(r["status"] == "ok" for r in records)


def test_an_every_schedule_fires_runs_whose_outputs_hold_every_record(serve, tmp_path) -> None:
    ids = write_jobs(tmp_path / "jobs.jsonl")
    svc = serve()
    svc.pipeline("tick", pipeline("every: 1s"))
    svc.start()
    runs = svc.wait_runs(lambda rs: sum(r["state"] == "succeeded" for r in rs) >= 3, 60,
                         "three succeeded runs")
    succeeded = [r for r in runs if r["state"] == "succeeded"]
    for run in succeeded:
        assert run["run_id"].startswith("tick@") and run["reason"] in ("scheduled", "catchup")
        assert (run["ok"], run["failed"], run["total"]) == (JOBS, 0, JOBS)
        assert_output_exact(svc, run, ids)
    nominals = [r["nominal"] for r in runs]
    assert len(nominals) == len(set(nominals))  # one record per nominal time


def test_trigger_pause_resume_and_backfill_answer_through_the_broker(serve, tmp_path) -> None:
    ids = write_jobs(tmp_path / "jobs.jsonl", 5)
    svc = serve()
    svc.pipeline("manual", pipeline("cron: \"0 3 * * *\", timezone: Europe/Berlin"))
    svc.start()
    done = svc.command("trigger", "manual", "--at", "2026-01-01T00:00:00Z")
    assert done.returncode == 0, done.stderr
    assert "manual@20260101T000000Z" in done.stdout
    again = svc.command("trigger", "manual", "--at", "2026-01-01T00:00:00Z")
    assert again.returncode == 2 and "manual@20260101T000000Z" in again.stderr
    runs = svc.wait_runs(lambda rs: any(r["state"] == "succeeded" for r in rs), 60, "the trigger")
    assert_output_exact(svc, runs[0], ids)
    dry = svc.command("backfill", "manual", "--from", "2026-02-01T00:00:00Z", "--to",
                      "2026-02-03T23:59:59Z", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["nominal"] == ["2026-02-01T02:00:00Z", "2026-02-02T02:00:00Z",
                                                 "2026-02-03T02:00:00Z"]  # 03:00 in Berlin
    assert len(svc.runs()) == 1
    assert svc.command("backfill", "manual", "--from", "2026-02-01T00:00:00Z", "--to",
                       "2026-02-02T23:59:59Z").returncode == 0
    svc.wait_runs(lambda rs: sum(r["state"] == "succeeded" for r in rs) == 3, 60, "backfill")
    huge = svc.command("backfill", "manual", "--from", "2000-01-01T00:00:00Z", "--to",
                       "2099-01-01T00:00:00Z")
    assert huge.returncode == 2 and "backfill at most 10000 at once" in huge.stderr
    assert svc.command("pause", "manual").returncode == 0
    listed = json.loads(svc.command("runs", "manual", "--json").stdout)["pipelines"][0]
    assert listed["paused"] is True
    assert svc.command("resume", "manual").returncode == 0
    unknown = svc.command("pause", "nightly")
    assert unknown.returncode == 2 and "no pipeline named 'nightly'" in unknown.stderr


def test_a_missing_input_fails_the_run_with_its_cause_unless_waited_for(serve, tmp_path) -> None:
    svc = serve()
    svc.pipeline("late", pipeline("cron: \"0 0 1 1 *\"", input_path="../in/{date}.jsonl",
                                  output="out/late-{date}.jsonl"))
    svc.pipeline("waits", pipeline("cron: \"0 0 1 1 *\"", input_path="../in/w-{date}.jsonl",
                                   output="out/waits-{date}.jsonl").replace(
        "type: test.sleep}", "type: test.sleep, wait: 2m}"))
    svc.start()
    assert svc.command("trigger", "late", "--at", "2026-03-04T00:00:00Z").returncode == 0
    runs = svc.wait_runs(lambda rs: any(r["state"] == "failed" for r in rs), 60, "failed run")
    assert "in/2026-03-04.jsonl does not exist" in runs[0]["message"]
    assert svc.command("trigger", "waits", "--at", "2026-03-05T00:00:00Z").returncode == 0
    wait_for(lambda: any(r["state"] == "running" for r in svc.runs("waits")), 30, "running")
    (tmp_path / "in").mkdir(exist_ok=True)
    ids = write_jobs(tmp_path / "in" / "w-2026-03-05.jsonl", 3)
    runs = svc.wait_runs(lambda rs: any(r["state"] == "succeeded" for r in rs), 60, "waited run")
    [run] = [r for r in runs if r["state"] == "succeeded"]
    assert run["output"].endswith("out/waits-2026-03-05.jsonl")
    assert_output_exact(svc, run, ids)


@pytest.mark.parametrize("pipelines,expected", [
    ({"a": pipeline("cron: \"0 2 * * * *\"")}, "6 fields"),
    ({"a": pipeline("cron: \"0 2 31 * MON-FRY\"")}, "day-of-week"),
    ({"a": pipeline("cron: \"0 2 * * *\", timezone: America/New_Yrok")}, "America/New_York"),
    ({"a": pipeline("every: 5m", output="out/a.jsonl")}, "the same for every run"),
    ({"a": pipeline("every: 5m"), "b": pipeline("every: 5m")}, "two pipelines would write one file"),
    ({"a": pipeline("every: 5m", input_path="-")}, "needs input.path"),
    ({"a b": pipeline("every: 5m", output="out/{run_id}-ab.jsonl")}, "may hold only letters"),
])
def test_a_bad_service_is_refused_at_start_with_its_place(serve, tmp_path, pipelines, expected) -> None:
    svc = serve()
    for name, text in pipelines.items():
        svc.pipeline(name, text)
    done = subprocess.run([str(svc.ferry_bin), "serve", str(svc.service)], cwd=tmp_path,
                          env=svc.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr
    assert ".yaml:" in done.stderr or "pipelines" in done.stderr


def test_a_second_service_on_one_state_directory_is_refused(serve, tmp_path) -> None:
    write_jobs(tmp_path / "jobs.jsonl")
    svc = serve()
    svc.pipeline("tick", pipeline("every: 1h"))
    svc.start()
    second = Serve(svc.ferry_bin, tmp_path)  # same directory, other ports
    done = subprocess.run([str(svc.ferry_bin), "serve", str(second.service)], cwd=tmp_path,
                          env=svc.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "belongs to another running `ferry serve`" in done.stderr


def test_a_service_killed_five_times_keeps_one_run_per_nominal_time_and_exact_outputs(
        serve, tmp_path) -> None:
    ids = write_jobs(tmp_path / "jobs.jsonl", 60, ms=30)  # about a second of work a run
    svc = serve()
    svc.pipeline("tick", pipeline("every: 2s, misfire: run_all"))
    rng = random.Random(17)
    for _ in range(5):
        svc.start()
        wait_for(lambda: any(r["state"] == "running" for r in svc.runs()), 60, "a running run")
        time.sleep(rng.uniform(0.0, 1.5))  # a random moment in the run: what is being tested
        svc.kill()
    svc.start()
    runs = svc.wait_runs(
        lambda rs: len(rs) > 0 and not any(r["state"] in ("running", "pending") for r in rs)
        and sum(r["state"] == "succeeded" for r in rs) >= 3, 120, "every run ended")
    svc.stop()
    nominals = [r["nominal"] for r in runs]
    assert len(nominals) == len(set(nominals)), "a nominal time has two run records"
    assert {r["state"] for r in runs} <= {"succeeded", "skipped_overlap", "missed"}, runs
    for run in runs:
        if run["state"] == "succeeded":
            assert_output_exact(svc, run, ids)


def test_sigterm_lets_a_running_run_finish_within_the_grace_and_exits_0(serve, tmp_path) -> None:
    ids = write_jobs(tmp_path / "jobs.jsonl", 60, ms=30)
    svc = serve()
    svc.pipeline("slow", pipeline("cron: \"0 0 1 1 *\""))
    svc.start()
    assert svc.command("trigger", "slow").returncode == 0
    wait_for(lambda: any(r["state"] == "running" for r in svc.runs()), 30, "the run to start")
    svc.proc.terminate()
    assert svc.proc.wait(timeout=60) == 0
    svc.start()  # the history as the drained service left it
    [run] = svc.runs()
    assert run["state"] == "succeeded", run
    assert_output_exact(svc, run, ids)


def test_a_run_interrupted_past_the_grace_is_resumed_by_the_next_start(serve, tmp_path) -> None:
    ids = write_jobs(tmp_path / "jobs.jsonl", 200, ms=30)  # about 3 s of work
    svc = serve()
    svc.service.write_text(svc.service.read_text().replace("shutdown_grace_s: 5",
                                                           "shutdown_grace_s: 0"))
    svc.pipeline("slow", pipeline("cron: \"0 0 1 1 *\""))
    svc.start()
    assert svc.command("trigger", "slow").returncode == 0
    out_dir = tmp_path / "pipelines" / "out"
    wait_for(lambda: any(line_count(p) >= 20 for p in out_dir.glob("*.jsonl")), 60, "20 records")
    svc.proc.terminate()
    assert svc.proc.wait(timeout=60) == 0
    svc.start()
    assert [r["state"] for r in svc.runs()] in (["running"], ["succeeded"])
    [run] = svc.wait_runs(lambda rs: rs[0]["state"] == "succeeded", 60, "the resumed run")
    assert_output_exact(svc, run, ids)
