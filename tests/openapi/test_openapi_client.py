"""MICRO-4: a client SDK generated from `blueprint openapi` output has typed
models. The document (the microservices defaults, and the schemas variant)
passes openapi-spec-validator, openapi-python-client generates a client from
it, and the generated package imports and has model classes (User, Order,
...) whose attributes carry the types of the schemas, and typed operations.

    BLUEPRINT_BIN=target/debug/blueprint python -m pytest tests/openapi
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]


def generate(blueprint_bin: str, tmp: Path, package: str, *args: str) -> tuple[dict[str, Any], Any]:
    """The document of `blueprint openapi ARGS`, validated, and the client
    package generated from it, imported as `package`."""
    doc_path = tmp / f"{package}.json"
    subprocess.run([blueprint_bin, "openapi", *args, "--out", str(doc_path)], check=True, cwd=ROOT)
    doc = json.loads(doc_path.read_text())
    validate(doc)
    config = tmp / "generator.yaml"
    config.write_text("post_hooks: []\n")
    result = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(doc_path),
         "--output-path", str(tmp / package), "--meta", "none", "--config", str(config)],
        capture_output=True, text=True, cwd=tmp,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Every schema became a model: the generator skips what it cannot type.
    assert "Skipping" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(tmp))
    try:
        return doc, importlib.import_module(package)
    finally:
        sys.path.remove(str(tmp))


def annotations(obj: Any) -> dict[str, str]:
    """The annotations of a class or function, as names (the generated
    models postpone evaluation, the operations do not)."""
    return {k: v.__name__ if isinstance(v, type) else str(v) for k, v in obj.__annotations__.items()}


def test_the_default_api_generates_typed_models(blueprint_bin: str, tmp_path: Path) -> None:
    doc, client = generate(blueprint_bin, tmp_path, "micro_default", "microservices")
    models = importlib.import_module("micro_default.models")
    for name in ["User", "UserInput", "UserUpdate", "UserList", "Order", "OrderInput", "OrderItem", "OrderList", "Error"]:
        assert hasattr(models, name), f"no model {name}: {dir(models)}"
    assert annotations(models.User) == {
        "name": "str",
        "email": "str",
        "id": "UUID",
        "created_at": "datetime.datetime",
        "updated_at": "datetime.datetime",
    }
    assert annotations(models.OrderItem) == {"sku": "str", "quantity": "int", "price": "float"}
    assert annotations(models.Order)["items"] == "list[OrderItem]"
    assert annotations(models.Order)["status"] == "OrderStatus"
    assert annotations(models.UserList) == {"items": "list[User]", "next_token": "None | str"}
    assert annotations(models.UserUpdate) == {"name": "str | Unset", "email": "str | Unset"}

    # A handler's answer parses into the model and back.
    answer = {"id": "2f1c3a9e-8a9b-4c5d-9e0f-1a2b3c4d5e6f", "name": "Ada", "email": "ada@example.com",
              "createdAt": "2026-01-02T03:04:05.678Z", "updatedAt": "2026-01-02T03:04:05.678Z"}
    user = models.User.from_dict(answer)
    assert user.created_at.year == 2026
    assert user.to_dict()["email"] == "ada@example.com"

    # Operations are typed by their request and response models.
    create = importlib.import_module("micro_default.api.users.users_post")
    assert annotations(create.sync_detailed)["body"] == "UserInput"
    assert "User" in annotations(create.sync)["return"]
    listing = importlib.import_module("micro_default.api.users.users_get")
    assert "UserList" in annotations(listing.sync)["return"]
    assert "int" in annotations(listing.sync)["limit"]
    assert doc["paths"]["/users"]["get"]["parameters"][0]["name"] == "limit"


def test_declared_schemas_generate_typed_models(blueprint_bin: str, tmp_path: Path) -> None:
    _, client = generate(blueprint_bin, tmp_path, "micro_schemas", "--config", "tests/variants/microservices-schemas.yaml")
    models = importlib.import_module("micro_schemas.models")
    assert annotations(models.LineItem) == {"sku": "str", "quantity": "int", "price": "float"}
    put = importlib.import_module("micro_schemas.api.quotes.quotes_put_quote_id")
    assert annotations(put.sync_detailed)["body"] == "LineItem"
