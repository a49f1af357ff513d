"""Test support for the badge handler."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

FUNCTION_DIR = Path(__file__).resolve().parents[1]
REGION = "eu-west-1"
TABLE = "conference-test-registrations"
BUCKET = "conference-test-certificates"


def _load() -> Any:
    name = "conference_badge_handler"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FUNCTION_DIR / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


handler_module = _load()
