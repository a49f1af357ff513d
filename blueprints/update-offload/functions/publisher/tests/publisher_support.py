"""Test support for update-offload's publisher: loads its handler under a
unique module name and builds S3 event notifications as S3 sends them (keys
URL-encoded, `+` for spaces)."""

from __future__ import annotations

import importlib.util
import sys
import urllib.parse
from pathlib import Path
from typing import Any

FUNCTION_DIR = Path(__file__).resolve().parents[1]
BUCKET = "update-files-test"
REGION = "eu-west-1"


def _load() -> Any:
    name = "update_offload_publisher_handler"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FUNCTION_DIR / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


handler_module = _load()


def encoded(key: str) -> str:
    """A key as an S3 event carries it."""
    return urllib.parse.quote_plus(key, safe="/")


def event(key: str, name: str = "ObjectCreated:Put", bucket: str = BUCKET, raw: bool = False) -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "eventName": name,
                "s3": {
                    "bucket": {"name": bucket},
                    "object": {"key": key if raw else encoded(key)},
                },
            }
        ]
    }
