"""Fixtures for the chat `broadcast` tests: fake credentials and moto's
in-process DynamoDB (and management API), so no request reaches AWS."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat_broadcast_support import ENDPOINT, REGION, TABLE_NAME, create_table, handler_module


@pytest.fixture
def chat_broadcast(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "TABLE_NAME": TABLE_NAME,
        "CONNECTIONS_ENDPOINT": ENDPOINT,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(name, raising=False)
    handler_module.reset_clients()
    with mock_aws():
        yield handler_module, create_table()
    handler_module.reset_clients()
