"""deploy/k8s: every manifest valid against the Kubernetes and KEDA schemas (the npm validator in
deploy/k8s/validate, which must also refuse broken ones), the pieces agreeing with each other
(the journal volume, the key Secrets, the autoscaler's target and metric), and the ConfigMap's
broker YAML accepted by `ferry broker`."""

from __future__ import annotations

import copy
import os
import pathlib
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import yaml

from conftest import REPO
from http_service import free_port

K8S = REPO / "deploy" / "k8s"
VALIDATOR = K8S / "validate" / "validate.mjs"
FETCH = REPO / "scripts" / "fetch-k8s-validator.sh"
SUMMARY = re.compile(r"^validated (\d+) documents in (\d+) files$", re.M)


@pytest.fixture(scope="module")
def node() -> str:
    """The validator's packages installed (npm ci from the lockfile; nothing when up to date)."""
    binary = shutil.which("node")
    assert binary, "node is missing: install nodejs (scripts/fetch-k8s-validator.sh needs npm)"
    done = subprocess.run(["bash", str(FETCH)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{FETCH.name} failed:\n{done.stdout}\n{done.stderr}"
    assert (K8S / "validate" / "node_modules" / "kubernetes-models").is_dir()
    return binary


def validate(node: str, *paths: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run([node, str(VALIDATOR), *map(str, paths)], capture_output=True,
                          text=True, timeout=120)


def manifest_files() -> list[pathlib.Path]:
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def documents(path: pathlib.Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def objects() -> dict[tuple[str, str], dict]:
    """Every manifest object by (kind, name)."""
    found = {}
    for path in manifest_files():
        for doc in documents(path):
            key = (doc["kind"], doc["metadata"]["name"])
            assert key not in found, f"{key} twice"
            found[key] = doc
    return found


def pod_spec(obj: dict) -> dict:
    return obj["spec"]["template"]["spec"]


def broker_yaml() -> dict:
    return yaml.safe_load(objects()[("ConfigMap", "ferry-broker-config")]["data"]["broker.yaml"])


# ---- the validator on the real manifests -----------------------------------------------------

def test_every_manifest_validates(node: str) -> None:
    done = validate(node, K8S)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = SUMMARY.search(done.stdout)
    assert summary, done.stdout
    files = manifest_files()
    expected = sum(len(documents(path)) for path in files)
    assert (int(summary[1]), int(summary[2])) == (expected, len(files)), done.stdout
    assert "kustomization.yaml:0: skipped" in done.stdout
    kinds = {kind for kind, _ in objects()}
    assert kinds >= {"Namespace", "ConfigMap", "Service", "StatefulSet", "Deployment",
                     "ScaledObject"}


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == [p.name for p in manifest_files()]


# ---- the validator refuses what is broken ----------------------------------------------------

def write(tmp_path: pathlib.Path, name: str, docs: list[dict]) -> pathlib.Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return path


def refused(node: str, path: pathlib.Path, *expected: str) -> str:
    done = validate(node, path)
    assert done.returncode == 1, done.stdout + done.stderr
    for text in expected:
        assert text in done.stderr, done.stderr
    return done.stderr


def test_refuses_a_wrong_type(node: str, tmp_path: pathlib.Path) -> None:
    statefulset = copy.deepcopy(objects()[("StatefulSet", "ferry-broker")])
    statefulset["spec"]["replicas"] = "two"
    path = write(tmp_path, "sts.yaml", [statefulset])
    refused(node, path, f"{path}:0: /spec/replicas: must be integer")


def test_refuses_a_misspelled_trigger_field(node: str, tmp_path: pathlib.Path) -> None:
    scaled = copy.deepcopy(objects()[("ScaledObject", "ferry-workers")])
    trigger = scaled["spec"]["triggers"][0]
    trigger["metadatas"] = trigger.pop("metadata")
    path = write(tmp_path, "so.yaml", [scaled])
    refused(node, path, f"{path}:0: /spec/triggers/0: must have required property metadata",
            f'{path}:0: /spec/triggers/0/metadatas: unknown field "metadatas"')


def test_refuses_a_missing_scale_target(node: str, tmp_path: pathlib.Path) -> None:
    scaled = copy.deepcopy(objects()[("ScaledObject", "ferry-workers")])
    del scaled["spec"]["scaleTargetRef"]
    scaled["spec"]["triggers"][0]["metadata"]["threshold"] = 50  # KEDA wants strings
    path = write(tmp_path, "so.yaml", [scaled])
    refused(node, path, f"{path}:0: /spec: must have required property scaleTargetRef",
            f"{path}:0: /spec/triggers/0/metadata/threshold: must be string")


def test_refuses_unknown_fields_at_any_depth(node: str, tmp_path: pathlib.Path) -> None:
    """The schemas allow unknown fields; the validator's own check does not."""
    statefulset = copy.deepcopy(objects()[("StatefulSet", "ferry-broker")])
    statefulset["spec"]["replica"] = 1
    pod = pod_spec(statefulset)
    pod["containers"][0]["imagee"] = "ferry:1"
    pod["containers"][0]["livenessProbe"]["httpGet"]["paht"] = "/x"
    pod["volumes"][0]["configMap"]["nam"] = "x"
    claim = statefulset["spec"]["volumeClaimTemplates"][0]
    claim["spec"]["accesModes"] = claim["spec"].pop("accessModes")
    statefulset["metadata"]["lables"] = {"a": "b"}
    path = write(tmp_path, "sts.yaml", [statefulset])
    stderr = refused(node, path, *(f'{path}:0: {where}: unknown field' for where in [
        "/spec/replica", "/spec/template/spec/containers/0/imagee",
        "/spec/template/spec/containers/0/livenessProbe/httpGet/paht",
        "/spec/template/spec/volumes/0/configMap/nam",
        "/spec/volumeClaimTemplates/0/spec/accesModes", "/metadata/lables"]))
    assert stderr.count("unknown field") == 6, stderr


def test_maps_take_any_key(node: str, tmp_path: pathlib.Path) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
              "metadata": {"name": "ferry-http-token", "labels": {"any-label": "x"}},
              "stringData": {"token": "not-a-real-token"}}
    done = validate(node, write(tmp_path, "secret.yaml", [secret]))
    assert done.returncode == 0, done.stderr
    assert "validated 1 documents in 1 files" in done.stdout


def test_refuses_unknown_kinds_and_bad_documents(node: str, tmp_path: pathlib.Path) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}}
    old = {"apiVersion": "apps/v1beta1", "kind": "Deployment", "metadata": {"name": "x"}}
    path = write(tmp_path, "misc.yaml", [pod, old, ["a list"]])
    refused(node, path, f'{path}:0: /: unknown apiVersion/kind "v1" "Pod"',
            f'{path}:1: /: unknown apiVersion/kind "apps/v1beta1" "Deployment"',
            f"{path}:2: /: a manifest must be a mapping")
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n")
    refused(node, broken, f"{broken}:0: /: YAML:")


def test_reads_yaml_as_kubectl_does(node: str, tmp_path: pathlib.Path) -> None:
    """YAML 1.1, like kubectl: `0400` is octal 256, a valid mode; 0o400 is no number there."""
    statefulset = objects()[("StatefulSet", "ferry-broker")]
    text = yaml.safe_dump(statefulset).replace("defaultMode: 256", "defaultMode: 0o400", 1)
    path = tmp_path / "sts.yaml"
    path.write_text(text)
    refused(node, path, "/defaultMode: must be integer")


# ---- what the manifests say ------------------------------------------------------------------

def test_scaled_object_targets_the_worker_pool_on_queue_depth() -> None:
    objs = objects()
    scaled = objs[("ScaledObject", "ferry-workers")]["spec"]
    target = scaled["scaleTargetRef"]
    assert target.get("kind", "Deployment") == "Deployment"
    assert ("Deployment", target["name"]) in objs
    assert target["name"] == "ferry-workers"
    assert "replicas" not in objs[("Deployment", target["name"])]["spec"], \
        "a replica count in the Deployment fights the autoscaler on every apply"
    [trigger] = scaled["triggers"]
    assert trigger["type"] == "prometheus"
    assert "ferry_queue_depth" in trigger["metadata"]["query"]
    assert trigger["metadata"]["serverAddress"].startswith("http")
    assert float(trigger["metadata"]["threshold"]) > 0
    assert 0 <= scaled["minReplicaCount"] < scaled["maxReplicaCount"]
    assert scaled["cooldownPeriod"] > 0


def test_journal_is_on_the_claimed_volume() -> None:
    config = broker_yaml()
    journal = config["broker"]["journal"]["path"]
    assert journal.startswith("/")
    statefulset = objects()[("StatefulSet", "ferry-broker")]
    assert statefulset["spec"]["replicas"] == 1
    [claim] = statefulset["spec"]["volumeClaimTemplates"]
    [broker] = [c for c in pod_spec(statefulset)["containers"] if c["name"] == "broker"]
    mounts = {m["mountPath"]: m for m in broker["volumeMounts"]}
    assert mounts[journal]["name"] == claim["metadata"]["name"]
    assert not mounts[journal].get("readOnly", False)
    assert broker["command"][-1] == "/etc/ferry/broker.yaml"
    assert mounts["/etc/ferry/broker.yaml"]["subPath"] == "broker.yaml"


def test_broker_pod_probes_ports_and_grace() -> None:
    config = broker_yaml()
    statefulset = objects()[("StatefulSet", "ferry-broker")]
    spec = pod_spec(statefulset)
    [broker] = [c for c in spec["containers"] if c["name"] == "broker"]
    ports = {p["name"]: p["containerPort"] for p in broker["ports"]}
    http_port = int(config["http"]["listen"].rsplit(":", 1)[1])
    assert config["http"]["listen"].startswith("0.0.0.0:")
    assert ports == {"producers": 5555, "workers": 5556, "http": http_port}
    for key, name in (("producers_endpoint", "producers"), ("workers_endpoint", "workers")):
        assert config["broker"][key] == f"tcp://0.0.0.0:{ports[name]}"
    assert broker["readinessProbe"]["httpGet"]["path"] == "/healthz/ready"
    assert broker["livenessProbe"]["httpGet"]["path"] == "/healthz/live"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert broker[probe]["httpGet"]["port"] in ("http", http_port)
    grace = config["broker"].get("shutdown_grace_s", 10)
    assert spec["terminationGracePeriodSeconds"] > grace
    # The token off loopback: from a Secret, through the variable http.token_env names.
    [token] = [e for e in broker["env"] if e["name"] == config["http"]["token_env"]]
    assert token["valueFrom"]["secretKeyRef"]["name"] == "ferry-http-token"
    service = objects()[("Service", "ferry-broker")]["spec"]
    assert {p["port"] for p in service["ports"]} == {5555, 5556, http_port}
    pod_labels = statefulset["spec"]["template"]["metadata"]["labels"]
    assert service["selector"].items() <= pod_labels.items()
    services = {name for kind, name in objects() if kind == "Service"}
    assert statefulset["spec"]["serviceName"] in services


def test_workers_reach_the_broker_service_with_their_keys() -> None:
    deployment = objects()[("Deployment", "ferry-workers")]
    [worker] = pod_spec(deployment)["containers"]
    args = worker["command"]
    assert args[:3] == ["python3", "-m", "ferry_worker"]
    flag = {args[i]: args[i + 1] for i in range(3, len(args) - 1) if args[i].startswith("--")}
    assert flag["--broker"] == "tcp://ferry-broker:5556"
    mounts = {m["mountPath"] for m in worker["volumeMounts"]}
    assert {flag["--key-file"], flag["--server-key"]} <= mounts
    assert deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > \
        float(flag["--drain-timeout"])
    for obj in (deployment, objects()[("StatefulSet", "ferry-broker")]):
        for container in pod_containers(obj):
            assert container["image"] == "ferry:VERSION"  # the operator's variable


def pod_containers(obj: dict) -> list[dict]:
    spec = pod_spec(obj)
    return spec.get("initContainers", []) + spec["containers"]


def workloads() -> list[dict]:
    return [o for (kind, _), o in objects().items() if kind in ("StatefulSet", "Deployment")]


def test_every_container_is_locked_down_and_sized() -> None:
    for obj in workloads():
        spec = pod_spec(obj)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] > 0
        assert spec["automountServiceAccountToken"] is False
        for container in pod_containers(obj):
            where = f"{obj['metadata']['name']}/{container['name']}"
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            assert "add" not in context["capabilities"], where
            assert {"cpu", "memory"} <= container["resources"]["requests"].keys(), where
            assert "memory" in container["resources"]["limits"], where


