"""Ferry as operators install it: `cmake --install`, the Debian package, the worker package by pip.

Each installed copy runs a small pipeline without the checkout's py_workers on PYTHONPATH, and the
handler reports which ferry_worker it was imported from, so a run that fell back to the source tree
fails.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import REPO

PYTHON = "/usr/bin/python3"
SOURCE_PACKAGE = REPO / "py_workers" / "ferry_worker"

WHERE_HANDLER = '''
import ferry_worker


@ferry_worker.handler("where")
def where(job):
    return {"n": job.payload["n"], "worker": ferry_worker.__file__}
'''

PIPELINE = """
broker:
  producers_endpoint: tcp://127.0.0.1:0
  workers_endpoint: tcp://127.0.0.1:0
  heartbeat_ms: 200
input: {type: where}
producer: {window: 100, progress_interval_s: 1}
workers:
  - handlers: HANDLERS
    processes: 1
    python: /usr/bin/python3
    heartbeat_ms: 200
"""


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything pointing at the checkout's worker package."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FERRY_WORKER_PATH")}
    env.update(PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def run(args: list[str], cwd: pathlib.Path, env: dict[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env or clean_env(), capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def package_files(root: pathlib.Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


def run_where_pipeline(ferry: pathlib.Path, work: pathlib.Path, expected_worker: pathlib.Path) -> None:
    """`ferry run` of three jobs; every record must be answered by the expected ferry_worker."""
    work.mkdir(parents=True)
    (work / "where.py").write_text(WHERE_HANDLER)
    (work / "p.yaml").write_text(PIPELINE.replace("HANDLERS", str(work / "where.py")))
    (work / "jobs.jsonl").write_text("".join(json.dumps({"id": f"j{n}", "payload": {"n": n}}) + "\n"
                                             for n in range(3)))
    done = run([ferry, "run", "p.yaml", "--input", "jobs.jsonl", "--output", "out.jsonl"], cwd=work)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in (work / "out.jsonl").read_text().splitlines()]
    # Timing and the answering process's name vary; everything else is exact.
    assert all(isinstance(r.pop("ms"), (int, float)) and isinstance(r.pop("worker"), str)
               for r in records), records
    assert records == [{"id": f"j{n}", "status": "ok", "attempts": 1,
                        "result": {"n": n, "worker": str(expected_worker)}} for n in range(3)]


@pytest.fixture(scope="module")
def build_dir() -> pathlib.Path:
    build = pathlib.Path(os.environ.get("FERRY_BUILD_DIR", REPO / "build"))
    if not (build / "ferry").exists():
        pytest.fail(f"{build / 'ferry'} is missing: build first (cmake --preset dev && cmake --build --preset dev)")
    if not (build / "cmake_install.cmake").exists() or not (build / "CPackConfig.cmake").exists():
        pytest.fail(f"{build} has no install rules: configure it again (cmake --preset dev)")
    return build


@pytest.fixture(scope="module")
def installed(build_dir: pathlib.Path, tmp_path_factory: pytest.TempPathFactory):
    prefix = tmp_path_factory.mktemp("install") / "prefix"
    done = run(["cmake", "--install", build_dir, "--prefix", prefix], cwd=prefix.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    yield prefix
    shutil.rmtree(prefix.parent, ignore_errors=True)


def test_cmake_install_lays_out_the_executable_the_worker_package_units_and_examples(
        installed: pathlib.Path, build_dir: pathlib.Path) -> None:
    assert os.access(installed / "bin" / "ferry", os.X_OK)
    python_dir = installed / "lib" / "python3" / "dist-packages"
    # The package as in the source tree, without bytecode caches or tests.
    assert package_files(python_dir / "ferry_worker") == package_files(SOURCE_PACKAGE)
    assert not list(installed.rglob("__pycache__")) and not list(installed.rglob("*.pyc"))
    assert not [p for p in installed.rglob("test_*.py")]
    # The only entry the installed ferry puts on its pools' PYTHONPATH links to that package.
    link = installed / "share" / "ferry" / "python" / "ferry_worker"
    assert link.is_symlink() and link.resolve() == (python_dir / "ferry_worker").resolve()
    assert sorted(p.name for p in (installed / "share" / "ferry" / "python").iterdir()) == ["ferry_worker"]
    units = installed / "lib" / "systemd" / "system"
    assert sorted(p.name for p in units.iterdir()) == [
        "ferry-broker.service", "ferry-native-worker@.service", "ferry-serve.service",
        "ferry-worker@.service"]
    # Installed outside /usr, the units name that prefix's executable and package.
    assert f"ExecStart={installed}/bin/ferry broker /etc/ferry/broker.yaml\n" in \
        (units / "ferry-broker.service").read_text()
    assert f"ExecStart={installed}/bin/ferry serve /etc/ferry/serve.yaml\n" in \
        (units / "ferry-serve.service").read_text()
    assert f"\nEnvironment=PYTHONPATH={python_dir}\nExecStart=/usr/bin/python3 -m ferry_worker " in \
        (units / "ferry-worker@.service").read_text()
    examples = installed / "share" / "ferry" / "examples"
    assert (examples / "echo.yaml").read_text() == (REPO / "config" / "echo.yaml").read_text()
    for name in ("broker.yaml", "serve.yaml", "worker-example.env", "native-worker-example.env"):
        assert (examples / name).read_text() == (REPO / "deploy" / "systemd" / name).read_text()
    assert (examples / "digits-worker.yaml").read_text() == \
        (REPO / "config" / "digits-worker.yaml").read_text()
    assert f"ExecStart={installed}/bin/ferry --log-level " in \
        (units / "ferry-native-worker@.service").read_text()
    assert (installed / "share" / "doc" / "ferry" / "install.md").exists()


def test_the_installed_ferry_reports_the_build_s_version(installed: pathlib.Path,
                                                         build_dir: pathlib.Path) -> None:
    built = run([build_dir / "ferry", "--version"], cwd=installed)
    done = run([installed / "bin" / "ferry", "--version"], cwd=installed)
    assert built.returncode == 0 and done.returncode == 0, done.stderr
    assert done.stdout == built.stdout
    assert re.fullmatch(r"ferry \S+ \(protocol FJP/\d+, commit \w+\)\n", done.stdout)


def test_the_installed_ferry_runs_a_pipeline_on_the_installed_worker_package(
        installed: pathlib.Path, tmp_path: pathlib.Path) -> None:
    expected = installed / "share" / "ferry" / "python" / "ferry_worker" / "__init__.py"
    run_where_pipeline(installed / "bin" / "ferry", tmp_path / "work", expected)


def test_the_installed_worker_package_runs_under_debian_s_python(installed: pathlib.Path,
                                                                 tmp_path: pathlib.Path) -> None:
    python_dir = installed / "lib" / "python3" / "dist-packages"
    done = run([PYTHON, "-c", "import ferry_worker; print(ferry_worker.__file__)"], cwd=tmp_path,
               env=clean_env(PYTHONPATH=str(python_dir)))
    assert done.stdout.strip() == str(python_dir / "ferry_worker" / "__init__.py"), done.stderr
    version = (REPO / "VERSION").read_text().strip()
    done = run([PYTHON, "-m", "ferry_worker", "--version"], cwd=tmp_path,
               env=clean_env(PYTHONPATH=str(python_dir)))
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(rf"ferry {re.escape(version)} \(protocol FJP/\d+, commit unknown\)\n", done.stdout)


# --- the Debian package ---------------------------------------------------------------------------

def deb_field(info: str, name: str) -> str:
    found = re.search(rf"^ {name}: (.*)$", info, re.MULTILINE)
    assert found, f"no {name} field in:\n{info}"
    return found.group(1)


@pytest.fixture(scope="module")
def deb(build_dir: pathlib.Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("deb")
    done = run(["cpack", "-G", "DEB", "--config", build_dir / "CPackConfig.cmake", "-B", out], cwd=out,
               timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    debs = list(out.glob("*.deb"))
    assert len(debs) == 1, done.stdout
    yield debs[0]
    shutil.rmtree(out, ignore_errors=True)


def test_the_package_is_named_versioned_and_depends_on_what_ferry_needs(deb: pathlib.Path) -> None:
    version = (REPO / "VERSION").read_text().strip()
    arch = run(["dpkg", "--print-architecture"], cwd=deb.parent).stdout.strip()
    assert deb.name == f"ferry_{version}_{arch}.deb"
    info = run(["dpkg-deb", "-I", deb], cwd=deb.parent).stdout
    assert deb_field(info, "Package") == "ferry"
    assert deb_field(info, "Version") == version
    assert deb_field(info, "Architecture") == arch
    assert re.fullmatch(r".+ <[^@ >]+@[^@ >]+>", deb_field(info, "Maintainer"))
    assert "ZeroMQ" in deb_field(info, "Description")
    depends = [d.strip() for d in deb_field(info, "Depends").split(",")]
    names = {d.split()[0] for d in depends}
    assert {"python3", "python3-zmq", "python3-msgpack"} <= names
    if shutil.which("dpkg-shlibdeps"):
        assert {"libc6", "libzmq5", "libstdc++6"} <= names, depends
    # This machine runs the build, so every dependency must be installed here in a fitting version
    # (a package's own name, or a virtual one an installed package provides, unversioned).
    installed: dict[str, str] = {}
    provided: set[str] = set()
    listing = run(["dpkg-query", "-W", "-f=${db:Status-Abbrev}\t${Package}\t${Version}\t${Provides}\n"],
                  cwd=deb.parent).stdout
    for line in listing.splitlines():
        status, package, version_, provides = line.split("\t")
        if status.startswith("ii"):
            installed[package] = version_
            provided.update(p.strip().split()[0] for p in provides.split(",") if p.strip())
    for dep in depends:
        found = re.fullmatch(r"(\S+)(?: \((\S+) (\S+)\))?", dep)
        assert found, dep
        name, op, wanted = found.groups()
        if name not in installed:
            assert not op and name in provided, f"{name} is not installed: {dep}"
            continue
        have = subprocess.CompletedProcess([], 0, installed[name], "")
        if op:
            assert run(["dpkg", "--compare-versions", have.stdout, op.replace(">=", "ge")
                        .replace("<=", "le").replace(">>", "gt").replace("<<", "lt").replace("=", "eq"),
                        wanted], cwd=deb.parent).returncode == 0, f"{name} {have.stdout} vs {dep}"


def test_the_package_holds_only_usr_and_its_ferry_runs_a_pipeline(deb: pathlib.Path,
                                                                   tmp_path: pathlib.Path) -> None:
    root = tmp_path / "root"
    done = run(["dpkg-deb", "-x", deb, root], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    files = [p.relative_to(root) for p in root.rglob("*") if not p.is_dir() or p.is_symlink()]
    assert files and all(f.parts[0] == "usr" for f in files), files
    assert sorted(str(f) for f in files if f.parts[:4] == ("usr", "lib", "systemd", "system")) == [
        "usr/lib/systemd/system/ferry-broker.service",
        "usr/lib/systemd/system/ferry-native-worker@.service",
        "usr/lib/systemd/system/ferry-serve.service", "usr/lib/systemd/system/ferry-worker@.service"]
    # Under /usr the units are the source tree's, unchanged.
    for unit in ("ferry-broker.service", "ferry-serve.service", "ferry-worker@.service",
                 "ferry-native-worker@.service"):
        assert (root / "usr/lib/systemd/system" / unit).read_text() == \
            (REPO / "deploy" / "systemd" / unit).read_text()
    assert package_files(root / "usr/lib/python3/dist-packages/ferry_worker") == package_files(SOURCE_PACKAGE)
    ferry = root / "usr" / "bin" / "ferry"
    # Stripped: no debug sections.
    sections = run(["objdump", "-h", ferry], cwd=tmp_path).stdout
    assert ".text" in sections and ".debug_info" not in sections
    done = run([ferry, "--version"], cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("ferry "), done.stderr
    run_where_pipeline(ferry, tmp_path / "work",
                       root / "usr/share/ferry/python/ferry_worker/__init__.py")


def test_dpkg_installs_and_removes_the_package_in_a_separate_root(deb: pathlib.Path,
                                                                  tmp_path: pathlib.Path) -> None:
    admin, root = tmp_path / "admin", tmp_path / "root"
    for sub in ("info", "updates", "triggers"):
        (admin / sub).mkdir(parents=True)
    (admin / "status").touch()
    (admin / "available").touch()
    root.mkdir()
    dpkg = ["dpkg", f"--admindir={admin}", f"--instdir={root}", f"--log={admin / 'dpkg.log'}"]
    # The root is empty, so the dependencies (checked above against this machine) are missing there.
    done = run([*dpkg, "--force-depends", "-i", deb], cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    status = run(["dpkg-query", f"--admindir={admin}", "-W", "-f=${Status} ${Version}", "ferry"],
                 cwd=tmp_path)
    assert status.stdout == f"install ok installed {(REPO / 'VERSION').read_text().strip()}", status
    listed = run(["dpkg-query", f"--admindir={admin}", "-L", "ferry"], cwd=tmp_path).stdout.split("\n")
    assert "/usr/bin/ferry" in listed and "/usr/lib/systemd/system/ferry-worker@.service" in listed
    done = run([root / "usr" / "bin" / "ferry", "--version"], cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("ferry "), done.stderr
    done = run([*dpkg, "--purge", "ferry"], cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [p for p in root.rglob("*") if not p.is_dir()] == []


# --- the worker package by pip, offline ------------------------------------------------------------

@pytest.fixture
def worker_source(tmp_path: pathlib.Path) -> pathlib.Path:
    """A copy of py_workers: pip builds in the source directory, the checkout stays untouched."""
    source = tmp_path / "py_workers"
    shutil.copytree(REPO / "py_workers", source,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "build", "*.egg-info", "tests"))
    return source


def pip_install(python: str | pathlib.Path, *args: str | pathlib.Path, cwd: pathlib.Path) -> None:
    done = run([python, "-m", "pip", "install", "--no-index", "--no-build-isolation", "--no-cache-dir",
                "--disable-pip-version-check", *args], cwd=cwd, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_pip_installs_the_worker_package_offline_into_a_target_directory(
        worker_source: pathlib.Path, tmp_path: pathlib.Path) -> None:
    target = tmp_path / "target"
    # --target sees no installed packages: Debian's python3-zmq and python3-msgpack are the
    # dependencies, hence --no-deps.
    pip_install(PYTHON, "--no-deps", "--target", target, worker_source, cwd=tmp_path)
    assert package_files(target / "ferry_worker") == package_files(SOURCE_PACKAGE)
    env = clean_env(PYTHONPATH=str(target))
    done = run([PYTHON, "-m", "ferry_worker", "--version"], cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"ferry {(REPO / 'VERSION').read_text().strip()} (protocol FJP/")
    done = run([PYTHON, "-c", "import ferry_worker; print(ferry_worker.__file__)"], cwd=tmp_path, env=env)
    assert done.stdout.strip() == str(target / "ferry_worker" / "__init__.py")


def test_pip_installs_the_worker_package_offline_into_a_venv_with_debian_s_packages(
        worker_source: pathlib.Path, tmp_path: pathlib.Path) -> None:
    venv = tmp_path / "venv"
    # --without-pip: Debian's pip, seen through --system-site-packages, installs into the venv;
    # its dependencies are satisfied by python3-zmq and python3-msgpack.
    done = run([PYTHON, "-m", "venv", "--system-site-packages", "--without-pip", venv], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    pip_install(venv / "bin" / "python", worker_source, cwd=tmp_path)
    done = run([venv / "bin" / "ferry-worker", "--version"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"ferry {(REPO / 'VERSION').read_text().strip()} (protocol FJP/")
    done = run([venv / "bin" / "python", "-c", "import ferry_worker; print(ferry_worker.__file__)"],
               cwd=tmp_path)
    assert pathlib.Path(done.stdout.strip()).is_relative_to(venv), done.stdout + done.stderr
