"""docs/openapi.yaml: valid OpenAPI 3.0, and the same routes the server registers and serves."""

from __future__ import annotations

import copy
import json
import os
import pathlib
import re

import jsonschema
import pytest
import yaml

from conftest import REPO
from http_service import HttpBroker

DOC = REPO / "docs" / "openapi.yaml"
SCHEMA_VERSION = "2.1.0"
METHODS = {"get", "post", "put", "delete", "patch"}
# A registration in http/src: server.Get(R"(/v1/jobs/([^/]+))", ...), possibly across lines.
REGISTRATION = re.compile(r"\.\s*(Get|Post|Put|Delete|Patch)\(\s*R\"\((.*?)\)\"", re.S)


def oas_schema() -> dict:
    cache = pathlib.Path(os.environ.get("XDG_CACHE_HOME", pathlib.Path.home() / ".cache"))
    path = cache / "ferry" / f"openapi-3.0-schema-{SCHEMA_VERSION}.json"
    assert path.is_file(), (
        f"the OpenAPI 3.0 schema is missing at {path}: run scripts/install-deps.sh "
        "(it fetches it with scripts/fetch-openapi-schema.sh)")
    return json.loads(path.read_text())


def document() -> dict:
    return yaml.safe_load(DOC.read_text())


def schema_errors(doc: dict) -> list[str]:
    validator = jsonschema.Draft4Validator(oas_schema())
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(doc)]


def unresolved_refs(doc: dict) -> list[str]:
    missing = []

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                target = doc
                for part in ref.removeprefix("#/").split("/"):
                    target = target.get(part) if isinstance(target, dict) else None
                if target is None:
                    missing.append(ref)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    return missing


def template(path: str) -> str:
    """/v1/jobs/{id}/cancel and /v1/jobs/([^/]+)/cancel both become /v1/jobs/{}/cancel."""
    return re.sub(r"\{[^}]+\}|\(\[\^/\]\+\)", "{}", path)


def registered_routes() -> set[tuple[str, str]]:
    routes = set()
    for source in sorted((REPO / "http" / "src").glob("*.cpp")):
        for method, pattern in REGISTRATION.findall(source.read_text()):
            routes.add((method.upper(), template(pattern)))
    return routes


def documented_routes(doc: dict) -> set[tuple[str, str]]:
    return {(method.upper(), template(path))
            for path, item in doc["paths"].items() for method in item if method in METHODS}


def test_the_document_is_valid_openapi_3():
    doc = document()
    assert doc["openapi"].startswith("3.0")
    assert schema_errors(doc) == []
    assert unresolved_refs(doc) == []
    operation_ids = [operation["operationId"] for item in doc["paths"].values()
                     for method, operation in item.items() if method in METHODS]
    assert len(operation_ids) == len(set(operation_ids)), "operationIds must be unique"


def test_the_validation_catches_a_broken_document():
    """The check is not vacuous: known mistakes are reported."""
    doc = document()
    broken = copy.deepcopy(doc)
    del broken["paths"]["/v1/jobs"]["post"]["responses"]
    assert any("responses" in error for error in schema_errors(broken))
    broken = copy.deepcopy(doc)
    broken["paths"]["/v1/jobs/{id}"]["get"]["parameters"][1]["in"] = "body"
    assert schema_errors(broken)
    broken = copy.deepcopy(doc)
    broken["paths"]["/v1/jobs"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/NoSuchSchema"}
    assert unresolved_refs(broken) == ["#/components/schemas/NoSuchSchema"]


def test_the_document_has_exactly_the_routes_the_server_registers():
    registered = registered_routes()
    assert len(registered) >= 15, f"the route scan found too few routes: {sorted(registered)}"
    documented = documented_routes(document())
    assert sorted(registered - documented) == [], "routes the server has but the document lacks"
    assert sorted(documented - registered) == [], "routes the document has but the server lacks"


@pytest.fixture(scope="module")
def service(ferry_bin, tmp_path_factory):
    broker = HttpBroker(ferry_bin, tmp_path_factory.mktemp("openapi"))
    broker.start()
    yield broker
    broker.stop()


def test_every_documented_route_is_served(service):
    """Each operation reaches a handler: never the router's own 'no route' 404."""
    doc = document()
    for path, item in doc["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "no-such-thing", path)
        for method in sorted(set(item) & METHODS):
            reply = service.request(method.upper(), concrete, body="" if method == "post" else None,
                                    timeout=10)
            assert "no route" not in reply.body, f"{method.upper()} {path}: {reply}"
    unknown = service.request("GET", "/v1/no-such-route")
    assert unknown.status == 404 and "no route" in unknown.body, unknown


@pytest.mark.parametrize("path, schema", [("/v1/status", "Status"),
                                          ("/v1/dead-letters", "DeadLetters"),
                                          ("/healthz/live", "Health")])
def test_operator_replies_match_their_documented_schemas(service, path, schema):
    doc = document()
    reply = service.request("GET", path)
    assert reply.status == 200, reply
    validator = jsonschema.Draft4Validator(doc["components"]["schemas"][schema],
                                           resolver=jsonschema.RefResolver.from_schema(doc))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(reply.json())]
    assert errors == [], errors