def test_secrets_are_mounted_read_only_and_private() -> None:
    secret_volumes = 0
    for obj in workloads():
        spec = pod_spec(obj)
        secrets = {v["name"]: v["secret"] for v in spec["volumes"] if "secret" in v}
        copies = {v["name"] for v in spec["volumes"]
                  if v.get("emptyDir", {}).get("medium") == "Memory"}
        assert secrets
        for secret in secrets.values():
            secret_volumes += 1
            assert secret["defaultMode"] == 0o400
        for container in pod_containers(obj):
            for mount in container["volumeMounts"]:
                if mount["name"] in secrets:
                    assert mount.get("readOnly") is True, (container["name"], mount)
                if mount["name"] in copies and container["name"] != "install-key":
                    assert mount.get("readOnly") is True, (container["name"], mount)
    assert secret_volumes >= 5  # the broker's key and 3 allow-lists, the worker's key


def test_key_paths_of_the_broker_config_are_mounted() -> None:
    curve = broker_yaml()["security"]["curve"]
    statefulset = objects()[("StatefulSet", "ferry-broker")]
    spec = pod_spec(statefulset)
    [broker] = [c for c in spec["containers"] if c["name"] == "broker"]
    mounts = {m["mountPath"].rstrip("/"): m for m in broker["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    key = mounts[curve["secret_key_file"]]
    assert key["subPath"] == "broker.key" and "emptyDir" in volumes[key["name"]]
    for role in ("producers", "workers", "admins"):
        mount = mounts[curve[role].rstrip("/")]
        assert "secret" in volumes[mount["name"]], role
    # The init container fills the memory volume from the Secret with an owner-only copy.
    [init] = spec["initContainers"]
    assert "chmod 0400" in init["command"][-1]
    assert {m["name"] for m in init["volumeMounts"]} == {key["name"], "broker-key-secret"}


def test_no_secret_material_is_committed() -> None:
    for path in K8S.rglob("*"):
        if "node_modules" in path.parts or not path.is_file():
            continue
        text = path.read_text(errors="replace")
        assert 'secret-key = "' not in text, path
        for doc in (documents(path) if path.suffix == ".yaml" else []):
            assert doc.get("kind") != "Secret", f"{path}: create Secrets as docs/kubernetes.md says"


# ---- the ConfigMap's broker YAML runs ----------------------------------------------------------

def has_keygen(ferry_bin: pathlib.Path) -> bool:
    done = subprocess.run([str(ferry_bin), "--help"], capture_output=True, text=True, timeout=30)
    return "keygen" in done.stdout


def get(url: str, token: str = "") -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_configmap_broker_yaml_runs(ferry_bin: pathlib.Path, tmp_path: pathlib.Path) -> None:
    """The ConfigMap's file as the pod runs it, with only its paths and ports moved to tmp and
    loopback; the key files are made with `ferry keygen` when the binary has it, else the
    security section is left out."""
    config = broker_yaml()
    http_port = free_port()
    config["broker"]["producers_endpoint"] = f"tcp://127.0.0.1:{free_port()}"
    config["broker"]["workers_endpoint"] = f"tcp://127.0.0.1:{free_port()}"
    config["broker"]["journal"]["path"] = str(tmp_path / "journal")
    config["http"]["listen"] = f"127.0.0.1:{http_port}"
    if has_keygen(ferry_bin):
        curve = config["security"]["curve"]
        keys = tmp_path / "keys"
        for role in ("producers", "workers", "admins"):
            (keys / role).mkdir(parents=True)
            curve[role] = str(keys / role)
        for name, role in (("broker", ""), ("worker", "workers")):
            done = subprocess.run([str(ferry_bin), "keygen", name], cwd=keys, capture_output=True,
                                  text=True, timeout=30)
            assert done.returncode == 0, done.stderr
            if role:
                shutil.copy(keys / f"{name}.pub", keys / role / f"{name}.pub")
        curve["secret_key_file"] = str(keys / "broker.key")
    else:
        del config["security"]
    path = tmp_path / "broker.yaml"
    path.write_text(yaml.safe_dump(config))
    env = dict(os.environ, FERRY_HTTP_TOKEN="k8s-test-token")
    broker = subprocess.Popen([str(ferry_bin), "broker", str(path)], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = broker.stdout.readline()
        assert line.startswith("ferry broker: producers="), line + broker.stderr.read()
        served = broker.stdout.readline()  # printed once the HTTP server listens
        assert served.startswith("ferry broker: http="), served + broker.stderr.read()
        base = f"http://127.0.0.1:{http_port}"
        deadline = time.monotonic() + 30
        while get(base + "/healthz/ready")[0] != 200:
            assert time.monotonic() < deadline, "never ready"
            time.sleep(0.1)
        assert get(base + "/healthz/live")[0] == 200
        assert get(base + "/metrics")[0] == 401
        status, metrics = get(base + "/metrics", "k8s-test-token")
        assert status == 200
        for name in ("ferry_jobs_in_flight", "ferry_workers_online"):
            assert re.search(rf"^{name} ", metrics, re.M), name
        assert (tmp_path / "journal").is_dir()
    finally:
        broker.send_signal(signal.SIGTERM)
        try:
            code = broker.wait(timeout=config["broker"]["shutdown_grace_s"] + 10)
        except subprocess.TimeoutExpired:
            broker.kill()
            raise
    assert code == 0, broker.stderr.read()
