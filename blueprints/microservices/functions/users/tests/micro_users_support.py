"""Test support for the users service: loads the handler under a unique module
name and builds API Gateway (REST proxy) and ALB events."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FUNCTION_DIR = Path(__file__).resolve().parents[1]
TABLE_NAME = "micro-users-test"
REGION = "us-east-1"


def _load() -> Any:
    name = "micro_users_handler"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FUNCTION_DIR / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


handler_module = _load()


@dataclass
class Result:
    status: int
    headers: dict[str, str]
    body: Any
    raw: dict[str, Any]


class UsersClient:
    """Invokes the handler with REST API (payload 1.0) or ALB events."""

    def __init__(self, module: Any):
        self.module = module

    @staticmethod
    def event(
        method: str,
        path: str,
        *,
        json_body: Any = None,
        body: str | None = None,
        query: dict[str, str] | None = None,
        alb: bool = False,
        base64_body: bool = False,
    ) -> dict[str, Any]:
        if json_body is not None:
            body = json.dumps(json_body)
        if base64_body and body is not None:
            body = base64.b64encode(body.encode()).decode()
        context: dict[str, Any] = (
            {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/users/abc"}}
            if alb
            else {"resourcePath": path, "httpMethod": method, "stage": "v1"}
        )
        return {
            "httpMethod": method,
            "path": path,
            "headers": {"content-type": "application/json"},
            "queryStringParameters": query,
            "requestContext": context,
            "body": body,
            "isBase64Encoded": base64_body,
        }

    def request(self, method: str, path: str, **kwargs: Any) -> Result:
        raw = self.module.handler(self.event(method, path, **kwargs), None)
        assert raw["headers"]["Content-Type"] == "application/json"
        text = raw["body"]
        return Result(raw["statusCode"], raw["headers"], json.loads(text) if text else None, raw)

    def create(self, name: str = "Ada", email: str = "ada@example.com") -> dict[str, Any]:
        result = self.request("POST", "/users", json_body={"name": name, "email": email})
        assert result.status == 201, result.body
        return result.body
