"""The native worker (`ferry worker`, ONNX models through OpenCV DNN) against a real `ferry broker`,
jobs from `ferry submit`: results as scikit-learn gives them, bad jobs failing alone, refusals at
start, the engine's errors, every result field kind, a stuck forward pass, SIGTERM and CURVE."""

from __future__ import annotations

import os
import pathlib
import re
import signal
import socket
import subprocess
import time

import numpy as np
import pytest

import onnx_models
from broker_service import free_port
from conftest import read_output
from native_service import (DIGITS_WORKER, digits_jobs, digits_model_dir, model_entry,
                            native_broker_factory, write_jobs, write_worker_file)
from processes import alive, descendants_of, line_count, wait_for, worker_processes
from secure_service import SecureBroker

DIGITS = "digits.classify"
AS_ARRAYS = "{pixels: uint8}"  # input.arrays: pixels travel as a uint8 typed array
DIGITS_INPUTS = "[{field: pixels, tensor: pixels, shape: [64]}]"
DIGITS_OUTPUTS = "[{tensor: probabilities, fields: {label: argmax, confidence: max}}]"
BATCHED = "batch: {max_size: 64, max_delay_ms: 2}"
HOST = socket.gethostname()


@pytest.fixture
def digits_models(tmp_path_factory) -> pathlib.Path:
    return digits_model_dir(tmp_path_factory)


@pytest.fixture
def native_broker(ferry_bin, tmp_path: pathlib.Path):
    yield from native_broker_factory(ferry_bin, tmp_path)


def digits_types(settings: str) -> str:
    """The broker's job_types: `settings` for the digits type."""
    return f"{{{DIGITS}: {{{settings}}}}}"


def by_id(records: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in records}


def failure(record: dict, code: str) -> str:
    """The message of a failed record, after checking it failed with `code`."""
    assert record["status"] == "failed", record
    assert record["error"]["code"] == code, record
    return record["error"]["message"]


def test_digits_as_typed_arrays_and_as_json_lists_get_the_labels_scikit_learn_gives(
        native_broker, digits_models: pathlib.Path, tmp_path: pathlib.Path) -> None:
    import joblib

    rig = native_broker(digits_types(BATCHED))
    rig.pool(DIGITS_WORKER, model_dir=digits_models)
    jobs = digits_jobs(tmp_path, 540)  # the whole held-out split
    pixels = np.array([job["payload"]["pixels"] for job in jobs], dtype=np.float64)
    sklearn = joblib.load(digits_models / "digits-sklearn.joblib")
    expected_labels = sklearn.predict(pixels)
    expected_confidence = sklearn.predict_proba(pixels).max(axis=1)

    for arrays, output in ((AS_ARRAYS, "arrays.jsonl"), ("", "lists.jsonl")):
        code, records, stderr = rig.submit(DIGITS, jobs, arrays=arrays, output=output)
        assert code == 0, stderr
        got = by_id(records)
        assert sorted(got) == sorted(job["id"] for job in jobs)
        for job, label, confidence in zip(jobs, expected_labels, expected_confidence):
            record = got[job["id"]]
            assert record["status"] == "ok", record
            result = record["result"]
            assert set(result) == {"label", "confidence"}, result
            assert type(result["label"]) is int and type(result["confidence"]) is float, result
            assert result["label"] == label, (output, record, label)
            assert result["confidence"] == pytest.approx(confidence, abs=1e-4), (output, record)
        accuracy = np.mean([got[job["id"]]["result"]["label"] == job["label"] for job in jobs])
        assert accuracy >= 0.97, f"{output}: held-out accuracy {accuracy:.4f}"


def test_a_job_whose_pixels_have_the_wrong_shape_fails_alone_naming_both_shapes(
        native_broker, digits_models: pathlib.Path, tmp_path: pathlib.Path) -> None:
    rig = native_broker(digits_types("max_attempts: 1, " + BATCHED))
    rig.pool(DIGITS_WORKER, model_dir=digits_models)
    jobs = digits_jobs(tmp_path, 40)
    pixels = jobs[0]["payload"]["pixels"]
    jobs.insert(10, {"id": "short", "payload": {"pixels": pixels[:63]}})
    grid = [pixels[row * 8:row * 8 + 8] for row in range(8)]
    jobs.insert(25, {"id": "grid", "payload": {"pixels": grid}})

    for arrays, output in ((AS_ARRAYS, "arrays.jsonl"), ("", "lists.jsonl")):
        code, records, stderr = rig.submit(DIGITS, jobs, arrays=arrays, output=output)
        assert code == 3, stderr  # 3: the run finished with failed jobs
        got = by_id(records)
        said = failure(got.pop("short"), "INVALID_ARGUMENT")
        assert "'pixels'" in said and "[63]" in said and "[64]" in said, said
        said = failure(got.pop("grid"), "INVALID_ARGUMENT")
        assert "[8, 8]" in said and "[64]" in said, said
        assert len(got) == 40 and all(r["status"] == "ok" for r in got.values()), output


