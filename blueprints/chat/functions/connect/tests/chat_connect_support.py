"""Test support for the chat `connect` function: loads its handler under a
unique module name and creates the connections table in moto."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import boto3

FUNCTION_DIR = Path(__file__).resolve().parents[1]
TABLE_NAME = "chat-connections-test"
REGION = "us-east-1"
ENDPOINT = "https://abc123.execute-api.us-east-1.amazonaws.com/v1"


def _load() -> Any:
    name = "chat_connect_handler"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FUNCTION_DIR / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


handler_module = _load()


def create_table() -> Any:
    created = boto3.resource("dynamodb", region_name=REGION).create_table(
        TableName=TABLE_NAME,
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    created.wait_until_exists()
    return created


def ws_event(connection_id: str | None = "conn-1", body: str | None = None, route: str = "$connect") -> dict[str, Any]:
    context: dict[str, Any] = {"routeKey": route, "eventType": "MESSAGE", "stage": "v1",
                               "identity": {"sourceIp": "203.0.113.7"}}
    if connection_id is not None:
        context["connectionId"] = connection_id
    return {"requestContext": context, "body": body, "isBase64Encoded": False}
