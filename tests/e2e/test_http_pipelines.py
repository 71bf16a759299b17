"""The pipeline routes of the HTTP API under `ferry serve`: trigger, history, pause, resume,
backfill, and their refusals."""

from __future__ import annotations

import json
import pathlib

import pytest

from http_service import HttpBroker
from serve_service import serve_factory
from test_serve import pipeline, write_jobs


@pytest.fixture
def serve(ferry_bin, tmp_path: pathlib.Path):
    yield from serve_factory(ferry_bin, tmp_path)


def http_client(svc) -> HttpBroker:
    line = svc.proc.stdout.readline()
    assert line.startswith("ferry serve: http="), line
    client = HttpBroker.__new__(HttpBroker)
    client.url, client.token, client.tls_context = line.strip().split("=", 1)[1], "", None
    return client


def test_pipelines_are_triggered_listed_paused_and_backfilled_over_http(serve, tmp_path):
    ids = write_jobs(tmp_path / "jobs.jsonl", 5)
    svc = serve(extra="http: {listen: 127.0.0.1:0}")
    svc.pipeline("manual", pipeline("cron: \"0 3 * * *\", timezone: Europe/Berlin"))
    svc.start()
    client = http_client(svc)
    trigger = client.request("POST", "/v1/pipelines/manual/runs", {"at": "2026-01-01T00:00:00Z"})
    assert trigger.status == 202, trigger
    assert "manual@20260101T000000Z" in trigger.body
    again = client.request("POST", "/v1/pipelines/manual/runs", {"at": "2026-01-01T00:00:00Z"})
    assert again.status == 409 and "manual@20260101T000000Z" in again.json()["detail"]
    svc.wait_runs(lambda rs: any(r["state"] == "succeeded" for r in rs), 60, "the trigger")
    history = client.request("GET", "/v1/pipelines/manual/runs?limit=5")
    assert history.status == 200, history
    runs = history.json()["pipelines"][0]["runs"]
    assert runs[0]["run_id"] == "manual@20260101T000000Z" and runs[0]["ok"] == len(ids)
    dry = client.request("POST", "/v1/pipelines/manual/backfill",
                         {"from": "2026-02-01T00:00:00Z", "to": "2026-02-02T23:59:59Z",
                          "dry_run": True})
    assert dry.status == 200 and dry.json()["nominal"] == ["2026-02-01T02:00:00Z",
                                                           "2026-02-02T02:00:00Z"]
    assert client.request("POST", "/v1/pipelines/manual/pause").status == 200
    listed = client.request("GET", "/v1/pipelines/manual/runs").json()["pipelines"][0]
    assert listed["paused"] is True
    assert client.request("POST", "/v1/pipelines/manual/resume").status == 200
    unknown = client.request("POST", "/v1/pipelines/nightly/pause")
    assert unknown.status == 404 and "no pipeline named 'nightly'" in unknown.json()["detail"]
    bad = client.request("POST", "/v1/pipelines/manual/runs", "{not json")
    assert bad.status == 400 and bad.json()["type"] == "/problems/malformed-json"
    bad_limit = client.request("GET", "/v1/pipelines/manual/runs?limit=ten")
    assert bad_limit.status == 400


def test_pipeline_routes_under_ferry_broker_are_501(ferry_bin, tmp_path):
    broker = HttpBroker(ferry_bin, tmp_path)
    broker.start()
    try:
        reply = broker.request("POST", "/v1/pipelines/any/runs")
        assert reply.status == 501 and reply.json()["code"] == "UNSUPPORTED"
    finally:
        broker.stop()
