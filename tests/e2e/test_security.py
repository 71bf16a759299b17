"""CURVE with roles: authorised peers keep working and the output stays exact, while a peer with no
key, an unknown key, a key of the wrong role or a revoked key gets nothing and changes nothing."""

from __future__ import annotations

import json
import os
import pathlib
import stat
import subprocess

import pytest

from conftest import read_output, write_jobs
from processes import wait_for
from secure_service import RawPeer, SecureBroker, keygen, secret_of
from ferry_worker.protocol import Command, ErrorCode

JOBS = 3000


@pytest.fixture
def secure(ferry_bin: pathlib.Path, tmp_path: pathlib.Path):
    service = SecureBroker(ferry_bin, tmp_path)
    yield service
    service.stop()


def rogue_submit(peer: RawPeer, client: str) -> None:
    peer.send(Command.SUBMIT, {"client": client, "session": "rogue", "seq": 1,
                               "jobs": [{"id": "rogue-1", "type": "echo", "payload": {"x": 1}}]})


def rogue_ready(peer: RawPeer) -> None:
    peer.send(Command.READY, {"worker": "rogue:1", "host": "rogue", "pid": 1,
                              "types": [{"type": "echo", "max_batch_size": 64}], "credit": 64,
                              "heartbeat_ms": 1000})


def assert_exact(path: pathlib.Path, ids: list[str]) -> None:
    records = read_output(path)
    assert sorted(r["id"] for r in records) == sorted(ids)  # every id exactly once
    assert all(r["status"] == "ok" for r in records)
    payloads = {r["id"]: r["result"] for r in records}
    assert all(payloads[f"job-{i:05d}"] == {"n": i, "text": f"t{i}"} for i in range(len(ids)))


def test_rogue_peers_get_nothing_while_the_authorised_run_stays_exact(secure: SecureBroker):
    producer = secure.make_key("producer-a", "producers")
    worker = secure.make_key("worker-a", "workers")
    admin = secure.make_key("admin", "admins")
    stranger = secure.make_key("stranger", None)
    secure.start()
    pool_log = secure.dir / "pool.log"
    secure.pool(worker, log=pool_log)
    ids = write_jobs(secure.dir / "jobs.jsonl", JOBS)
    run = secure.submit(producer, "--input", "jobs.jsonl", "--output", "out.jsonl", "--json",
                        wait=False)
    server = secure.broker_key["public_key"]
    rogues = {
        "no key on producers": RawPeer(secure.producers),
        "no key on workers": RawPeer(secure.workers),
        "unknown key on producers": RawPeer(secure.producers, server),
        "unknown key on workers": RawPeer(secure.workers, server),
        "listed stranger key": RawPeer(secure.producers, server),
        "producer key on workers": RawPeer(secure.workers, server),
        "worker key on producers": RawPeer(secure.producers, server),
    }
    rogues["listed stranger key"].use_key(stranger["secret_file"], server).connect(secure.producers)
    rogues["producer key on workers"].use_key(producer["secret_file"], server).connect(secure.workers)
    rogues["worker key on producers"].use_key(worker["secret_file"], server).connect(secure.producers)
    for name, peer in rogues.items():
        if "workers" in name:
            rogue_ready(peer)
        else:
            rogue_submit(peer, "rogue")
            peer.send(Command.STATUS, {})
    for name, peer in rogues.items():
        assert peer.received(1000) == [], f"{name}: the broker answered a refused peer"
        peer.close()
    stdout, stderr = run.communicate(timeout=180)
    assert run.returncode == 0, stderr
    assert json.loads(stdout)["succeeded"] == JOBS
    assert_exact(secure.dir / "out.jsonl", ids)
    status = secure.status(admin)
    assert status["accepted"] == JOBS  # no rogue SUBMIT was taken
    assert status["security"]["curve"] is True
    assert status["security"]["refused_unknown_key"] >= 3  # unknown x2, stranger
    assert status["security"]["refused_wrong_role"] >= 2  # producer key on workers, and back
    assert [w["worker"] for w in status["workers"] if w["worker"].startswith("rogue")] == []
    table = secure.ferry("status", "--broker", secure.producers, key=admin, timeout=30)
    assert table.returncode == 0, table.stderr
    assert (f"security: CURVE   refused handshakes: unknown key "
            f"{status['security']['refused_unknown_key']}") in table.stdout
    # No secret key appears in any log, reply or output of the run.
    texts = [secure.log.read_text(), pool_log.read_text(), stdout, stderr,
             (secure.dir / "out.jsonl").read_text(), json.dumps(status)]
    for key in [secure.broker_key, producer, worker, admin, stranger]:
        secret = secret_of(key["secret_file"])
        assert all(secret not in text for text in texts), f"{key['name']}'s secret leaked"


