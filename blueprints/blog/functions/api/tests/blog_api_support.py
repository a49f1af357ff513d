"""Test support for the blog API handler: loading it under a unique module
name, and building API Gateway proxy events."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
import uuid
from pathlib import Path
from typing import Any

FUNCTION_DIR = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
POSTS_TABLE = "blog-test-posts"
UPLOADS_BUCKET = "blog-uploads-test"


def _load() -> Any:
    name = "blog_api_handler"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FUNCTION_DIR / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


handler_module = _load()


def event(
    method: str,
    resource: str,
    *,
    path_params: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    json_body: Any = None,
    body: str | None = None,
    base64_body: bool = False,
    claims: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if json_body is not None:
        body = json.dumps(json_body)
    if base64_body and body is not None:
        body = base64.b64encode(body.encode()).decode()
    path = resource
    for k, v in (path_params or {}).items():
        path = path.replace("{" + k + "}", v)
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "queryStringParameters": query,
        "pathParameters": path_params,
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "stage": "v1",
            **({"authorizer": {"claims": claims}} if claims is not None else {}),
        },
        "body": body,
        "isBase64Encoded": base64_body,
    }


AUTHOR_SUB = "0f8fad5b-d9cb-469f-a165-70867728950e"
# What a REST API's Cognito user-pool authorizer passes for a member of the
# `authors` group (groups as one string).
AUTHOR = {"sub": AUTHOR_SUB, "email": "ann@example.com", "cognito:groups": "authors"}
READER = {"sub": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "email": "reader@example.com"}


def call(method: str, resource: str, **kwargs: Any) -> tuple[int, dict[str, str], Any]:
    response = handler_module.handler(event(method, resource, **kwargs), None)
    assert set(response) == {"statusCode", "headers", "body"}
    raw = response["body"]
    return response["statusCode"], response["headers"], json.loads(raw) if raw else None
