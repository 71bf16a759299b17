"""The status page in headless Chromium (Debian's `chromium`) against a live broker and pool:
it shows the workers and a nonzero throughput while jobs flow, the dead letters with their
causes, loads nothing from elsewhere, and asks for the token when the server needs one. A
screenshot is kept under the build directory (artifacts/status-page.png)."""

from __future__ import annotations

import html.parser
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest

from http_service import HttpBroker

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


class ById(html.parser.HTMLParser):
    """The text inside each element that has an id, and the attributes of those elements."""

    def __init__(self) -> None:
        super().__init__()
        self.text: dict[str, str] = {}
        self.attrs: dict[str, dict[str, str | None]] = {}
        self.open: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("meta", "link", "input", "br", "img"):
            return  # void elements never close
        found = dict(attrs).get("id")
        if found:
            self.text.setdefault(found, "")
            self.attrs[found] = dict(attrs)
        self.open.append(found)

    def handle_endtag(self, tag):
        if self.open:
            self.open.pop()

    def handle_data(self, data):
        for name in self.open:
            if name:
                self.text[name] += data


def chromium(*args: str, timeout: float = 60) -> str:
    """One headless Chromium run with a profile of its own (removed after); its stdout."""
    profile = tempfile.mkdtemp(prefix="ferry-chromium-")
    proc = subprocess.Popen(
        [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", "--disable-background-networking", "--disable-sync",
         f"--user-data-dir={profile}", *args],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return out
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # its zygote and renderer children too
        except ProcessLookupError:
            pass
        proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def page_dom(url: str) -> ById:
    """The page's DOM after its scripts ran a few polls (virtual time runs the timers)."""
    parsed = ById()
    parsed.feed(chromium("--virtual-time-budget=5000", "--dump-dom", url))
    return parsed


@pytest.fixture
def service(ferry_bin, tmp_path):
    broker = HttpBroker(ferry_bin, tmp_path)
    broker.start()
    broker.start_pool(processes=2)
    yield broker
    broker.stop()


def test_the_page_shows_workers_throughput_and_dead_letters_and_keeps_a_screenshot(
        service, ferry_bin):
    failed = service.submit({"type": "http.fail", "payload": {"why": "<b>not html</b>"},
                             "id": "page-<dead>-letter"})
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
    try:
        deadline = time.monotonic() + 90
        while True:
            dom = page_dom(service.url + "/")
            workers = dom.text.get("worker-count", "").strip()
            rate = dom.text.get("throughput-now", "").strip()
            ready = workers.isdigit() and int(workers) == 2 and rate not in ("", "–") \
                and float(rate) > 0
            if ready or time.monotonic() > deadline:
                break
        assert ready, f"the page never showed 2 workers and a rate: {workers!r}, {rate!r}"
        assert dom.text["connection"].strip() == "live"
        letters = dom.text["dead-letters"]
        assert "page-<dead>-letter" in letters  # shown as text, not markup
        assert "HANDLER_ERROR" in letters and "Traceback" in letters
        assert "http.echo" in dom.text["queues"]
        assert "pipelines run under ferry serve" in dom.text["pipelines"]
        shot = ferry_bin.parent / "artifacts" / "status-page.png"
        shot.parent.mkdir(exist_ok=True)
        shot.unlink(missing_ok=True)
        chromium("--virtual-time-budget=5000", "--window-size=1280,1400",
                 f"--screenshot={shot}", service.url + "/")
        assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
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


def test_the_page_asks_for_the_token_when_the_server_needs_one(ferry_bin, tmp_path):
    broker = HttpBroker(ferry_bin, tmp_path, http_extra="  token_env: FERRY_PAGE_TOKEN",
                        env={"FERRY_PAGE_TOKEN": "page-token-0123456789"})
    broker.start()
    try:
        dom = page_dom(broker.url + "/")
        assert "hidden" not in dom.attrs["token-form"], "the token form is not shown"
        assert "hidden" in dom.attrs["content"]
        assert dom.text["connection"].strip() == "disconnected"
        assert dom.text["worker-count"].strip() == "–"  # nothing leaked without the token
    finally:
        broker.stop()
