"""Test support for the post confirmation trigger: loads the handler under a
unique name and builds Cognito trigger events."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

FUNCTION_DIR = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
USERS_TABLE = "blog-test-users"


def _load() -> Any:
    name = "blog_post_confirmation_handler"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FUNCTION_DIR / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


handler_module = _load()


def trigger(
    email: str = "Reader@Example.com",
    *,
    verified: str = "true",
    source: str = "PostConfirmation_ConfirmSignUp",
    name: str | None = "Ann",
) -> dict[str, Any]:
    """A post confirmation event as Cognito sends it."""
    attributes = {
        "sub": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "email": email,
        "email_verified": verified,
        "cognito:user_status": "CONFIRMED",
    }
    if name is not None:
        attributes["name"] = name
    return {
        "version": "1",
        "triggerSource": source,
        "region": REGION,
        "userPoolId": f"{REGION}_abcdefghi",
        "userName": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown", "clientId": "client"},
        "request": {"userAttributes": attributes},
        "response": {},
    }
