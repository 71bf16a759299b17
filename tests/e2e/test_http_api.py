"""The JSON API v1 of `ferry broker`'s HTTP server, against a real broker and worker pool."""

from __future__ import annotations

import json
import socket
import time

import pytest

from http_service import HttpBroker
from processes import wait_for


@pytest.fixture(scope="module")
def service(ferry_bin, tmp_path_factory):
    broker = HttpBroker(ferry_bin, tmp_path_factory.mktemp("http"),
                        job_types="  http.fail: {max_attempts: 2}")
    broker.start()
    broker.start_pool()
    yield broker
    broker.stop()


# Values whose JSON -> MessagePack -> JSON trip must give them back exactly.
ROUND_TRIP = [
    None, True, False, 0, -1, 9223372036854775807, -9223372036854775808, 18446744073709551615,
    0.1, -2.5e-300, 1.7976931348623157e308, 1.0, "", "naïve ☃ 𝄞", "quote \" back \\ nul \u0000",
    [], {}, [[[]]], {"nested": {"list": [1, "two", 3.0, None, {"k": []}]}},
    {"dup-looking": 1, "dup-looking ": 2},
]


def test_a_job_round_trips_every_json_value(service):
    for value in ROUND_TRIP:
        job_id = service.submit({"type": "http.echo", "payload": value})
        outcome = service.result(job_id)
        assert outcome["status"] == "ok", outcome
        assert outcome["result"] == value and type(outcome["result"]) is type(value), value
        assert outcome["id"] == job_id and outcome["attempts"] == 1


def test_submit_answers_202_with_a_status_url_and_long_poll_waits(service):
    reply = service.request("POST", "/v1/jobs", {"type": "http.sleep", "payload": {"seconds": 0.5},
                                                 "id": "sleepy-1", "priority": 3,
                                                 "timeout_s": 10, "max_attempts": 1})
    assert reply.status == 202, reply
    assert reply.json() == {"id": "sleepy-1", "status_url": "/v1/jobs/sleepy-1"}
    assert reply.headers["location"] == "/v1/jobs/sleepy-1"
    pending = service.request("GET", "/v1/jobs/sleepy-1")
    assert pending.status == 202 and pending.json()["status"] == "pending"
    started = time.monotonic()
    done = service.request("GET", "/v1/jobs/sleepy-1?wait=20s")
    assert done.status == 200 and done.json()["result"] == {"slept": 0.5}
    assert time.monotonic() - started < 10
    # fetched outcomes stay fetchable for the grace time
    assert service.request("GET", "/v1/jobs/sleepy-1").status == 200


def test_a_long_poll_that_times_out_answers_202(service):
    job_id = service.submit({"type": "http.sleep", "payload": {"seconds": 3}})
    started = time.monotonic()
    reply = service.request("GET", f"/v1/jobs/{job_id}?wait=300ms")
    assert reply.status == 202 and reply.json()["status"] == "pending"
    assert time.monotonic() - started < 2.5


def test_a_handler_exception_comes_back_with_its_traceback_and_every_cause(service):
    job_id = service.submit({"type": "http.fail", "payload": {"x": 1}})
    outcome = service.result(job_id)
    assert outcome["status"] == "failed"
    assert outcome["error"]["code"] == "HANDLER_ERROR"
    assert "ValueError" in outcome["error"]["message"]
    assert "Traceback" in outcome["error"]["traceback"] and "http_jobs.py" in outcome["error"]["traceback"]
    assert len(outcome["causes"]) == 2 and outcome["attempts"] == 2


def test_binary_results_are_base64_strings(service):
    job_id = service.submit({"type": "http.bytes", "payload": {"text": "héllo"}})
    import base64
    assert base64.b64decode(service.result(job_id)["result"]) == "héllo".encode()


@pytest.mark.parametrize("body, offset", [
    ('{"type": "http.echo", "payload": {"a": 1,}}', 41),
    ('{"type": "http.echo" "payload": 1}', 21),
    ('{"type": "http.echo", "payload": tru}', 36),
    ('{"type": "http.echo", "payload": "\x01"}', 34),
    ('{"type": "http.echo", "payload": 1', 34),
    ('', 0),
])
def test_malformed_json_is_a_400_problem_naming_the_byte(service, body, offset):
    reply = service.request("POST", "/v1/jobs", body.encode())
    assert reply.status == 400, reply
    assert reply.headers["content-type"].startswith("application/problem+json")
    problem = reply.json()
    assert problem["status"] == 400 and problem["type"] == "/problems/malformed-json"
    assert problem["offset"] == offset, problem
    assert f"at byte {offset}" in problem["detail"]


