"""The HTTP server's bearer token and TLS: who gets in, what is refused at start, what is logged."""

from __future__ import annotations

import ssl
import subprocess

import pytest

from http_service import HttpBroker

TOKEN = "s3cret-token-0123456789abcdef"


def check_token_gate(broker: HttpBroker) -> None:
    job = {"type": "http.echo", "payload": 1}
    missing = broker.request("POST", "/v1/jobs", job, token="")
    assert missing.status == 401, missing
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.json()["type"] == "/problems/unauthorized"
    wrong = broker.request("POST", "/v1/jobs", job, token=TOKEN[:-1] + "X")
    assert wrong.status == 401 and "not the one" in wrong.json()["detail"]
    assert broker.request("GET", "/v1/jobs/anything", token="").status == 401
    assert broker.request("GET", "/v1/jobs/anything", token="wrong").status == 401
    # probes stay open for orchestrators
    assert broker.request("GET", "/healthz/live", token="").status == 200
    job_id = broker.submit(job, token=TOKEN)
    assert broker.request("GET", f"/v1/jobs/{job_id}?wait=30s", token=TOKEN).json()["result"] == 1


def test_a_token_file_is_required_and_never_logged(ferry_bin, tmp_path):
    (tmp_path / "token").write_text(TOKEN + "\n")
    (tmp_path / "token").chmod(0o600)
    broker = HttpBroker(ferry_bin, tmp_path, http_extra="  token_file: token")
    broker.start(log_level="debug")
    broker.start_pool(processes=1)
    try:
        check_token_gate(broker)
    finally:
        broker.stop()
    log = (tmp_path / "broker.log").read_text()
    assert "http: POST /v1/jobs -> 401" in log  # requests are logged at debug ...
    assert TOKEN not in log and TOKEN[:-1] not in log  # ... without their headers


def test_a_token_from_the_environment(ferry_bin, tmp_path):
    broker = HttpBroker(ferry_bin, tmp_path, http_extra="  token_env: FERRY_TEST_TOKEN",
                        env={"FERRY_TEST_TOKEN": TOKEN})
    broker.start()
    broker.start_pool(processes=1)
    try:
        check_token_gate(broker)
    finally:
        broker.stop()


@pytest.mark.parametrize("http, message", [
    ("{listen: 0.0.0.0:0}", "is not a loopback address, so the server needs a bearer token"),
    ("{listen: 127.0.0.1:0, token_env: FERRY_UNSET_VARIABLE_X}", "token from the environment variable FERRY_UNSET_VARIABLE_X is empty"),
    ("{listen: 127.0.0.1:0, token_file: missing.txt}", "cannot read the token file"),
    ("{listen: 127.0.0.1:0, tls: {cert_file: c.pem}}", "needs both cert_file and key_file"),
    ("{listen: 127.0.0.1:0, tls: {cert_file: c.pem, key_file: k.pem}}", "cannot use certificate"),
    ("{listen: localhost}", "must be HOST:PORT"),
    ("{listen: 127.0.0.1:0, limits: {max_conections: 3}}", "max_connections"),
])
def test_unsafe_or_broken_http_settings_refuse_to_start(run_ferry, tmp_path, http, message):
    (tmp_path / "c.pem").write_text("not a certificate\n")
    (tmp_path / "k.pem").write_text("not a key\n")
    (tmp_path / "b.yaml").write_text(f"""
broker: {{producers_endpoint: "tcp://127.0.0.1:0", workers_endpoint: "tcp://127.0.0.1:0"}}
http: {http}
""")
    done = run_ferry("broker", "b.yaml", timeout=30)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert message in done.stderr, done.stderr


def test_tls_with_a_token(ferry_bin, tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)
    broker = HttpBroker(ferry_bin, tmp_path, env={"T": TOKEN},
                        http_extra="  token_env: T\n  tls: {cert_file: cert.pem, key_file: key.pem}")
    broker.start()
    broker.start_pool(processes=1)
    try:
        assert broker.url.startswith("https://127.0.0.1:")
        broker.tls_context = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
        check_token_gate(broker)
        # a client that does not trust the certificate gets no answer
        broker.tls_context = ssl.create_default_context()
        with pytest.raises(ssl.SSLError):
            broker.request("GET", "/healthz/live")
        # plain HTTP on the TLS port is not served
        plain = HttpBroker.__new__(HttpBroker)
        plain.url, plain.token, plain.tls_context = broker.url.replace("https", "http"), "", None
        with pytest.raises(Exception):
            reply = plain.request("GET", "/healthz/live", timeout=5)
            assert reply.status != 200
            raise ConnectionError("refused as expected")
    finally:
        broker.stop()