def test_a_job_without_pixels_or_with_a_string_among_them_fails_with_invalid_argument(
        native_broker, digits_models: pathlib.Path, tmp_path: pathlib.Path) -> None:
    rig = native_broker(digits_types("max_attempts: 1, " + BATCHED))
    rig.pool(DIGITS_WORKER, model_dir=digits_models)
    jobs = digits_jobs(tmp_path, 20)
    texty = list(jobs[0]["payload"]["pixels"])
    texty[5] = "seven"
    jobs.insert(4, {"id": "no-pixels", "payload": {"image": jobs[0]["payload"]["pixels"]}})
    jobs.insert(12, {"id": "a-string", "payload": {"pixels": texty}})

    code, records, stderr = rig.submit(DIGITS, jobs)
    assert code == 3, stderr
    got = by_id(records)
    missing = failure(got.pop("no-pixels"), "INVALID_ARGUMENT")
    assert "no field 'pixels'" in missing, missing
    texty_message = failure(got.pop("a-string"), "INVALID_ARGUMENT")
    assert "'pixels'" in texty_message and "str" in texty_message, texty_message
    assert len(got) == 20 and all(r["status"] == "ok" for r in got.values())


def digits_worker_variant(tmp_path: pathlib.Path, models: pathlib.Path, old: str,
                          new: str) -> pathlib.Path:
    """config/digits-worker.yaml with the model dir filled in and one line changed."""
    text = DIGITS_WORKER.read_text().replace("${FERRY_MODEL_DIR:-../demo-out/models}", str(models))
    assert old in text
    path = tmp_path / "worker.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def refused_start(ferry_bin: pathlib.Path, config: pathlib.Path) -> subprocess.CompletedProcess:
    """`ferry worker` on `config`, towards a port nobody listens on: it must stop by itself."""
    return subprocess.run([str(ferry_bin), "worker", "--broker", f"tcp://127.0.0.1:{free_port()}",
                           "--config", str(config)], capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("case", ["missing-model", "garbage-model", "unknown-key", "shape-65"])
def test_a_worker_file_or_model_that_cannot_serve_stops_the_start_with_exit_2_naming_it(
        ferry_bin, digits_models: pathlib.Path, tmp_path: pathlib.Path, case: str) -> None:
    digits_onnx = str(digits_models / "digits-mlp.onnx")
    if case == "missing-model":
        config = digits_worker_variant(tmp_path, digits_models, "digits-mlp.onnx", "absent.onnx")
        named = [str(digits_models / "absent.onnx"), "does not exist"]
    elif case == "garbage-model":
        garbage = onnx_models.write_garbage_model(tmp_path / "garbage.onnx")
        config = digits_worker_variant(tmp_path, digits_models, digits_onnx, str(garbage))
        named = [str(garbage), "not an ONNX model"]
    elif case == "unknown-key":
        config = digits_worker_variant(tmp_path, digits_models, "    inputs:\n",
                                       "    colour: blue\n    inputs:\n")
        line = config.read_text().splitlines().index("    colour: blue") + 1
        named = [f"{config.name}:{line}:", "'colour'"]
    else:
        config = digits_worker_variant(tmp_path, digits_models, "shape: [64]", "shape: [65]")
        named = [digits_onnx, "does not fit"]
    done = refused_start(ferry_bin, config)
    assert done.returncode == 2, done.stderr
    assert all(text in done.stderr for text in named), (named, done.stderr)


def test_a_forward_pass_the_engine_refuses_fails_its_batch_and_the_same_process_serves_on(
        native_broker, tmp_path: pathlib.Path) -> None:
    model = onnx_models.write_fixed_batch_model(tmp_path / "fixed.onnx")
    config = write_worker_file(tmp_path / "fixed.yaml", model_entry(
        "fixed.batch", model, DIGITS_INPUTS, DIGITS_OUTPUTS, max_batch=16, max_delay_ms=200))
    # max_delay_ms 200: the broker holds the jobs of one submit until they leave as one batch
    rig = native_broker("{fixed.batch: {max_attempts: 1, batch: {max_size: 16, "
                        "max_delay_ms: 200}}}")
    pool = rig.pool(config)
    [pid] = rig.wait_registered(pool, 1)
    rows = np.random.default_rng(5).integers(0, 17, size=(9, 64)).tolist()
    batch = [{"id": f"b{i}", "payload": {"pixels": row}} for i, row in enumerate(rows[:8])]

    code, records, stderr = rig.submit("fixed.batch", batch, output="batch.jsonl")
    assert code == 3, stderr
    assert len(records) == 8
    for record in records:
        message = failure(record, "HANDLER_ERROR")
        assert onnx_models.FIXED_BATCH_ERROR in message, message
        assert record["worker"] == f"{HOST}:{pid}", record

    single = [{"id": "alone", "payload": {"pixels": rows[8]}}]
    code, records, stderr = rig.submit("fixed.batch", single, output="alone.jsonl")
    assert code == 0, stderr
    [alone] = records
    assert alone["status"] == "ok" and alone["worker"] == f"{HOST}:{pid}", alone
    assert set(alone["result"]) == {"label", "confidence"}
    assert worker_processes(pool.pid) == [pid]


def test_every_result_field_kind_matches_numpy_on_a_logits_model(
        native_broker, tmp_path: pathlib.Path) -> None:
    model = onnx_models.write_logits_model(tmp_path / "logits.onnx")
    outputs = ("[{tensor: logits, labels: [a, b, c], fields: {label: argmax, "
               "confidence: softmax_max, scores: raw, probs: softmax}}]")
    config = write_worker_file(tmp_path / "logits.yaml", model_entry(
        "logits.score", model, "[{field: features, shape: [4]}]", outputs))
    rig = native_broker("{logits.score: {max_attempts: 1, batch: {max_size: 8, max_delay_ms: 2}}}")
    rig.pool(config)
    features = np.random.default_rng(11).normal(scale=3, size=(30, 4)).astype(np.float32)
    jobs = [{"id": f"x{i}", "payload": {"features": row.tolist()}}
            for i, row in enumerate(features)]

    code, records, stderr = rig.submit("logits.score", jobs, arrays="{features: float32}")
    assert code == 0, stderr
    scores = onnx_models.logits(features)
    probs = onnx_models.softmax(scores.astype(np.float64))
    got = by_id(records)
    for i, row in enumerate(scores):
        result = got[f"x{i}"]["result"]
        assert set(result) == {"label", "confidence", "scores", "probs"}, result
        assert result["label"] == "abc"[int(np.argmax(row))], (result, row)
        assert result["confidence"] == pytest.approx(probs[i].max(), abs=1e-5)
        assert type(result["scores"]) is list and type(result["probs"]) is list, result
        assert np.allclose(result["scores"], row, atol=1e-5), (result, row)
        assert np.allclose(result["probs"], probs[i], atol=1e-5), (result, probs[i])


def test_two_payload_fields_feed_the_two_inputs_of_a_model(
        native_broker, tmp_path: pathlib.Path) -> None:
    """Field "pair.a" (a dotted path) feeds tensor "a" and field "b" tensor "b"; the model's
    path is relative to the worker file, which lives in a directory of its own."""
    onnx_models.write_two_input_model(tmp_path / "two.onnx")
    inputs = "[{field: pair.a, tensor: a, shape: [4]}, {field: b, tensor: b, shape: [4]}]"
    (tmp_path / "workers").mkdir()
    config = write_worker_file(tmp_path / "workers" / "two.yaml", model_entry(
        "pair.sum", pathlib.Path("../two.onnx"), inputs, "[{tensor: sum, fields: {sum: raw}}]"))
    rig = native_broker("{pair.sum: {max_attempts: 1, batch: {max_size: 8, max_delay_ms: 2}}}")
    rig.pool(config)
    rng = np.random.default_rng(13)
    a, b = rng.integers(-50, 50, size=(20, 4)), rng.integers(-50, 50, size=(20, 4))
    jobs = [{"id": f"p{i}", "payload": {"b": b[i].tolist(), "pair": {"a": a[i].tolist()}}}
            for i in range(20)]

    code, records, stderr = rig.submit("pair.sum", jobs)
    assert code == 0, stderr
    got = by_id(records)
    for i in range(20):
        assert got[f"p{i}"]["result"]["sum"] == (a[i] + b[i]).tolist(), got[f"p{i}"]


def test_a_stuck_forward_pass_times_out_alone_and_the_pool_replaces_its_process(
        native_broker, digits_models: pathlib.Path, tmp_path: pathlib.Path) -> None:
    """One job per forward pass (max_batch 1), so the stuck job is alone inside it. The broker
    gives a timed-out job one more attempt on its own, so it hangs twice: two processes go."""
    config = write_worker_file(tmp_path / "stuck.yaml", model_entry(
        DIGITS, digits_models / "digits-mlp.onnx", DIGITS_INPUTS, DIGITS_OUTPUTS, max_batch=1),
        processes=2)
    rig = native_broker(digits_types("timeout_s: 1, max_attempts: 1"))
    pool = rig.pool(config, fault="hang:stuck")
    first = set(rig.wait_registered(pool, 2))
    jobs = digits_jobs(tmp_path, 40)
    jobs[7]["payload"]["stuck"] = True

    code, records, stderr = rig.submit(DIGITS, jobs[:30])
    assert code == 3, stderr
    got = by_id(records)
    stuck = got.pop(jobs[7]["id"])
    assert "ran past its limit" in failure(stuck, "TIMEOUT") and stuck["attempts"] == 1, stuck
    assert all(r["status"] == "ok" and r["attempts"] == 1 for r in got.values()), \
        [r for r in got.values() if r["status"] != "ok" or r["attempts"] != 1]

    abandoned = {int(pid) for pid in re.findall(
        rf"{re.escape(HOST)}:(\d+): the broker cancelled a job inside the forward pass",
        rig.log_of(pool))}
    assert abandoned & first, rig.log_of(pool)  # the first hang was on an original process

    def replaced() -> bool:
        live = [pid for pid in worker_processes(pool.pid) if alive(pid)]
        return len(live) == 2 and not abandoned & set(live)
    wait_for(replaced, 30, "fresh processes in place of the abandoned ones")
    code, records, stderr = rig.submit(DIGITS, jobs[30:], output="after.jsonl")
    assert code == 0, stderr
    assert {r["worker"] for r in records} <= {f"{HOST}:{pid}" for pid in worker_processes(pool.pid)}


def test_sigterm_stops_the_pool_with_exit_0_and_leaves_no_worker_process(
        native_broker, digits_models: pathlib.Path, tmp_path: pathlib.Path) -> None:
    rig = native_broker(digits_types(BATCHED))
    pool = rig.pool(DIGITS_WORKER, model_dir=digits_models)
    rig.wait_registered(pool, 2)
    code, _, stderr = rig.submit(DIGITS, digits_jobs(tmp_path, 50))
    assert code == 0, stderr
    family = descendants_of(pool.pid)
    assert len(family) == 2, family

    pool.send_signal(signal.SIGTERM)
    assert pool.wait(timeout=40) == 0, rig.log_of(pool)
    assert not [pid for pid in family if alive(pid)]
    wait_for(lambda: rig.status()["workers"] == [], 10, "the broker to forget the pool's workers")


def test_a_pool_started_at_log_level_warn_starts_its_processes_and_serves(
        native_broker, digits_models: pathlib.Path, tmp_path: pathlib.Path) -> None:
    """`ferry --log-level warn worker`: the supervisor hands its level on to the processes it
    starts, in a form their command line takes."""
    rig = native_broker(digits_types(BATCHED))
    pool = rig.pool(DIGITS_WORKER, log_level="warn", model_dir=digits_models)
    wait_for(lambda: len(rig.status()["workers"]) == 2 or pool.poll() is not None, 15,
             f"both worker processes to register:\n{rig.log_of(pool)}")
    assert pool.poll() is None, rig.log_of(pool)
    code, records, stderr = rig.submit(DIGITS, digits_jobs(tmp_path, 20), arrays=AS_ARRAYS)
    assert code == 0 and len(records) == 20, stderr


def test_a_pool_stopped_just_after_it_lost_a_process_drains_its_new_process_too(
        native_broker, digits_models: pathlib.Path, tmp_path: pathlib.Path) -> None:
    """SIGTERM lands while the supervisor is about to start the successor of a dead process
    (its report of the death is the event the test waits for, polled without pause so the
    signal arrives within the supervisor's next tick): the successor must drain with the rest,
    not live on until drain_timeout_s (30 s in the file) runs out and it is killed."""
    rig = native_broker(digits_types("max_attempts: 1"))
    pool = rig.pool(DIGITS_WORKER, "--processes", "1", model_dir=digits_models)
    [pid] = rig.wait_registered(pool, 1)
    os.kill(pid, signal.SIGKILL)
    reported = f"worker {HOST}:{pid} killed by signal 9"
    deadline = time.monotonic() + 30
    while reported not in rig.log_of(pool):  # no pause: the window is one 20 ms tick
        assert time.monotonic() < deadline, f"no report of the killed process: {rig.log_of(pool)}"
    pool.send_signal(signal.SIGTERM)
    try:
        code = pool.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pool.kill()
        pool.wait()
        raise AssertionError(f"the pool did not stop within 10 s of SIGTERM:\n{rig.log_of(pool)}")
    assert code == 0, rig.log_of(pool)
    assert "did not drain in time" not in rig.log_of(pool)


def test_pools_stopped_mid_run_answer_or_hand_back_what_they_hold_and_charge_nothing(
        native_broker, digits_models: pathlib.Path, tmp_path: pathlib.Path) -> None:
    """Three runs; during each the serving pool gets SIGTERM and a fresh one takes over. A
    stopping process answers what it holds and gives back, uncounted, what it never started:
    every job ends ok at its first attempt, answered by a worker the broker knew."""
    rig = native_broker(digits_types("max_attempts: 1, " + BATCHED))
    pool = rig.pool(DIGITS_WORKER, model_dir=digits_models)
    rig.wait_registered(pool, 2)
    jobs = digits_jobs(tmp_path, 20_000)
    for run in range(3):
        output = f"run-{run}.jsonl"
        submit = rig.start_submit(DIGITS, jobs, arrays=AS_ARRAYS, output=output)
        out = tmp_path / output
        wait_for(lambda: line_count(out) >= 2_000 or submit.poll() is not None, 60,
                 "the first 2,000 outcomes")
        pool.send_signal(signal.SIGTERM)
        assert pool.wait(timeout=40) == 0, rig.log_of(pool)
        assert line_count(out) < len(jobs), "the run ended before the pool was stopped"
        pool = rig.pool(DIGITS_WORKER, model_dir=digits_models)
        assert submit.wait(timeout=60) == 0, (tmp_path / f"run-{run}.log").read_text()[-3000:]
        records = read_output(out)
        assert sorted(r["id"] for r in records) == sorted(job["id"] for job in jobs)
        assert all(r["status"] == "ok" for r in records)
        odd = [r for r in records if r["attempts"] != 1 or "worker" not in r]
        assert not odd, f"run {run}: {len(odd)} jobs not answered at their first attempt by " \
                        f"a known worker, e.g. {odd[:2]}"
        rig.wait_registered(pool, 2)


@pytest.fixture
def secure(ferry_bin, tmp_path: pathlib.Path):
    service = SecureBroker(ferry_bin, tmp_path)
    try:
        yield service
    finally:
        service.stop()


def test_under_curve_a_listed_worker_key_serves_and_an_unlisted_one_stops_the_pool_with_exit_2(
        secure: SecureBroker, digits_models: pathlib.Path, tmp_path: pathlib.Path) -> None:
    secure.config.write_text(
        secure.config.read_text().replace("echo: {batch:", f"{DIGITS}: {{batch:")
        .replace("input: {type: echo}", f"input: {{type: {DIGITS}, arrays: {AS_ARRAYS}}}"))
    producer = secure.make_key("producer", "producers")
    listed = secure.make_key("native-worker", "workers")
    stranger = secure.make_key("stranger", None)
    secure.start()

    def native_pool(key: dict, log: str) -> subprocess.Popen:
        with (tmp_path / log).open("w") as out:
            proc = subprocess.Popen(
                [str(secure.ferry_bin), "worker", "--broker", secure.workers, "--config",
                 str(DIGITS_WORKER), "--processes", "1", "--key-file", key["secret_file"],
                 "--server-key", secure.broker_key["public_file"]], cwd=tmp_path,
                env=dict(secure.env, FERRY_MODEL_DIR=str(digits_models)),
                stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        secure.procs.append(proc)
        return proc

    native_pool(listed, "listed.log")
    jobs = digits_jobs(tmp_path, 30)
    write_jobs(tmp_path / "jobs.jsonl", jobs)
    done = secure.submit(producer, "--input", "jobs.jsonl", "--output", "out.jsonl")
    assert done.returncode == 0, done.stderr
    records = read_output(tmp_path / "out.jsonl")
    assert len(records) == 30 and all(r["status"] == "ok" for r in records)
    refused = native_pool(stranger, "stranger.log")
    assert refused.wait(timeout=40) == 2, (tmp_path / "stranger.log").read_text()
    said = (tmp_path / "stranger.log").read_text()
    assert "refused" in said and stranger["public_key"][:8] in said, said
    assert "security.curve.workers" in said, f"the list for worker keys is not named: {said}"
