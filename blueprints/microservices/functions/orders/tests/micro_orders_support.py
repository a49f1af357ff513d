"""Test support for the orders service: loads the handler under a unique
module name and builds HTTP, SQS, SNS, Kinesis and S3 events."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

FUNCTION_DIR = Path(__file__).resolve().parents[1]
TABLE_NAME = "micro-orders-test"
BUCKET = "orders-imports-test"
REGION = "us-east-1"


def _load() -> Any:
    name = "micro_orders_handler"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FUNCTION_DIR / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


handler_module = _load()

ORDER = {"userId": "u-1", "items": [{"sku": "book", "quantity": 2, "price": 12.5}]}


def http(method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> dict[str, Any]:
    event = {
        "httpMethod": method,
        "path": path,
        "queryStringParameters": query,
        "requestContext": {"stage": "v1"},
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }
    response = handler_module.handler(event, None)
    response["json"] = json.loads(response["body"]) if response["body"] else None
    return response


def sqs_event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {"messageId": f"m{n}", "eventSource": "aws:sqs", "body": body, "attributes": {}}
            for n, body in enumerate(bodies)
        ]
    }


def sns_envelope(message: Any) -> str:
    return json.dumps({"Type": "Notification", "MessageId": "x", "Message": json.dumps(message)})


def kinesis_event(*payloads: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventSource": "aws:kinesis",
                "kinesis": {"sequenceNumber": f"s{n}", "data": base64.b64encode(p.encode()).decode()},
            }
            for n, p in enumerate(payloads)
        ]
    }


def s3_event(key: str, bucket: str = BUCKET, name: str = "ObjectCreated:Put") -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": name,
                "s3": {"bucket": {"name": bucket}, "object": {"key": key}},
            }
        ]
    }
