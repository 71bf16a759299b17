"""The native worker's test rig: a `ferry broker` on OS-picked loopback ports, native pools
(`ferry worker`), `ferry submit` runs against it, worker files and the digits model."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
from typing import Optional

from conftest import REPO, read_output
from processes import stop_gracefully, wait_for, worker_processes
from test_digits_pipeline import run_script

DIGITS_WORKER = REPO / "config" / "digits-worker.yaml"
REGISTERED = "registered with broker"


def digits_model_dir(tmp_path_factory) -> pathlib.Path:
    """The digits MLP as ONNX (examples/digits/train.py), trained once per session."""
    models = tmp_path_factory.getbasetemp() / "native-digits-models"
    if not (models / "digits-mlp.onnx").exists():
        run_script("train.py", "--model-dir", str(models))
    return models


def digits_jobs(directory: pathlib.Path, count: int) -> list[dict]:
    """`count` held-out digit records from examples/digits/make_input.py, each with its "label"."""
    path = directory / f"digits-{count}.jsonl"
    run_script("make_input.py", "--count", str(count), "--output", str(path))
    return read_output(path)


def write_jobs(path: pathlib.Path, records: list[dict]) -> list[str]:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return [r["id"] for r in records]


def model_entry(job_type: str, model: pathlib.Path, inputs: str, outputs: str,
                max_batch: int = 64, max_delay_ms: int = 2) -> str:
    """One `models:` entry of a worker file; `inputs` and `outputs` are flow-style YAML lists."""
    return (f"  - type: {job_type}\n    model: {model}\n    max_batch: {max_batch}\n"
            f"    max_delay_ms: {max_delay_ms}\n    inputs: {inputs}\n    outputs: {outputs}\n")


def write_worker_file(path: pathlib.Path, *models: str, processes: int = 1,
                      heartbeat_ms: int = 200) -> pathlib.Path:
    path.write_text(f"processes: {processes}\nheartbeat_ms: {heartbeat_ms}\nmodels:\n"
                    + "".join(models))
    return path


class NativeBroker:
    """`ferry broker` with the given `job_types`, its native pools and the submits against it."""

    def __init__(self, ferry_bin: pathlib.Path, tmp: pathlib.Path, job_types: str,
                 heartbeat_ms: int = 200) -> None:
        self.ferry_bin, self.dir = ferry_bin, tmp
        self.env = dict(os.environ, PYTHONPATH=str(REPO / "py_workers"))
        self.env.pop("FERRY_NATIVE_FAULT", None)
        self.sections = (f"broker: {{producers_endpoint: 'tcp://127.0.0.1:0', "
                         f"workers_endpoint: 'tcp://127.0.0.1:0', heartbeat_ms: {heartbeat_ms}}}\n"
                         f"job_types: {job_types}\n")
        self.producers = self.workers = ""
        self.broker: Optional[subprocess.Popen] = None
        self.pools: list[subprocess.Popen] = []
        self.procs: list[subprocess.Popen] = []

    def start(self) -> "NativeBroker":
        config = self.dir / "broker.yaml"
        config.write_text(self.sections)
        with (self.dir / "broker.log").open("w") as log:
            self.broker = subprocess.Popen([str(self.ferry_bin), "broker", str(config)],
                                           cwd=self.dir, env=self.env, stdout=subprocess.PIPE,
                                           stderr=log, text=True)
        self.procs.append(self.broker)
        line = self.broker.stdout.readline()  # printed once both sockets are bound
        match = re.match(r"ferry broker: producers=(\S+) workers=(\S+)", line)
        assert match, f"unexpected first line from ferry broker: {line!r}"
        self.producers, self.workers = match.groups()
        return self

    def pool(self, config: pathlib.Path, *args: str, fault: str = "", log_level: str = "",
             model_dir: Optional[pathlib.Path] = None) -> subprocess.Popen:
        """`ferry worker` on `config`; its stderr goes to pool-N.log (see log_of)."""
        levels = ["--log-level", log_level] if log_level else []
        env = dict(self.env)
        if fault:
            env["FERRY_NATIVE_FAULT"] = fault
        if model_dir is not None:
            env["FERRY_MODEL_DIR"] = str(model_dir)
        with self.log_path(len(self.pools)).open("w") as log:
            proc = subprocess.Popen([str(self.ferry_bin), *levels, "worker", "--broker",
                                     self.workers, "--config", str(config), *args], cwd=self.dir,
                                    env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.pools.append(proc)
        self.procs.append(proc)
        return proc

    def log_path(self, index: int) -> pathlib.Path:
        return self.dir / f"pool-{index}.log"

    def log_of(self, pool: subprocess.Popen) -> str:
        return self.log_path(self.pools.index(pool)).read_text()

    def wait_registered(self, pool: subprocess.Popen, processes: int) -> list[int]:
        """Waits until `processes` worker processes of the pool have registered; their pids."""
        wait_for(lambda: self.log_of(pool).count(REGISTERED) >= processes
                 or pool.poll() is not None, 30, f"{processes} native worker processes to register")
        assert pool.poll() is None, self.log_of(pool)
        return worker_processes(pool.pid)

    def submit_command(self, job_type: str, records: list[dict], arrays: str = "",
                       output: str = "out.jsonl") -> list[str]:
        """Writes the jobs and a pipeline file for them; the `ferry submit` command line.
        `arrays` is the pipeline's input.arrays mapping, e.g. "{pixels: uint8}"."""
        stem = pathlib.Path(output).stem
        write_jobs(self.dir / f"{stem}-jobs.jsonl", records)
        config = self.dir / f"{stem}.yaml"
        array_key = f", arrays: {arrays}" if arrays else ""
        config.write_text(self.sections + f"input: {{type: {job_type}{array_key}}}\n"
                          "producer: {window: 2000, progress_interval_s: 1}\n")
        return [str(self.ferry_bin), "submit", str(config), "--broker", self.producers,
                "--input", f"{stem}-jobs.jsonl", "--output", output]

    def submit(self, job_type: str, records: list[dict], arrays: str = "",
               output: str = "out.jsonl", timeout: float = 60) -> tuple[int, list[dict], str]:
        """`ferry submit` of `records` as `job_type` jobs: (exit code, output records, stderr)."""
        done = subprocess.run(self.submit_command(job_type, records, arrays, output), cwd=self.dir,
                              env=self.env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        out = self.dir / output
        return done.returncode, read_output(out) if out.exists() else [], done.stderr

    def start_submit(self, job_type: str, records: list[dict], arrays: str = "",
                     output: str = "out.jsonl") -> subprocess.Popen:
        """`ferry submit` left running (stopped with the rest); its stderr in <output stem>.log."""
        with (self.dir / f"{pathlib.Path(output).stem}.log").open("w") as log:
            proc = subprocess.Popen(self.submit_command(job_type, records, arrays, output),
                                    cwd=self.dir, env=self.env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=log)
        self.procs.append(proc)
        return proc

    def status(self) -> dict:
        done = subprocess.run([str(self.ferry_bin), "status", "--broker", self.producers,
                               "--json"], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def stop(self) -> None:
        stop_gracefully(list(reversed(self.procs)))


def native_broker_factory(ferry_bin, tmp_path: pathlib.Path):
    """Yields make(job_types) -> a started NativeBroker; every one is stopped at the end."""
    started: list[NativeBroker] = []

    def make(job_types: str, heartbeat_ms: int = 200) -> NativeBroker:
        rig = NativeBroker(ferry_bin, tmp_path, job_types, heartbeat_ms)
        started.append(rig)
        return rig.start()

    yield make
    for rig in started:
        rig.stop()
