"""MICRO-4: every response of the users handler matches what `blueprint
openapi` documents for its route: a documented status code, and a body that
validates against that status's schema (OpenAPI 3.0 semantics, `$ref`s into
the document's components); the request bodies it accepts validate against
the documented request schema. The document is the project's own (the
built-in handler is typed there while the project's copy is unchanged)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from micro_users_support import UsersClient

OAS30Validator = pytest.importorskip("openapi_schema_validator").OAS30Validator

# The project: blueprints/microservices in this repository, or the directory
# `blueprint new microservices` made (functions/<service>/tests/ is in it).
PROJECT = Path(__file__).resolve().parents[3]
REPOSITORY_BIN = Path(__file__).resolve().parents[5] / "target" / "debug" / "blueprint"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """`blueprint openapi` of the project this handler belongs to."""
    binary = os.environ.get("BLUEPRINT_BIN") or shutil.which("blueprint") or str(REPOSITORY_BIN)
    if not Path(binary).exists():
        message = f"{binary} does not exist: build it (cargo build), install blueprint, or set BLUEPRINT_BIN"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    out = subprocess.run(
        [binary, "openapi", "--config", str(PROJECT / "blueprint.yaml")], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def _validate(doc: dict[str, Any], schema: dict[str, Any], instance: Any) -> None:
    rooted = {**schema, "components": doc["components"]}
    OAS30Validator(rooted, format_checker=OAS30Validator.FORMAT_CHECKER).validate(instance)


def conforms(doc: dict[str, Any], method: str, route: str, result: Any, request: Any = None) -> None:
    """Checks `result` (status, body) against the operation `method route`."""
    op = doc["paths"][route][method.lower()]
    responses = op["responses"]
    status = str(result.status)
    assert status in responses, f"{method} {route} answered {status}, documented: {sorted(responses)}"
    documented = responses[status]
    if "content" not in documented:
        assert result.raw["body"] == "", f"{method} {route} {status} has no documented body"
        return
    _validate(doc, documented["content"]["application/json"]["schema"], result.body)
    if request is not None and result.status < 300:
        _validate(doc, op["requestBody"]["content"]["application/json"]["schema"], request)


def test_every_route_answers_as_documented(document: dict[str, Any], client: UsersClient) -> None:
    new = {"name": "Ada Lovelace", "email": "ada@example.com"}
    created = client.request("POST", "/users", json_body=new)
    assert created.status == 201
    conforms(document, "POST", "/users", created, new)
    user_id = created.body["id"]
    for n in range(3):
        client.create(f"user {n}", f"u{n}@example.com")

    first = client.request("GET", "/users", query={"limit": "2"})
    conforms(document, "GET", "/users", first)
    assert first.body["nextToken"]
    last = client.request("GET", "/users", query={"limit": "100"})
    conforms(document, "GET", "/users", last)
    assert last.body["nextToken"] is None

    conforms(document, "GET", "/users/{userId}", client.request("GET", f"/users/{user_id}"))
    change = {"email": "countess@example.com"}
    conforms(document, "PUT", "/users/{userId}", client.request("PUT", f"/users/{user_id}", json_body=change), change)
    deleted = client.request("DELETE", f"/users/{user_id}")
    assert deleted.status == 204
    conforms(document, "DELETE", "/users/{userId}", deleted)


def test_every_error_answers_as_documented(document: dict[str, Any], client: UsersClient) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    for method, route, path, kwargs in [
        ("POST", "/users", "/users", {"json_body": {"name": "x"}}),
        ("POST", "/users", "/users", {"body": "not json"}),
        ("POST", "/users", "/users", {"json_body": {"name": "x", "email": "x@example.com", "role": "admin"}}),
        ("GET", "/users", "/users", {"query": {"limit": "0"}}),
        ("GET", "/users", "/users", {"query": {"nextToken": "!!"}}),
        ("GET", "/users/{userId}", f"/users/{missing}", {}),
        ("PUT", "/users/{userId}", f"/users/{missing}", {"json_body": {"name": "x"}}),
        ("PUT", "/users/{userId}", f"/users/{missing}", {"json_body": {}}),
        ("DELETE", "/users/{userId}", f"/users/{missing}", {}),
    ]:
        result = client.request(method, path, **kwargs)
        assert result.status in (400, 404), (method, path, result.status)
        conforms(document, method, route, result)
        assert set(result.body) == {"error"}


def test_the_documented_request_schema_refuses_what_the_handler_refuses(document: dict[str, Any]) -> None:
    from jsonschema.exceptions import ValidationError

    schema = document["paths"]["/users"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    for bad in [{"name": "x"}, {"name": "", "email": "a@example.com"}, {"name": "x", "email": "a@example.com", "role": "admin"}]:
        with pytest.raises(ValidationError):
            _validate(document, schema, bad)
