"""Fixtures for the blog API handler tests: moto's in-process mocks with fake
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

from blog_api_support import (  # noqa: E402
    POSTS_TABLE,
    REGION,
    UPLOADS_BUCKET,
    handler_module,
)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "POSTS_TABLE": POSTS_TABLE,
        "UPLOADERS_GROUP": "authors",
        "UPLOADS_BUCKET": UPLOADS_BUCKET,
        "UPLOADS_PREFIX": "uploads/",
        "MAX_UPLOAD_BYTES": str(5 * 1024 * 1024),
        "THUMBNAILS_PATH": "/thumbnails/",
        "THUMBNAIL_EXTENSION": ".jpg",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "DAX_ENDPOINT", "UPLOADS_PUBLIC"):
        monkeypatch.delenv(name, raising=False)
    handler_module.reset_clients()
    with mock_aws():
        db = boto3.resource("dynamodb", region_name=REGION)
        posts = db.create_table(
            TableName=POSTS_TABLE,
            KeySchema=[{"AttributeName": "postId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "postId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=UPLOADS_BUCKET)
        yield {"posts": posts}
    handler_module.reset_clients()