@pytest.mark.parametrize("job, field", [
    ({"payload": 1}, "type"),
    ({"type": "http.echo"}, "payload"),
    ({"type": "http.echo", "payload": 1, "paylaod": 2}, "paylaod"),
    ({"type": "", "payload": 1}, "type"),
    ({"type": "http.echo", "payload": 1, "timeout_s": -1}, "timeout_s"),
    ({"type": "http.echo", "payload": 1, "max_attempts": 0}, "max_attempts"),
    ({"type": "http.echo", "payload": 1, "id": "a\u0001b"}, "id"),
    ({"type": "http.echo", "payload": 1, "id": "x" * 300}, "id"),
    ([1, 2], ""),
])
def test_an_invalid_job_is_refused_naming_the_field(service, job, field):
    reply = service.request("POST", "/v1/jobs", job)
    assert reply.status == 400, reply
    assert reply.json()["field"] == field
    assert service.request("GET", "/healthz/live").status == 200


def test_integers_beyond_64_bits_are_refused_not_rounded(service):
    reply = service.request("POST", "/v1/jobs", b'{"type": "http.echo", "payload": 18446744073709551616}')
    assert reply.status == 400 and "64 bits" in reply.json()["detail"], reply


def test_unknown_routes_and_missing_jobs_are_404_problems(service):
    reply = service.request("GET", "/v1/nowhere")
    assert reply.status == 404 and reply.json()["status"] == 404
    reply = service.request("GET", "/v1/jobs/never-submitted")
    assert reply.status == 404 and "never-submitted" in reply.json()["detail"]
    assert service.request("GET", "/v1/jobs/x?wait=soon").status == 400


def test_an_idempotency_key_gives_one_job_for_one_body(service):
    job = {"type": "http.echo", "payload": {"n": 1}}
    first = service.request("POST", "/v1/jobs", job, headers={"Idempotency-Key": "key-1"})
    again = service.request("POST", "/v1/jobs", job, headers={"Idempotency-Key": "key-1"})
    assert first.status == again.status == 202
    assert first.json()["id"] == again.json()["id"]
    other = service.request("POST", "/v1/jobs", {"type": "http.echo", "payload": {"n": 2}},
                            headers={"Idempotency-Key": "key-1"})
    assert other.status == 422 and other.json()["type"] == "/problems/idempotency-key-reused"
    assert service.result(first.json()["id"])["result"] == {"n": 1}
    status = service.request("GET", "/healthz/ready")
    assert status.status == 200


def test_a_batch_as_ndjson_streams_results_in_input_and_completion_order(service):
    lines = [json.dumps({"type": "http.sleep", "payload": {"seconds": s}}) for s in (0.4, 0.0, 0.2)]
    reply = service.request("POST", "/v1/batches", "\n".join(lines) + "\n",
                            headers={"Content-Type": "application/x-ndjson"})
    assert reply.status == 202, reply
    batch = reply.json()["batch_id"]
    results = service.request("GET", f"/v1/batches/{batch}/results")
    assert results.status == 200 and results.headers["content-type"] == "application/x-ndjson"
    in_input = results.lines()
    assert [r["result"]["slept"] for r in in_input] == [0.4, 0.0, 0.2]
    completion = service.request("GET", f"/v1/batches/{batch}/results?order=completion").lines()
    assert sorted(r["id"] for r in completion) == sorted(r["id"] for r in in_input)
    counts = service.request("GET", f"/v1/batches/{batch}").json()
    assert counts == {"batch_id": batch, "status": "done", "total": 3, "done": 3, "ok": 3,
                      "failed": 0, "pending": 0}


def test_a_batch_as_a_json_array_reports_events(service):
    jobs = [{"type": "http.echo", "payload": i, "id": f"arr-{i}"} for i in range(20)]
    jobs.append({"type": "http.fail", "payload": 0, "id": "arr-fail"})
    batch = service.request("POST", "/v1/batches", jobs).json()["batch_id"]
    events = service.request("GET", f"/v1/batches/{batch}/events")
    assert events.headers["content-type"].startswith("text/event-stream")
    kinds, items = [], []
    for block in events.body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        kinds.append(fields["event"])
        if fields["event"] == "item":
            items.append(json.loads(fields["data"]))
    assert kinds[-1] == "done" and "progress" in kinds
    assert sorted(i["id"] for i in items) == sorted(j["id"] for j in jobs)
    done = json.loads(events.body.strip().split("\n\n")[-1].split("data: ", 1)[1])
    assert done["ok"] == 20 and done["failed"] == 1


def test_a_bad_batch_names_the_line_and_submits_nothing(service):
    body = '{"type": "http.echo", "payload": 1}\n\n{"type": "http.echo", "payload": }\n'
    reply = service.request("POST", "/v1/batches", body,
                            headers={"Content-Type": "application/x-ndjson"})
    assert reply.status == 400 and "line 3" in reply.json()["detail"], reply
    reply = service.request("POST", "/v1/batches", [{"type": "http.echo", "payload": 1, "id": "d"},
                                                     {"type": "http.echo", "payload": 2, "id": "d"}])
    assert reply.status == 400 and "both have id 'd'" in reply.json()["detail"]
    reply = service.request("POST", "/v1/batches", [{"type": "http.echo", "payload": 1},
                                                     {"type": "http.echo"}])
    assert reply.status == 400 and "index 1" in reply.json()["detail"]
    assert service.request("POST", "/v1/batches", []).status == 400


