"""Test support for the flow starter."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

FUNCTION_DIR = Path(__file__).resolve().parents[1]
REGION = "eu-west-1"


def _load() -> Any:
    name = "conference_start_flow_handler"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FUNCTION_DIR / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


handler_module = _load()


def sns_event(*messages: Any) -> dict[str, Any]:
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {"Type": "Notification", "Message": m if isinstance(m, str) else json.dumps(m)},
            }
            for m in messages
        ]
    }
