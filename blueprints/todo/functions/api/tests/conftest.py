"""Shared fixtures for the todo API handler tests.

Everything runs against moto's in-process DynamoDB mock with fake
credentials, so no request can ever reach AWS.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

# Make the support module importable whatever pytest's import mode is.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from todo_api_support import REGION, TABLE_NAME, ApiClient, handler_module


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """The handler module with a fake AWS environment and no cached clients."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    for name in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "DAX_ENDPOINT",
        "ADMIN_GROUP",
    ):
        monkeypatch.delenv(name, raising=False)
    handler_module.reset_clients()
    yield handler_module
    handler_module.reset_clients()


@pytest.fixture
def table(api: Any) -> Any:
    """A fresh moto-backed table, active for the duration of the test."""
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name=REGION)
        created = dynamodb.create_table(
            TableName=TABLE_NAME,
            KeySchema=[
                {"AttributeName": "userId", "KeyType": "HASH"},
                {"AttributeName": "todoId", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "userId", "AttributeType": "S"},
                {"AttributeName": "todoId", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        created.wait_until_exists()
        yield created


@pytest.fixture
def client(api: Any, table: Any) -> ApiClient:
    """An :class:`ApiClient` wired to the handler and a fresh table."""
    return ApiClient(api)
