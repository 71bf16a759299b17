"""`ferry status --watch`: refreshed status while jobs flow, as a table or JSON lines, through a
broker that stops answering, until Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess

from http_service import HttpBroker


def watch(ferry_bin, endpoint: str, *flags: str) -> subprocess.Popen:
    return subprocess.Popen([str(ferry_bin), "status", "--broker", endpoint, "--watch",
                             "--interval", "0.3", *flags],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)


def read_until(watcher: subprocess.Popen, text: str) -> str:
    """The watch's output up to the line holding `text`; fails if the watch ends first."""
    seen = ""
    while text not in seen:
        line = watcher.stdout.readline()
        assert line, f"the watch ended before printing {text!r}: {seen[-500:]!r}"
        seen += line
    return seen


def stop(watcher: subprocess.Popen) -> None:
    if watcher.poll() is None:
        watcher.kill()
        watcher.wait()


def test_json_lines_follow_the_jobs_and_ctrl_c_ends_the_watch(ferry_bin, tmp_path):
    service = HttpBroker(ferry_bin, tmp_path)
    service.start()
    service.start_pool()
    watcher = watch(ferry_bin, service.producers, "--json")
    try:
        first = json.loads(watcher.stdout.readline())
        assert first["done"] == 0 and "workers" in first
        batch = [{"type": "http.echo", "payload": i} for i in range(200)]
        reply = service.request("POST", "/v1/batches", batch)
        assert reply.status == 202, reply
        for _ in range(200):  # about a minute of refreshes at most
            text = watcher.stdout.readline()
            assert text, "the watch ended early"
            line = json.loads(text)
            if line["done"] >= 200:
                break
        assert line["done"] >= 200 and len(line["workers"]) >= 1
        watcher.send_signal(signal.SIGINT)
        assert watcher.wait(timeout=10) == 0
    finally:
        stop(watcher)
        service.stop()


def test_the_table_shows_throughput_and_reports_a_broker_that_went_away(ferry_bin, tmp_path):
    service = HttpBroker(ferry_bin, tmp_path)
    service.start()
    watcher = watch(ferry_bin, service.producers)
    try:
        seen = read_until(watcher, "throughput (finished/s, last 1 refreshes)")
        assert "queues:" in seen and "workers:" in seen and "Ctrl-C stops" in seen
        service.stop()
        read_until(watcher, "no status from a broker")  # reported, and the watch goes on
        assert watcher.poll() is None  # still watching
        watcher.send_signal(signal.SIGINT)
        assert watcher.wait(timeout=10) == 0
    finally:
        stop(watcher)
        service.stop()
