"""Operators' routes over HTTP against a real broker and worker pool: cancelling jobs, listing
dead letters and running them again (redrive)."""

from __future__ import annotations

import time

import pytest

from http_service import HttpBroker


@pytest.fixture(scope="module")
def service(ferry_bin, tmp_path_factory):
    broker = HttpBroker(ferry_bin, tmp_path_factory.mktemp("http-ops"))
    broker.start()
    broker.start_pool()
    yield broker
    broker.stop()


def test_a_running_job_cancelled_comes_back_cancelled_at_once_and_the_pool_keeps_serving(service):
    job_id = service.submit({"type": "http.sleep", "payload": {"seconds": 60}})
    assert service.request("GET", f"/v1/jobs/{job_id}?wait=0.3s").status == 202
    started = time.monotonic()
    reply = service.request("POST", f"/v1/jobs/{job_id}/cancel")
    assert reply.status == 202, reply
    assert reply.json() == {"id": job_id, "state": "cancelled"}
    outcome = service.result(job_id, wait="20s")
    assert time.monotonic() - started < 20
    assert outcome["status"] == "cancelled"
    assert outcome["error"]["code"] == "CANCELLED"
    assert "cancelled" in outcome["error"]["message"]
    # The cancelled job is no dead letter: nobody needs to run it again.
    letters = service.request("GET", "/v1/dead-letters").json()["dead_letters"]
    assert job_id not in [letter["id"] for letter in letters]
    again = service.request("POST", f"/v1/jobs/{job_id}/cancel")
    assert again.status == 202 and again.json()["state"] == "finished", again
    echo = service.submit({"type": "http.echo", "payload": "still serving"})
    assert service.result(echo)["result"] == "still serving"


def test_cancelling_an_unknown_job_is_404_naming_it(service):
    reply = service.request("POST", "/v1/jobs/no-such-job/cancel")
    assert reply.status == 404, reply
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert "no-such-job" in reply.json()["detail"]


def test_a_dead_letter_is_listed_with_every_cause_and_a_redrive_heals_it(service, tmp_path):
    flag = tmp_path / "fail-now"
    flag.write_text("x")
    job_id = service.submit({"type": "http.flaky", "payload": {"fail_flag": str(flag)}})
    failed = service.result(job_id)
    assert failed["status"] == "failed" and failed["attempts"] == 2, failed

    listing = service.request("GET", "/v1/dead-letters?limit=1")
    assert listing.status == 200, listing
    body = listing.json()
    assert body["total"] >= 1 and len(body["dead_letters"]) == 1
    letter = body["dead_letters"][0]
    assert letter["id"] == job_id and letter["type"] == "http.flaky"
    assert letter["attempts"] == 2 and len(letter["causes"]) == 2
    assert letter["error"]["code"] == "HANDLER_ERROR"
    assert "Traceback" in letter["error"]["traceback"]
    assert letter["redrivable"] is True and letter["failed_at_ms"] > 0

    flag.unlink()
    reply = service.request("POST", f"/v1/dead-letters/{job_id}/redrive")
    assert reply.status == 202, reply
    assert reply.json() == {"id": job_id, "state": "queued"}
    healed = service.result(job_id)
    assert healed["status"] == "ok" and healed["result"] == {"ok": True}, healed
    assert healed["attempts"] == 1 and not healed.get("causes")
    ids = [entry["id"] for entry in service.request("GET", "/v1/dead-letters").json()["dead_letters"]]
    assert job_id not in ids
    twice = service.request("POST", f"/v1/dead-letters/{job_id}/redrive")
    assert twice.status == 404, twice
    assert job_id in twice.json()["detail"]


def test_dead_letters_are_filtered_by_client_and_a_bad_limit_is_400(service):
    other = service.request("GET", "/v1/dead-letters?client=nobody-submits-as-this")
    assert other.status == 200 and other.json()["dead_letters"] == []
    bad = service.request("GET", "/v1/dead-letters?limit=ten")
    assert bad.status == 400 and "limit" in bad.json()["detail"]