def test_each_role_is_held_to_its_commands(secure: SecureBroker):
    producer = secure.make_key("producer-a", "producers")
    worker = secure.make_key("worker-a", "workers")
    secure.start()
    # A producer key may not read STATUS: refused, with the reason and exit 2.
    refused = secure.ferry("status", "--broker", secure.producers, key=producer, timeout=30)
    assert refused.returncode == 2
    assert "FORBIDDEN" in refused.stderr and "security.curve.admins" in refused.stderr
    # A worker key is refused at the producers endpoint: said at once, not waited out.
    write_jobs(secure.dir / "jobs.jsonl", 10)
    submit = secure.submit(worker, "--input", "jobs.jsonl", "--output", "w.jsonl")
    assert submit.returncode == 2
    assert "refused this client's key" in submit.stderr
    # Without any key the status times out: the handshake never completes.
    plain = secure.ferry("status", "--broker", secure.producers, "--json", timeout=30)
    assert plain.returncode != 0 and plain.stdout == ""
    # A raw client with a producer key sending ADMIN gets FORBIDDEN, never an answer.
    peer = RawPeer(secure.producers).use_key(producer["secret_file"],
                                             secure.broker_key["public_key"])
    peer.connect(secure.producers)
    peer.send(Command.ADMIN, {"command": "redrive", "args": '{"id": "x", "client": "y"}'})
    replies = peer.received(2000)
    peer.close()
    assert [m.command for m in replies] == [Command.ERROR]
    assert replies[0].body["code"] == ErrorCode.FORBIDDEN.value
    assert replies[0].body["refused"] == "ADMIN"


def test_a_revoked_worker_and_producer_are_cut_off_on_sighup(secure: SecureBroker):
    producer = secure.make_key("producer-a", "producers")
    doomed_producer = secure.make_key("producer-b", "producers")
    keeper = secure.make_key("worker-keep", "workers")
    doomed = secure.make_key("worker-doomed", "workers")
    admin = secure.make_key("admin", "admins")
    secure.start()
    doomed_log = secure.dir / "doomed.log"
    doomed_pool = secure.pool(doomed, log=doomed_log, processes=1)
    wait_for(lambda: len(secure.status(admin)["workers"]) == 1, 60, "the doomed pool to register")
    os.unlink(doomed["public_file"])
    os.unlink(doomed_producer["public_file"])
    secure.reload()
    # The connected worker is purged at once and its pool stops with exit 2 (FORBIDDEN).
    assert doomed_pool.wait(timeout=60) == 2
    assert "refused this worker's key" in doomed_log.read_text()
    assert secure.status(admin)["workers"] == []
    # A new connection with the revoked producer key is refused; the kept key still works.
    ids = write_jobs(secure.dir / "jobs.jsonl", 500)
    refused = secure.submit(doomed_producer, "--input", "jobs.jsonl", "--output", "b.jsonl")
    assert refused.returncode == 2 and "refused this client's key" in refused.stderr
    secure.pool(keeper)
    done = secure.submit(producer, "--input", "jobs.jsonl", "--output", "a.jsonl")
    assert done.returncode == 0, done.stderr
    assert_exact(secure.dir / "a.jsonl", ids)
    assert read_output(secure.dir / "b.jsonl") == []
    assert secure.status(admin)["accepted"] == 500


