"""Test support for the welcome email handler: loads it under a unique name
and builds DynamoDB stream records."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

FUNCTION_DIR = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
USERS_TABLE = "blog-test-users"
SENDER = "no-reply@example.com"


def _load() -> Any:
    name = "blog_welcome_email_handler"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FUNCTION_DIR / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


handler_module = _load()


def record(email: str | None, name: str = "Ann", event: str = "INSERT", seq: str = "1") -> dict[str, Any]:
    image: dict[str, Any] = {"name": {"S": name}, "createdAt": {"S": "2026-01-01T00:00:00.000Z"}}
    if email is not None:
        image["email"] = {"S": email}
    return {
        "eventID": seq,
        "eventName": event,
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": {"email": {"S": email or ""}},
            "NewImage": image,
            "SequenceNumber": seq,
            "StreamViewType": "NEW_IMAGE",
        },
    }
