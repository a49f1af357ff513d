"""Test support for the event-pipeline processor: loads its handler under a
unique module name and builds S3 notifications as SQS and SNS deliver them."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

FUNCTION_DIR = Path(__file__).resolve().parents[1]
BUCKET = "uploads-test"
REGION = "us-east-1"


def _load() -> Any:
    name = "pipeline_processor_handler"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FUNCTION_DIR / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


handler_module = _load()


def notification(*keys: str, name: str = "ObjectCreated:Put", bucket: str = BUCKET) -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "eventName": name,
                "s3": {"bucket": {"name": bucket}, "object": {"key": key}},
            }
            for key in keys
        ]
    }


def sns_envelope(message: Any) -> str:
    return json.dumps({"Type": "Notification", "MessageId": "n1", "Message": json.dumps(message)})


def sqs_event(*bodies: Any) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m{n}",
                "eventSource": "aws:sqs",
                "body": body if isinstance(body, str) else json.dumps(body),
            }
            for n, body in enumerate(bodies)
        ]
    }


def sns_event(*messages: Any) -> dict[str, Any]:
    return {
        "Records": [
            {"EventSource": "aws:sns", "Sns": {"Message": m if isinstance(m, str) else json.dumps(m)}}
            for m in messages
        ]
    }
