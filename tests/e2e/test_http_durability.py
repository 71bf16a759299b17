"""HTTP jobs keep a ZeroMQ producer's guarantees across a broker SIGKILL with the journal on:
accepted jobs run, outcomes wait to be fetched, and an Idempotency-Key retry never runs twice."""

from __future__ import annotations

import collections

import pytest

from http_service import HttpBroker
from processes import wait_for


@pytest.fixture
def service(ferry_bin, tmp_path):
    broker = HttpBroker(ferry_bin, tmp_path, broker_extra="  journal: {path: journal, fsync: always}")
    yield broker
    broker.stop()


def executions(log) -> collections.Counter:
    return collections.Counter(log.read_text().split()) if log.exists() else collections.Counter()


def restart(service: HttpBroker) -> None:
    service.kill_broker()
    service.procs.remove(service.broker)
    service.start()
    wait_for(lambda: service.request("GET", "/healthz/ready").status == 200, 30,
             "the restarted server to be ready")


def test_accepted_jobs_survive_a_sigkill_and_run_once(service, tmp_path):
    log = tmp_path / "runs.log"
    service.start()  # no pool yet: every job is still queued when the broker dies
    singles = [service.submit({"type": "http.record", "payload": {"log": str(log), "n": i}})
               for i in range(5)]
    keyed = service.request("POST", "/v1/jobs", {"type": "http.record",
                                                  "payload": {"log": str(log), "n": 99}},
                            headers={"Idempotency-Key": "order-99"})
    assert keyed.status == 202
    batch = service.request("POST", "/v1/batches",
                            [{"type": "http.record", "payload": {"log": str(log), "n": i}}
                             for i in range(20)]).json()["batch_id"]
    restart(service)
    # the client never saw an answer, say, and retries with its key: the same job, not a new one
    retried = service.request("POST", "/v1/jobs", {"type": "http.record",
                                                   "payload": {"log": str(log), "n": 99}},
                              headers={"Idempotency-Key": "order-99"})
    assert retried.status == 202 and retried.json()["id"] == keyed.json()["id"]
    service.start_pool()
    for i, job_id in enumerate(singles):
        assert service.result(job_id)["result"] == {"n": i}
    assert service.result(keyed.json()["id"])["result"] == {"n": 99}
    for i in range(20):
        assert service.result(f"{batch}.{i}")["result"] == {"n": i}
    counts = executions(log)
    assert len(counts) == 26 and set(counts.values()) == {1}, counts


def test_outcomes_not_yet_fetched_survive_a_sigkill(service, tmp_path):
    log = tmp_path / "runs.log"
    service.start()
    service.start_pool()
    batch = service.request("POST", "/v1/batches",
                            [{"type": "http.record", "payload": {"log": str(log), "n": i}}
                             for i in range(10)]).json()["batch_id"]
    wait_for(lambda: service.request("GET", f"/v1/batches/{batch}").json()["done"] == 10, 30,
             "the batch to finish (its outcomes unfetched)")
    restart(service)
    for i in range(10):
        assert service.result(f"{batch}.{i}", wait="10s")["result"] == {"n": i}
    assert set(executions(log).values()) == {1}
