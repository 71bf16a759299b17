"""The status page in headless Chromium (Debian's `chromium`), driven over its DevTools socket,
against a live broker and pool: it shows the workers and a nonzero throughput while jobs flow,
the dead letters with their causes, redrives one with its button, loads nothing from elsewhere,
and asks for the token when the server needs one. A screenshot is kept under the build
directory (artifacts/status-page.png)."""

from __future__ import annotations

import json
import shutil
import threading

import pytest

from devtools import Browser
from http_service import HttpBroker

pytestmark = pytest.mark.skipif(shutil.which("chromium") is None,
                                reason="Debian's chromium is not installed")


def text_of(element_id: str) -> str:
    return f"(document.getElementById({json.dumps(element_id)}) || {{}}).textContent || ''"


@pytest.fixture
def service(ferry_bin, tmp_path):
    broker = HttpBroker(ferry_bin, tmp_path)
    broker.start()
    broker.start_pool(processes=2)
    yield broker
    broker.stop()


def test_the_page_follows_the_broker_and_redrives_a_dead_letter(service, ferry_bin, tmp_path):
    flag = tmp_path / "fail-now"
    flag.write_text("x")
    dead = "page-<dead>-letter"
    failed = service.submit({"type": "http.flaky", "payload": {"fail_flag": str(flag)},
                             "id": dead})
    assert service.result(failed)["status"] == "failed"
    stop = threading.Event()

    def flow() -> None:
        while not stop.is_set():
            batch = [{"type": "http.echo", "payload": i} for i in range(500)]
            reply = service.request("POST", "/v1/batches", batch)
            assert reply.status == 202, reply
            service.request("GET", f"/v1/batches/{reply.json()['batch_id']}/results")

    flowing = threading.Thread(target=flow, daemon=True)
    flowing.start()
    browser = Browser(service.url + "/")
    try:
        browser.call("Network.enable")
        browser.call("Page.reload")
        browser.wait_for(f"{text_of('worker-count')}.trim() === '2'")
        browser.wait_for(f"parseFloat({text_of('throughput-now')}) > 0")
        assert browser.evaluate(f"{text_of('connection')}.trim()") == "live"
        letters = browser.wait_for(f"{text_of('dead-letters')}.includes({json.dumps(dead)}) "
                                   f"&& {text_of('dead-letters')}")
        assert "HANDLER_ERROR" in letters and "Traceback" in letters
        # Shown as text: the id's angle brackets made no element.
        assert browser.evaluate("document.querySelectorAll('#dead-letters dead').length") == 0
        assert "http.echo" in browser.evaluate(text_of("queues"))
        assert "pipelines run under ferry serve" in browser.evaluate(text_of("pipelines"))
        shot = ferry_bin.parent / "artifacts" / "status-page.png"
        shot.parent.mkdir(exist_ok=True)
        browser.screenshot(shot)
        assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

        flag.unlink()
        browser.evaluate(f"document.querySelector('#dead-letters button[data-id={json.dumps(dead)}]')"
                         ".click()")
        assert dead in browser.wait_for(f"{text_of('redrive-result')}.includes('queued again') "
                                        f"&& {text_of('redrive-result')}")
        healed = service.result(failed)
        assert healed["status"] == "ok" and healed["result"] == {"ok": True}, healed

        requested = [e["params"]["request"]["url"] for e in browser.events
                     if e.get("method") == "Network.requestWillBeSent"]
        assert requested, "no request was seen"
        outside = [url for url in requested if not url.startswith(service.url)]
        assert outside == [], outside
    finally:
        browser.close()
        stop.set()
        flowing.join(timeout=60)


def test_the_page_loads_nothing_from_elsewhere(service):
    page = service.request("GET", "/")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    files = [page.body]
    for asset in ("/assets/app.js", "/assets/style.css", "/favicon.ico"):
        reply = service.request("GET", asset)
        assert reply.status == 200, (asset, reply)
        files.append(reply.body)
    for text in files:
        for scheme in ("http://", "https://", "//fonts", "//cdn"):
            assert scheme not in text.replace("http://www.w3.org/2000/svg", ""), scheme
    missing = service.request("GET", "/assets/nope.js")
    assert missing.status == 404 and "nope.js" in missing.json()["detail"]


def test_the_page_asks_for_the_token_and_goes_live_with_it(ferry_bin, tmp_path):
    token = "page-token-0123456789"
    broker = HttpBroker(ferry_bin, tmp_path, http_extra="  token_env: FERRY_PAGE_TOKEN",
                        env={"FERRY_PAGE_TOKEN": token})
    broker.start()
    broker.start_pool(processes=1)
    browser = Browser(broker.url + "/")
    try:
        browser.wait_for("!document.getElementById('token-form').hidden")
        assert browser.evaluate("document.getElementById('content').hidden") is True
        assert browser.evaluate(f"{text_of('worker-count')}.trim()") == "–"
        browser.evaluate("document.getElementById('token-input').value = 'wrong-token'; "
                         "document.getElementById('token-form').requestSubmit()")
        browser.wait_for(f"{text_of('token-error')}.includes('refused')")
        browser.evaluate(f"document.getElementById('token-input').value = {json.dumps(token)}; "
                         "document.getElementById('token-form').requestSubmit()")
        browser.wait_for(f"{text_of('connection')}.trim() === 'live'")
        browser.wait_for(f"{text_of('worker-count')}.trim() === '1'")
        assert browser.evaluate("document.getElementById('token-form').hidden") is True
        assert token not in browser.evaluate("location.href")
    finally:
        browser.close()
        broker.stop()
