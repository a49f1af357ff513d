"""Fixtures for the users service tests: moto's in-process DynamoDB with fake
credentials, so no request can reach AWS."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from micro_users_support import REGION, TABLE_NAME, UsersClient, handler_module


@pytest.fixture
def users(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """The handler module in a fake AWS environment, with no cached clients."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "TABLE_NAME": TABLE_NAME,
        "BASE_PATH": "/users",
        "SERVICE_NAME": "users",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(name, raising=False)
    handler_module.reset_clients()
    yield handler_module
    handler_module.reset_clients()


@pytest.fixture
def users_table(users: Any) -> Any:
    """A fresh moto table keyed by `id`."""
    with mock_aws():
        created = boto3.resource("dynamodb", region_name=REGION).create_table(
            TableName=TABLE_NAME,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        created.wait_until_exists()
        yield created


@pytest.fixture
def client(users: Any, users_table: Any) -> UsersClient:
    return UsersClient(users)