def test_a_client_name_belongs_to_the_key_that_uses_it(secure: SecureBroker):
    first = secure.make_key("producer-a", "producers")
    second = secure.make_key("producer-b", "producers")
    worker = secure.make_key("worker-a", "workers")
    secure.start()
    secure.pool(worker)
    ids = write_jobs(secure.dir / "jobs.jsonl", 400)
    (secure.dir / "named.yaml").write_text(secure.config.read_text().replace(
        "producer: {progress_interval_s: 1}", "producer: {client: shared, progress_interval_s: 1}"))
    runs = [secure.ferry("submit", "named.yaml", "--broker", secure.producers, "--input",
                         "jobs.jsonl", "--output", f"{name}.jsonl", key=key, wait=False)
            for name, key in (("a", first), ("b", second))]
    for run in runs:
        _, stderr = run.communicate(timeout=180)
        assert run.returncode == 0, stderr  # neither is refused as CLIENT_IN_USE
    assert_exact(secure.dir / "a.jsonl", ids)
    assert_exact(secure.dir / "b.jsonl", ids)


def test_plain_tcp_beyond_loopback_is_refused_unless_insecure(run_ferry, ferry_bin: pathlib.Path,
                                                            tmp_path: pathlib.Path):
    (tmp_path / "open.yaml").write_text(
        "broker: {producers_endpoint: 'tcp://0.0.0.0:0', workers_endpoint: 'tcp://127.0.0.1:0'}\n")
    refused = run_ferry("broker", "open.yaml", timeout=30)
    assert refused.returncode == 2
    assert "without CURVE" in refused.stderr and "ferry keygen" in refused.stderr
    (tmp_path / "insecure.yaml").write_text(
        "broker: {producers_endpoint: 'tcp://0.0.0.0:0', workers_endpoint: 'tcp://127.0.0.1:0'}\n"
        "security: {insecure: true}\n")
    log = tmp_path / "insecure.log"
    with log.open("w") as err:
        broker = subprocess.Popen([str(ferry_bin), "broker", "insecure.yaml"], cwd=tmp_path,
                                  stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        assert broker.stdout.readline().startswith("ferry broker: producers=tcp://0.0.0.0:")
        wait_for(lambda: "INSECURE" in log.read_text(), 20, "the insecure warning")
    finally:
        broker.terminate()
        assert broker.wait(timeout=30) == 0


@pytest.mark.parametrize("problem,message", [
    ("mode", "chmod 600"),
    ("missing-list", "allow-list directory"),
    ("bad-entry", "security.curve.producers entry 1"),
    ("no-secret", "needs secret_key_file"),
])
def test_bad_security_config_exits_2_naming_the_problem(secure: SecureBroker, problem: str,
                                                        message: str):
    text = secure.config.read_text()
    if problem == "mode":
        os.chmod(secure.broker_key["secret_file"], 0o644)
    elif problem == "missing-list":
        text = text.replace("workers: keys/workers", "workers: keys/nowhere")
    elif problem == "bad-entry":
        text = text.replace("producers: keys/producers", "producers: ['not-a-key']")
    else:
        text = text.replace("secret_key_file: keys/broker.key", "producers: keys/producers")
        text = text.replace("    producers: keys/producers\n", "", 1)
    secure.config.write_text(text)
    done = secure.ferry("broker", str(secure.config), timeout=30)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert secret_of(secure.broker_key["secret_file"]) not in done.stderr


def test_keygen_keeps_the_secret_private_and_never_overwrites(run_ferry, tmp_path: pathlib.Path):
    made = run_ferry("keygen", "host-1", "--dir", "keys", "--json")
    assert made.returncode == 0, made.stderr
    written = json.loads(made.stdout)
    assert stat.S_IMODE(os.stat(tmp_path / written["secret_file"]).st_mode) == 0o600
    assert written["public_key"] in (tmp_path / written["public_file"]).read_text()
    secret = secret_of(str(tmp_path / written["secret_file"]))
    assert secret not in made.stdout and len(secret) == 40
    again = run_ferry("keygen", "host-1", "--dir", "keys")
    assert again.returncode == 2 and "never overwrites" in again.stderr
    assert secret_of(str(tmp_path / written["secret_file"])) == secret
    bad = run_ferry("keygen", "../escape", "--dir", "keys")
    assert bad.returncode == 2


def test_ferry_run_under_curve_keys_its_own_pools_and_leaves_no_key_behind(ferry_bin: pathlib.Path,
                                                                           tmp_path: pathlib.Path):
    keys = tmp_path / "keys"
    keygen(ferry_bin, "broker", keys)
    (keys / "producers").mkdir()
    (tmp_path / "run.yaml").write_text("""
broker: {producers_endpoint: 'tcp://127.0.0.1:0', workers_endpoint: 'tcp://127.0.0.1:0'}
security:
  curve: {secret_key_file: keys/broker.key, producers: keys/producers}
input: {type: echo}
workers: [{handlers: ferry_worker.examples.echo, processes: 2}]
""")
    ids = write_jobs(tmp_path / "jobs.jsonl", 500)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    env = dict(os.environ, PYTHONPATH=str(pathlib.Path(__file__).resolve().parents[2] / "py_workers"),
               TMPDIR=str(private_tmp))
    done = subprocess.run([str(ferry_bin), "run", "run.yaml", "--input", "jobs.jsonl", "--output",
                           "out.jsonl", "--json"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["succeeded"] == 500
    assert_exact(tmp_path / "out.jsonl", ids)
    assert "with CURVE" in done.stderr
    assert list(private_tmp.iterdir()) == []  # the pools' key file is gone with the run


def test_ferry_serve_under_curve_runs_its_pipelines_and_takes_admin_keys_only(
        ferry_bin: pathlib.Path, tmp_path: pathlib.Path):
    from serve_service import Serve
    from test_serve import pipeline, write_jobs as write_sleep_jobs
    keys = tmp_path / "keys"
    keygen(ferry_bin, "broker", keys)
    admin = keygen(ferry_bin, "ops", keys / "admins")
    producer = keygen(ferry_bin, "scorer", keys / "producers")
    ids = write_sleep_jobs(tmp_path / "jobs.jsonl", 20)
    svc = Serve(ferry_bin, tmp_path, extra="security: {curve: {secret_key_file: keys/broker.key, "
                                           "producers: keys/producers, admins: keys/admins}}")
    svc.pipeline("manual", pipeline("cron: \"0 3 * * *\""))
    svc.start()
    try:
        server = ["--server-key", str(keys / "broker.pub")]
        plain = svc.command("trigger", "manual", "--timeout", "2")
        assert plain.returncode != 0  # no key: no answer
        wrong = svc.command("trigger", "manual", "--key-file", producer["secret_file"], *server)
        assert wrong.returncode == 2 and "security.curve.admins" in wrong.stderr
        done = svc.command("trigger", "manual", "--key-file", admin["secret_file"], *server)
        assert done.returncode == 0, done.stderr

        def runs() -> list[dict]:
            listed = svc.command("runs", "--json", "--key-file", admin["secret_file"], *server)
            assert listed.returncode == 0, listed.stderr
            return [r for p in json.loads(listed.stdout)["pipelines"] for r in p["runs"]]
        wait_for(lambda: any(r["state"] == "succeeded" for r in runs()), 60, "the triggered run")
        run = runs()[0]
        assert sorted(r["id"] for r in read_output(pathlib.Path(run["output"]))) == sorted(ids)
    finally:
        svc.stop()
