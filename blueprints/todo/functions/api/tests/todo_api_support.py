"""Test support for the todo API handler: module loading, ids and an event-building client.

Kept in a uniquely named module (rather than in ``conftest.py``) so the test
module can import it without clashing with other functions' test suites.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FUNCTION_DIR = Path(__file__).resolve().parents[1]
TABLE_NAME = "todo-test-table"
REGION = "us-east-1"
USER_A = "11111111-aaaa-4aaa-8aaa-111111111111"
USER_B = "22222222-bbbb-4bbb-8bbb-222222222222"
ADMIN = "33333333-cccc-4ccc-8ccc-333333333333"

_NO_BODY = object()


def _load_handler_module() -> Any:
    """Import ``handler.py`` under a unique module name.

    A unique name keeps this function's handler from clashing with other
    functions' ``handler`` modules when several test suites run together.
    """
    name = "todo_api_handler"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FUNCTION_DIR / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


handler_module = _load_handler_module()


@dataclass
class Result:
    """A decoded Lambda proxy response."""

    status: int
    headers: dict[str, str]
    raw_body: str
    body: Any


class ApiClient:
    """Builds API Gateway REST (payload 1.0) events and invokes the handler."""

    def __init__(self, module: Any):
        self.module = module

    @staticmethod
    def event(
        method: str,
        resource: str,
        *,
        user: str | None = USER_A,
        groups: Any = None,
        path_params: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        json_body: Any = _NO_BODY,
        body: str | None = None,
        base64_body: bool = False,
        authorizer: Any = _NO_BODY,
    ) -> dict[str, Any]:
        if json_body is not _NO_BODY:
            body = json.dumps(json_body)
        if base64_body and body is not None:
            body = base64.b64encode(body.encode("utf-8")).decode("ascii")
        path = resource
        for name, value in (path_params or {}).items():
            path = path.replace("{" + name + "}", value)
        if authorizer is _NO_BODY:
            claims: dict[str, Any] = {"email": "someone@example.com"}
            if user is not None:
                claims["sub"] = user
            if groups is not None:
                claims["cognito:groups"] = groups
            authorizer = {"claims": claims}
        return {
            "resource": resource,
            "path": path,
            "httpMethod": method,
            "headers": {"Content-Type": "application/json"},
            "multiValueHeaders": {},
            "queryStringParameters": query,
            "multiValueQueryStringParameters": None,
            "pathParameters": path_params,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": resource,
                "httpMethod": method,
                "requestId": str(uuid.uuid4()),
                "stage": "prod",
                "authorizer": authorizer,
            },
            "body": body,
            "isBase64Encoded": base64_body,
        }

    def invoke(self, event: dict[str, Any]) -> Result:
        response = self.module.handler(event, None)
        assert set(response) == {"statusCode", "headers", "body"}
        assert response["headers"]["Content-Type"] == "application/json"
        assert isinstance(response["body"], str)
        raw = response["body"]
        return Result(response["statusCode"], response["headers"], raw, json.loads(raw) if raw else None)

    def request(self, method: str, resource: str, **kwargs: Any) -> Result:
        return self.invoke(self.event(method, resource, **kwargs))

    # Convenience wrappers -------------------------------------------------

    def create(self, title: str = "buy milk", user: str = USER_A, **fields: Any) -> dict[str, Any]:
        result = self.request("POST", "/todos", user=user, json_body={"title": title, **fields})
        assert result.status == 201, result.body
        return result.body

    def get(self, todo_id: str, user: str = USER_A) -> Result:
        return self.request("GET", "/todos/{todoId}", user=user, path_params={"todoId": todo_id})

    def update(self, todo_id: str, body: Any, user: str = USER_A) -> Result:
        return self.request(
            "PUT", "/todos/{todoId}", user=user, path_params={"todoId": todo_id}, json_body=body
        )

    def delete(self, todo_id: str, user: str = USER_A) -> Result:
        return self.request("DELETE", "/todos/{todoId}", user=user, path_params={"todoId": todo_id})

    def list(self, user: str = USER_A, **query: str) -> Result:
        return self.request("GET", "/todos", user=user, query=query or None)

    def admin_list(self, groups: Any = "admin", **query: str) -> Result:
        return self.request("GET", "/admin/todos", user=ADMIN, groups=groups, query=query or None)

    def admin_delete(self, user_id: str, todo_id: str, groups: Any = "admin") -> Result:
        return self.request(
            "DELETE",
            "/admin/users/{userId}/todos/{todoId}",
            user=ADMIN,
            groups=groups,
            path_params={"userId": user_id, "todoId": todo_id},
        )
