"""/metrics scraped from a live broker while jobs flow, checked by promtool; the scheduler's
metrics under `ferry serve`; the shipped alerting rules."""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import threading

import pytest

from conftest import REPO
from http_service import HttpBroker
from serve_service import serve_factory
from test_http_pipelines import http_client
from test_serve import pipeline, write_jobs

PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(PROMTOOL is None, reason="promtool (Debian's prometheus) is missing")


def samples(text: str) -> dict[str, float]:
    """`name{labels}` -> value, for every sample line."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def promtool_check(text: str) -> None:
    checked = subprocess.run([PROMTOOL, "check", "metrics"], input=text, text=True,
                             capture_output=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_live_broker_scraped_while_jobs_flow_passes_promtool(ferry_bin, tmp_path):
    service = HttpBroker(ferry_bin, tmp_path, broker_extra="  journal: {path: ./journal}")
    service.start()
    service.start_pool()
    ids = [f"metrics-job-{i}" for i in range(3000)]
    done = threading.Event()

    def flow() -> None:
        for start in range(0, len(ids), 500):
            batch = [{"type": "http.echo", "payload": i, "id": job_id}
                     for i, job_id in enumerate(ids[start:start + 500])]
            reply = service.request("POST", "/v1/batches", batch)
            assert reply.status == 202, reply
            results = service.request("GET", f"/v1/batches/{reply.json()['batch_id']}/results")
            assert results.status == 200 and len(results.lines()) == len(batch)
        done.set()

    flowing = threading.Thread(target=flow, daemon=True)
    try:
        flowing.start()
        scrapes = []
        while not done.is_set() and flowing.is_alive():
            reply = service.request("GET", "/metrics")
            assert reply.status == 200, reply
            assert reply.headers["content-type"].startswith("text/plain; version=0.0.4")
            promtool_check(reply.body)
            scrapes.append(reply.body)
            done.wait(0.2)
        flowing.join(timeout=120)
        assert done.is_set(), "the jobs did not all come back"
        final = service.request("GET", "/metrics").body
        promtool_check(final)
        assert len(scrapes) >= 1
        values = samples(final)
        assert values['ferry_jobs_completed_total{outcome="ok"}'] >= len(ids)
        assert values["ferry_jobs_submitted_total"] >= len(ids)
        assert values["ferry_workers_online"] >= 1
        assert values["ferry_dispatch_batch_jobs_count"] >= 1
        assert values['ferry_dispatch_batch_jobs_bucket{le="+Inf"}'] == values["ferry_dispatch_batch_jobs_count"]
        assert values["ferry_handler_duration_seconds_count"] >= len(ids)
        assert values["ferry_queue_wait_seconds_count"] >= len(ids)
        assert values["ferry_journal_bytes"] > 0
        assert values["ferry_journal_fsync_duration_seconds_count"] > 0
        assert values["ferry_journal_disk_full"] == 0
        assert values['ferry_http_requests_total{route="/v1/batches",code="202"}'] == 6
        assert values['ferry_http_requests_total{route="/metrics",code="200"}'] >= len(scrapes)
        assert any(key.startswith('ferry_build_info{version="') for key in values)
        assert any(key.startswith("ferry_worker_credit{") for key in values)
        # No job id ever becomes a label.
        assert "metrics-job-" not in final
        # Counters only grow between scrapes.
        first = samples(scrapes[0])
        for key, value in first.items():
            if key.split("{")[0].endswith("_total") and key in values:
                assert values[key] >= value, key
    finally:
        service.stop()


@pytest.fixture
def serve(ferry_bin, tmp_path: pathlib.Path):
    yield from serve_factory(ferry_bin, tmp_path)


def test_the_scheduler_reports_fires_and_the_last_fire_under_ferry_serve(serve, tmp_path):
    write_jobs(tmp_path / "jobs.jsonl", 3)
    svc = serve(extra="http: {listen: 127.0.0.1:0}")
    svc.pipeline("manual", pipeline("cron: \"0 3 * * *\""))
    svc.start()
    client = http_client(svc)
    assert client.request("POST", "/v1/pipelines/manual/runs",
                          {"at": "2026-01-01T00:00:00Z"}).status == 202
    svc.wait_runs(lambda rs: any(r["state"] == "succeeded" for r in rs), 60, "the trigger")
    text = client.request("GET", "/metrics").body
    promtool_check(text)
    values = samples(text)
    assert values['ferry_scheduler_fires_total{pipeline="manual",outcome="succeeded"}'] == 1
    assert values['ferry_scheduler_last_fire_timestamp_seconds{pipeline="manual"}'] > 1.7e9
    assert values['ferry_scheduler_paused{pipeline="manual"}'] == 0
    assert 'service="serve"' in text
    # /v1/status carries the pipelines with their schedules and runs, for the status page.
    status = client.request("GET", "/v1/status")
    assert status.status == 200, status
    body = status.json()
    assert body["http"]["service"] == "serve"
    assert body["throughput"]["interval_s"] == 2
    (manual,) = body["pipelines"]
    assert manual["name"] == "manual" and "schedule" in manual
    assert manual["runs"][-1]["state"] == "succeeded"


def test_the_shipped_alerting_rules_load_and_fire_as_their_tests_expect():
    rules = REPO / "deploy" / "prometheus"
    checked = subprocess.run([PROMTOOL, "check", "rules", str(rules / "ferry-alerts.yml")],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert re.search(r"SUCCESS: \d+ rules found", checked.stdout)
    tested = subprocess.run([PROMTOOL, "test", "rules", "ferry-alerts.test.yml"], cwd=rules,
                            capture_output=True, text=True, timeout=60)
    assert tested.returncode == 0, tested.stdout + tested.stderr
