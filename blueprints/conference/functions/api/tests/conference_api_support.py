"""Test support for the conference API handler."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

FUNCTION_DIR = Path(__file__).resolve().parents[1]
REGION = "eu-west-1"
TABLE = "conference-test-registrations"
BUCKET = "conference-test-certificates"


def _load() -> Any:
    name = "conference_api_handler"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FUNCTION_DIR / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


handler_module = _load()


def call(
    method: str,
    resource: str,
    *,
    path_params: dict[str, str] | None = None,
    json_body: Any = None,
    body: str | None = None,
    base64_body: bool = False,
) -> tuple[int, Any]:
    if json_body is not None:
        body = json.dumps(json_body)
    if base64_body and body is not None:
        body = base64.b64encode(body.encode()).decode()
    event = {
        "resource": resource,
        "httpMethod": method,
        "pathParameters": path_params,
        "body": body,
        "isBase64Encoded": base64_body,
    }
    response = handler_module.handler(event, None)
    assert response["headers"]["Cache-Control"] == "no-store"
    return response["statusCode"], json.loads(response["body"])
