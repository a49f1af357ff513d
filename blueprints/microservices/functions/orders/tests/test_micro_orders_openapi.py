"""MICRO-4: every response of the orders handler matches what `blueprint
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
from micro_orders_support import ORDER, http

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


def conforms(doc: dict[str, Any], method: str, route: str, response: dict[str, Any], request: Any = None) -> None:
    """Checks a handler response against the operation `method route`."""
    op = doc["paths"][route][method.lower()]
    responses = op["responses"]
    status = str(response["statusCode"])
    assert status in responses, f"{method} {route} answered {status}, documented: {sorted(responses)}"
    documented = responses[status]
    if "content" not in documented:
        assert response["body"] == "", f"{method} {route} {status} has no documented body"
        return
    _validate(doc, documented["content"]["application/json"]["schema"], response["json"])
    if request is not None and response["statusCode"] < 300:
        _validate(doc, op["requestBody"]["content"]["application/json"]["schema"], request)


def test_every_route_answers_as_documented(document: dict[str, Any], aws: Any) -> None:
    created = http("POST", "/orders", ORDER)
    assert created["statusCode"] == 201
    conforms(document, "POST", "/orders", created, ORDER)
    whole = {"userId": "u-2", "items": [{"sku": "pen", "quantity": 3, "price": 2}]}
    conforms(document, "POST", "/orders", http("POST", "/orders", whole), whole)
    order_id = created["json"]["id"]

    listed = http("GET", "/orders", query={"userId": "u-1", "limit": "10"})
    assert len(listed["json"]["items"]) == 1
    conforms(document, "GET", "/orders", listed)
    conforms(document, "GET", "/orders", http("GET", "/orders"))
    conforms(document, "GET", "/orders/{orderId}", http("GET", f"/orders/{order_id}"))
    deleted = http("DELETE", f"/orders/{order_id}")
    assert deleted["statusCode"] == 204
    conforms(document, "DELETE", "/orders/{orderId}", deleted)


def test_every_error_answers_as_documented(document: dict[str, Any], aws: Any) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    for method, route, path, body, query in [
        ("POST", "/orders", "/orders", {"userId": "u"}, None),
        ("POST", "/orders", "/orders", {"userId": "u", "items": []}, None),
        ("POST", "/orders", "/orders", {**ORDER, "coupon": "x"}, None),
        ("POST", "/orders", "/orders", {"userId": "u", "items": [{"sku": "a", "quantity": 0, "price": 1}]}, None),
        ("GET", "/orders", "/orders", None, {"limit": "1000"}),
        ("GET", "/orders/{orderId}", f"/orders/{missing}", None, None),
        ("DELETE", "/orders/{orderId}", f"/orders/{missing}", None, None),
    ]:
        result = http(method, path, body, query)
        assert result["statusCode"] in (400, 404), (method, path, result["statusCode"])
        conforms(document, method, route, result)
        assert set(result["json"]) == {"error"}


def test_the_documented_request_schema_refuses_what_the_handler_refuses(document: dict[str, Any]) -> None:
    from jsonschema.exceptions import ValidationError

    schema = document["paths"]["/orders"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    for bad in [
        {"userId": "u"},
        {"userId": "u", "items": []},
        {**ORDER, "coupon": "x"},
        {"userId": "u", "items": [{"sku": "a", "quantity": 0, "price": 1}]},
        {"userId": "u", "items": [{"sku": "a", "quantity": 1, "price": -1}]},
    ]:
        with pytest.raises(ValidationError):
            _validate(document, schema, bad)