def test_health_probes(service):
    assert service.request("GET", "/healthz/live").json() == {"status": "live"}
    wait_for(lambda: service.request("GET", "/healthz/ready").status == 200, 10, "ready")


def test_a_full_broker_is_429_with_retry_after(ferry_bin, tmp_path):
    broker = HttpBroker(ferry_bin, tmp_path, broker_extra="  max_pending: 3")
    broker.start()  # no pool: jobs stay queued
    try:
        for i in range(3):
            broker.submit({"type": "http.echo", "payload": i})
        reply = broker.request("POST", "/v1/jobs", {"type": "http.echo", "payload": 4})
        assert reply.status == 429, reply
        assert int(reply.headers["retry-after"]) >= 1
        assert reply.json()["code"] == "QUEUE_FULL"
        batch = broker.request("POST", "/v1/batches", [{"type": "http.echo", "payload": 1}] * 2)
        assert batch.status in (429, 503) and "retry-after" in batch.headers
    finally:
        broker.stop()


def test_body_size_is_limited_with_413(ferry_bin, tmp_path):
    broker = HttpBroker(ferry_bin, tmp_path, http_extra="  limits: {max_body_bytes: 2048}")
    broker.start()
    try:
        reply = broker.request("POST", "/v1/jobs", {"type": "http.echo", "payload": "x" * 4000})
        assert reply.status == 413, reply
        assert "max_body_bytes" in reply.json()["detail"]
        assert broker.request("GET", "/healthz/live").status == 200
    finally:
        broker.stop()


def test_slow_headers_are_cut_and_extra_connections_refused(ferry_bin, tmp_path):
    broker = HttpBroker(ferry_bin, tmp_path,
                        http_extra="  limits: {max_connections: 2, header_timeout_ms: 800}")
    broker.start()
    port = int(broker.url.rsplit(":", 1)[1])
    slow = []
    try:
        for _ in range(2):  # two clients that start a request and never finish its headers
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /healthz/live HTTP/1.1\r\nHost: x\r\n")
            slow.append(s)
        time.sleep(0.2)  # let the server hand both to its threads (no event to await here)
        reply = broker.request("GET", "/healthz/live", timeout=5)
        assert reply.status == 503 and reply.json()["type"] == "/problems/too-many-connections"
        for s in slow:  # the header timeout closes them
            s.settimeout(5)
            started = time.monotonic()
            assert s.recv(4096) is not None
            assert time.monotonic() - started < 4
        wait_for(lambda: broker.request("GET", "/healthz/live").status == 200, 10,
                 "the server to serve again once the slow clients are gone")
    finally:
        for s in slow:
            s.close()
        broker.stop()


def test_a_post_with_wait_answers_the_outcome_in_one_request(service):
    reply = service.request("POST", "/v1/jobs?wait=30s", {"type": "http.echo", "payload": [1, 2]})
    assert reply.status == 200, reply
    outcome = reply.json()
    assert outcome["status"] == "ok" and outcome["result"] == [1, 2]
    assert reply.headers["location"] == f"/v1/jobs/{outcome['id']}"
    # The outcome counts as fetched: it can be fetched again within the grace.
    assert service.result(outcome["id"])["result"] == [1, 2]


def test_a_post_whose_wait_runs_out_is_a_202_to_poll(service):
    reply = service.request("POST", "/v1/jobs?wait=50ms",
                            {"type": "http.sleep", "payload": {"seconds": 1}})
    assert reply.status == 202, reply
    assert service.result(reply.json()["id"])["result"] == {"slept": 1}


def test_a_post_with_a_bad_wait_is_refused_before_anything_is_submitted(service):
    reply = service.request("POST", "/v1/jobs?wait=soon",
                            {"type": "http.echo", "payload": 1, "id": "bad-wait-job"})
    assert reply.status == 400 and "wait" in reply.json()["detail"], reply
    assert service.request("GET", "/v1/jobs/bad-wait-job").status == 404


def test_a_post_with_wait_and_an_idempotency_key_replays_as_the_202(service):
    headers = {"Idempotency-Key": "wait-key-1"}
    first = service.request("POST", "/v1/jobs?wait=30s", {"type": "http.echo", "payload": 7},
                            headers=headers)
    assert first.status == 200 and first.json()["result"] == 7, first
    again = service.request("POST", "/v1/jobs?wait=30s", {"type": "http.echo", "payload": 7},
                            headers=headers)
    assert again.status == 202, again  # the replay is the first answer the key recorded
    assert again.json()["id"] == first.json()["id"]
