"""A job type no worker serves is never a silent wait: `ferry run` refuses it once its pools are
up, and `ferry submit` and `ferry status` say which type waits and for how long."""

from __future__ import annotations

import json
import os
import pathlib
import re
import signal
import subprocess
import sys

import pytest

from conftest import REPO, pipeline_yaml, write_jobs
from processes import stop_gracefully, wait_for

HANDLERS = pathlib.Path(__file__).resolve().parent / "handlers"


def test_run_refuses_a_type_its_pools_do_not_serve_naming_the_served_ones(
        run_ferry, tmp_path: pathlib.Path) -> None:
    (tmp_path / "p.yaml").write_text(pipeline_yaml("ferry_worker.examples.echo", "ehco.batch"))
    write_jobs(tmp_path / "jobs.jsonl", 10)
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl", timeout=60)
    assert done.returncode == 2, done.stderr
    assert "no worker serves job type 'ehco.batch'" in done.stderr
    assert "echo, echo.batch" in done.stderr
    assert not (tmp_path / "out.jsonl").exists()
    assert not (tmp_path / "out.jsonl.ferry-client").exists()


def test_run_says_what_it_waits_for_while_a_pool_sets_up(run_ferry, tmp_path: pathlib.Path) -> None:
    (tmp_path / "slow_setup.py").write_text(
        "import time\nimport ferry_worker\n\n\n"
        "class Slow(ferry_worker.Handler):\n    job_type = 'echo.batch'\n\n"
        "    def setup(self, config):\n        time.sleep(2.5)\n\n"
        "    def handle(self, jobs):\n        return [job.payload for job in jobs]\n")
    (tmp_path / "p.yaml").write_text(pipeline_yaml("slow_setup.py", "echo.batch"))
    write_jobs(tmp_path / "jobs.jsonl", 10)
    done = run_ferry("run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl", timeout=60)
    assert done.returncode == 0, done.stderr
    assert re.search(r"waiting for worker pool .*slow_setup\.py", done.stderr), done.stderr


@pytest.fixture
def broker_and_echo_pool(ferry_bin, tmp_path: pathlib.Path):
    (tmp_path / "p.yaml").write_text(
        'broker: {producers_endpoint: "tcp://127.0.0.1:0", workers_endpoint: "tcp://127.0.0.1:0", '
        "heartbeat_ms: 200}\ninput: {type: nope}\nproducer: {progress_interval_s: 1}\n")
    env = dict(os.environ, PYTHONPATH=str(REPO / "py_workers"))
    broker = subprocess.Popen([str(ferry_bin), "broker", "p.yaml"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    pool = None
    try:
        match = re.match(r"ferry broker: producers=(\S+) workers=(\S+)", broker.stdout.readline())
        assert match, "ferry broker did not print its endpoints"
        producers, workers = match.groups()
        pool = subprocess.Popen([sys.executable, "-m", "ferry_worker", "--broker", workers,
                                 "--handlers", "ferry_worker.examples.echo", "--log-level",
                                 "WARNING"], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL)
        yield producers, env
    finally:
        stop_gracefully([pool, broker])


def test_submit_and_status_show_a_type_no_worker_serves(
        ferry_bin, broker_and_echo_pool, tmp_path: pathlib.Path) -> None:
    producers, env = broker_and_echo_pool
    write_jobs(tmp_path / "jobs.jsonl", 30)
    log = (tmp_path / "submit.log").open("w")
    submit = subprocess.Popen([str(ferry_bin), "submit", "p.yaml", "--broker", producers,
                               "--input", "jobs.jsonl", "--output", "out.jsonl"], cwd=tmp_path,
                              env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_for(lambda: "no worker serves nope" in (tmp_path / "submit.log").read_text(), 30,
                 "the progress line to name the unserved type")

        def status(*flags: str) -> str:
            done = subprocess.run([str(ferry_bin), "status", "--broker", producers, *flags],
                                  capture_output=True, text=True, timeout=30)
            assert done.returncode == 0, done.stderr
            return done.stdout

        unserved = json.loads(status("--json"))["unserved"]
        assert [(u["type"], u["queued"]) for u in unserved] == [("nope", 30)]
        assert unserved[0]["seconds"] >= 0
        assert re.search(r"nope\s+30 queued, no worker for \d+ s", status())
    finally:
        submit.send_signal(signal.SIGINT)
        assert submit.wait(timeout=30) == 130
        log.close()


def test_ctrl_c_while_a_pool_sets_up_ends_the_run_with_130_and_no_output(
        ferry_bin, tmp_path: pathlib.Path) -> None:
    (tmp_path / "stuck_setup.py").write_text(
        "import time\nimport ferry_worker\n\n\n"
        "class Stuck(ferry_worker.Handler):\n    job_type = 'echo.batch'\n\n"
        "    def setup(self, config):\n        time.sleep(600)\n\n"
        "    def handle(self, jobs):\n        return [job.payload for job in jobs]\n")
    (tmp_path / "p.yaml").write_text(pipeline_yaml("stuck_setup.py", "echo.batch"))
    write_jobs(tmp_path / "jobs.jsonl", 10)
    env = dict(os.environ, PYTHONPATH=str(REPO / "py_workers"))
    log = (tmp_path / "run.log").open("w")
    run = subprocess.Popen([str(ferry_bin), "run", "p.yaml", "--input", "jobs.jsonl", "--output",
                            "out.jsonl"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                           stderr=log)
    try:
        wait_for(lambda: "waiting for worker pool" in (tmp_path / "run.log").read_text(), 30,
                 "the run to say it waits for the pool")
        run.send_signal(signal.SIGINT)
        assert run.wait(timeout=30) == 130
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        log.close()
    assert "interrupted while waiting for the worker pools" in (tmp_path / "run.log").read_text()
    assert not (tmp_path / "out.jsonl").exists()
    assert not (tmp_path / "out.jsonl.ferry-client").exists()
