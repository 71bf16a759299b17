"""The systemd units of deploy/systemd: systemd-analyze verify accepts them without a warning, and
they carry the hardening, the stop timeouts and the configuration paths docs/install.md promises."""

from __future__ import annotations

import configparser
import pathlib
import shutil
import subprocess

import pytest
import yaml

from conftest import REPO

UNITS = REPO / "deploy" / "systemd"
BROKER, SERVE, WORKER = "ferry-broker.service", "ferry-serve.service", "ferry-worker@.service"
NATIVE = "ferry-native-worker@.service"

HARDENING = {
    "DynamicUser": "yes", "User": "ferry", "ProtectSystem": "strict", "ProtectHome": "yes",
    "PrivateTmp": "yes", "NoNewPrivileges": "yes", "StateDirectory": "ferry",
    "Restart": "on-failure", "KillSignal": "SIGTERM", "KillMode": "mixed",
}


def service_section(unit: str) -> dict[str, list[str]]:
    """The [Service] settings of a unit, each with every value it is given."""
    settings: dict[str, list[str]] = {}
    section = None
    for line in (UNITS / unit).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def seconds(value: str) -> float:
    assert value.endswith("s") and value[:-1].isdigit(), value
    return float(value[:-1])


@pytest.fixture
def verify_dir(tmp_path: pathlib.Path, ferry_bin: pathlib.Path) -> pathlib.Path:
    """The units in a temp dir, naming the built ferry (ExecStart binaries must exist), and an
    instance of the worker template."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is missing (Debian package systemd)")
    for unit in (BROKER, SERVE, WORKER, NATIVE):
        text = (UNITS / unit).read_text()
        assert "ExecStart=/usr/bin/ferry " in text or "ExecStart=/usr/bin/python3 " in text
        (tmp_path / unit).write_text(text.replace("/usr/bin/ferry ", f"{ferry_bin} "))
    shutil.copy(tmp_path / WORKER, tmp_path / "ferry-worker@demo.service")
    shutil.copy(tmp_path / NATIVE, tmp_path / "ferry-native-worker@demo.service")
    return tmp_path


@pytest.mark.parametrize("unit", [BROKER, SERVE, "ferry-worker@demo.service",
                                  "ferry-native-worker@demo.service"])
def test_systemd_analyze_verify_accepts_the_unit_without_a_warning(verify_dir: pathlib.Path,
                                                                   unit: str) -> None:
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", f"./{unit}"], cwd=verify_dir,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    # verify exits 0 on many problems (unknown keys, bad values are "ignored"): any line about
    # the unit files fails the test.
    ours = [line for line in (done.stdout + done.stderr).splitlines()
            if "ferry-" in line or str(verify_dir) in line]
    assert done.returncode == 0 and not ours, done.stdout + done.stderr


def test_a_misspelt_setting_is_caught(verify_dir: pathlib.Path) -> None:
    """The check above can fail: a unit with a typo gives a line naming it."""
    broken = verify_dir / "ferry-broken.service"
    broken.write_text((verify_dir / BROKER).read_text().replace("ProtectHome=", "ProtectHomes="))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", f"./{broken.name}"],
                          cwd=verify_dir, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert "ferry-broken.service" in done.stderr and "ProtectHomes" in done.stderr, done.stderr


@pytest.mark.parametrize("unit", [BROKER, SERVE, WORKER, NATIVE])
def test_every_unit_is_hardened_and_stops_after_its_grace(unit: str) -> None:
    settings = service_section(unit)
    for key, value in HARDENING.items():
        assert settings.get(key) == [value], f"{unit}: {key}={settings.get(key)}"
    grace = {BROKER: 10, SERVE: 30, WORKER: 30, NATIVE: 30}[unit]  # shutdown grace, drain
    assert seconds(settings["TimeoutStopSec"][0]) > grace
    if unit not in (WORKER, NATIVE):
        assert settings["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
    # A key file that is missing does not stop the unit: SetCredential= is the fallback.
    loaded = [v.split(":")[0] for v in settings["LoadCredential"]]
    assert loaded and loaded == [v.split(":")[0] for v in settings["SetCredential"]]
    assert all(v.split(":", 1)[1].startswith("/etc/ferry/keys/") for v in settings["LoadCredential"])
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((UNITS / unit).read_text())
    assert parser["Install"]["WantedBy"] == "multi-user.target"


def test_the_units_run_the_commands_and_files_of_etc_ferry() -> None:
    assert service_section(BROKER)["ExecStart"] == ["/usr/bin/ferry broker /etc/ferry/broker.yaml"]
    assert service_section(SERVE)["ExecStart"] == ["/usr/bin/ferry serve /etc/ferry/serve.yaml"]
    worker = service_section(WORKER)
    assert worker["EnvironmentFile"] == ["/etc/ferry/worker-%i.env"]
    assert worker["ExecStart"][0].startswith(
        "/usr/bin/python3 -m ferry_worker --broker ${FERRY_BROKER} --handlers ${FERRY_HANDLERS} ")
    native = service_section(NATIVE)
    assert native["EnvironmentFile"] == ["/etc/ferry/native-worker-%i.env"]
    assert native["ExecStart"][0].startswith(
        "/usr/bin/ferry --log-level ${FERRY_LOG_LEVEL} worker --broker ${FERRY_BROKER} "
        "--config /etc/ferry/native-worker-%i.yaml")


def test_the_example_configs_keep_state_under_the_state_directory() -> None:
    broker = yaml.safe_load((UNITS / "broker.yaml").read_text())
    assert broker["broker"]["journal"]["path"].startswith("/var/lib/ferry/")
    serve = yaml.safe_load((UNITS / "serve.yaml").read_text())
    assert serve["service"]["state_dir"].startswith("/var/lib/ferry/")
    assert serve["service"]["shutdown_grace_s"] < seconds(service_section(SERVE)["TimeoutStopSec"][0])
    assert broker["broker"]["shutdown_grace_s"] < seconds(service_section(BROKER)["TimeoutStopSec"][0])
    env = dict(line.split("=", 1) for line in (UNITS / "worker-example.env").read_text().splitlines()
               if line and not line.startswith("#"))
    assert {"FERRY_BROKER", "FERRY_HANDLERS", "FERRY_PROCESSES", "FERRY_LOG_LEVEL",
            "FERRY_WORKER_ARGS"} <= env.keys()
    # Every flag the unit passes must be one the worker accepts.
    done = subprocess.run(["/usr/bin/python3", "-m", "ferry_worker", "--help"], capture_output=True,
                          text=True, timeout=60, env={"PYTHONPATH": str(REPO / "py_workers"),
                                                      "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    for flag in ("--broker", "--handlers", "--processes", "--log-level", *[
            arg for arg in env["FERRY_WORKER_ARGS"].split() if arg.startswith("--")]):
        assert flag in done.stdout, flag
    assert env["FERRY_LOG_LEVEL"] in done.stdout
